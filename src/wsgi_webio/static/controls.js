/* Input controls: CONTROLS[type](item, field) builds the bare control of one input item:
 *   {node, main, inputs, group, changeEvent, blur, get(), set(value, asDefault),
 *    setOptions?, setDatalist?, setFlag?, setRange?, afterReset?}
 * `inputs` are the elements that take attributes, aria-invalid and aria-describedby. The table
 * is exported so tests can list the input types. Labels, feedback and events are field.js's;
 * touches the DOM only when called. */
import { btnClass } from "./outputs.js";
import { el, formatSize, jsonKey, parseKey, str } from "./util.js";

export const TEXT_TYPES = { text: "text", number: "number", float: "text", password: "password", url: "url",
  date: "date", time: "time", color: "color", "datetime-local": "datetime-local" };
/* Item keys that are not HTML attributes of the control. */
export const ITEM_KEYS = new Set(["type", "name", "label", "value", "placeholder", "required", "readonly", "disabled",
  "help_text", "auto_focus", "onblur", "onchange", "valid_status", "invalid_feedback", "valid_feedback", "action",
  "datalist", "options", "multiple", "inline", "code", "float", "buttons", "min_value", "max_value", "step",
  "max_size", "max_total_size", "accept", "native", "target_name"]);

function normOptions(options) {
  return (Array.isArray(options) ? options : []).map((o) => (o !== null && typeof o === "object" && !Array.isArray(o)
    ? o : Array.isArray(o) ? { label: o[0], value: o.length > 1 ? o[1] : o[0] } : { label: o, value: o }));
}

function basicFlags(control) {
  return (name, on) => {
    for (const input of control.inputs) {
      if (name === "readonly") input.readOnly = on; else input[name] = on;
    }
  };
}

function textControl(item, field) {
  const input = el("input", { id: field.id, name: str(item.name), className: "webio-input", type: TEXT_TYPES[item.type] });
  if (item.type === "number") input.step = "any";
  if (item.type === "float") input.inputMode = "decimal";
  const control = { node: input, main: input, inputs: [input], changeEvent: "input", blur: true,
    get() {
      const raw = input.value;
      if (item.type !== "number" && item.type !== "float") return raw;
      const n = Number(raw);
      return raw.trim() === "" ? null : Number.isFinite(n) ? n : raw; // the server explains a bad value
    },
    set(value, asDefault) {
      input.value = str(value);
      if (asDefault) input.defaultValue = input.value;
    },
  };
  control.setFlag = basicFlags(control);
  if (item.datalist) {
    const list = el("datalist", { id: field.id + "-list" });
    input.setAttribute("list", list.id);
    control.setDatalist = (values) => {
      list.textContent = "";
      for (const v of Array.isArray(values) ? values : []) list.append(el("option", { value: str(v) }));
    };
    control.node = el("div", { className: "webio-control" }, input, list);
  }
  if (item.action && typeof item.action === "object") { // a button beside the field
    const btn = el("button", { type: "button", className: btnClass("secondary", true), textContent: str(item.action.label) });
    btn.addEventListener("click", () => field.host.callback(item.action.callback_id));
    control.node = el("div", { className: "webio-input-group" }, control.node, btn);
  }
  return control;
}

function textareaControl(item, field) {
  const ta = el("textarea", { id: field.id, name: str(item.name), className: "webio-input webio-textarea", rows: 6 });
  if (item.code) Object.assign(ta, { className: ta.className + " webio-code-input", spellcheck: false, autocapitalize: "off" });
  const control = { node: ta, main: ta, inputs: [ta], changeEvent: "input", blur: true,
    get: () => ta.value,
    set(value, asDefault) { ta.value = str(value); if (asDefault) ta.defaultValue = ta.value; },
  };
  control.setFlag = basicFlags(control);
  return control;
}

function selectControl(item, field) {
  const sel = el("select", { id: field.id, name: str(item.name), className: "webio-input webio-select", multiple: !!item.multiple });
  const control = { node: sel, main: sel, inputs: [sel], changeEvent: "change", blur: true,
    setOptions(options) {
      sel.textContent = "";
      for (const o of normOptions(options)) {
        const opt = el("option", { value: jsonKey(o.value), textContent: str(o.label), disabled: !!o.disabled });
        opt.selected = opt.defaultSelected = !!o.selected;
        sel.append(opt);
      }
    },
    get() {
      if (sel.multiple) return Array.from(sel.selectedOptions, (o) => parseKey(o.value));
      return sel.selectedIndex < 0 ? null : parseKey(sel.options[sel.selectedIndex].value);
    },
    set(value, asDefault) {
      const list = sel.multiple ? (Array.isArray(value) ? value : value == null ? [] : [value]) : [value];
      const keys = new Set(list.map(jsonKey));
      for (const opt of sel.options) {
        opt.selected = keys.has(opt.value);
        if (asDefault) opt.defaultSelected = opt.selected;
      }
    },
    setFlag(name, on) { if (name === "readonly") sel.classList.toggle("webio-readonly", on); else sel[name] = on; },
  };
  return control;
}

function choiceControl(item, field) { // checkbox and radio
  const radio = item.type === "radio", flags = { disabled: false, readonly: false, required: false };
  const box = el("div", { className: "webio-choices" + (item.inline ? " webio-inline" : "") });
  const control = { node: box, main: box, inputs: [], group: true, changeEvent: "change", blur: false,
    setOptions(options) {
      box.textContent = "";
      control.inputs = normOptions(options).map((o, i) => {
        const input = el("input", { type: radio ? "radio" : "checkbox", id: `${field.id}-${i}`, name: str(item.name) || field.id,
          className: "webio-check-input", value: jsonKey(o.value) });
        input.checked = input.defaultChecked = !!o.selected;
        input.webioDisabled = !!o.disabled;
        box.append(el("div", { className: "webio-check" }, input,
          el("label", { htmlFor: input.id, className: "webio-check-label", textContent: str(o.label) })));
        return input;
      });
      control.main = control.inputs[0] || box;
      control.applyFlags();
      field.refresh();
    },
    applyFlags() {
      for (const input of control.inputs) {
        input.disabled = flags.disabled || flags.readonly || input.webioDisabled;
        input.required = radio && flags.required;
      }
    },
    setFlag(name, on) { flags[name] = on; control.applyFlags(); },
    get() {
      const on = control.inputs.filter((i) => i.checked).map((i) => parseKey(i.value));
      return radio ? (on.length ? on[0] : null) : on;
    },
    set(value, asDefault) {
      const keys = new Set((radio ? [value] : Array.isArray(value) ? value : value == null ? [] : [value]).map(jsonKey));
      for (const input of control.inputs) {
        input.checked = keys.has(input.value);
        if (asDefault) input.defaultChecked = input.checked;
      }
    },
  };
  return control;
}

function sliderControl(item, field) {
  const input = el("input", { type: "range", id: field.id, name: str(item.name), className: "webio-range",
    min: "0", max: "100", step: item.float ? "any" : "1" });
  const shown = el("output", { className: "webio-range-value" });
  shown.setAttribute("for", field.id);
  shown.setAttribute("aria-hidden", "true"); // the slider announces its own value
  const show = () => { shown.textContent = input.value; };
  input.addEventListener("input", show);
  const control = { node: el("div", { className: "webio-slider" }, input, shown), main: input, inputs: [input],
    changeEvent: "change", blur: true,
    get() { const n = Number(input.value); return Number.isFinite(n) ? n : null; },
    set(value, asDefault) {
      input.value = str(value);
      if (asDefault) input.defaultValue = input.value;
      show();
    },
    setRange(key, value) {
      const attr = { min_value: "min", max_value: "max", step: "step" }[key];
      if (value == null) value = { min: 0, max: 100, step: item.float ? "any" : 1 }[attr];
      input[attr] = str(value);
      show();
    },
    afterReset: show,
  };
  control.setFlag = (name, on) => { if (name === "readonly") input.disabled = on; else input[name] = on; };
  show();
  return control;
}

function actionsControl(item, field) {
  const box = el("div", { className: "webio-buttons webio-actions-input" });
  const control = { node: box, main: box, inputs: [], group: true, changeEvent: null, blur: false, value: null,
    get: () => control.value,
    set(value) { control.value = value === undefined ? null : value; },
    setFlag(name, on) { if (name === "disabled") for (const b of control.buttons) b.disabled = on || b.webioDisabled; },
    buttons: [],
  };
  for (const b of Array.isArray(item.buttons) ? item.buttons : []) {
    const kind = b.type === "reset" || b.type === "cancel" ? b.type : "submit";
    const submit = kind === "submit" && field.host.isForm;
    const btn = el("button", { type: submit ? "submit" : "button", textContent: str(b.label), disabled: !!b.disabled,
      className: btnClass(b.color || (kind === "submit" ? "primary" : "secondary"), kind !== "submit") });
    Object.assign(btn, { webioDisabled: !!b.disabled, webioKind: kind });
    btn.dataset.value = jsonKey(b.value);
    btn.classList.add("webio-form-btn");
    if (kind === "reset") btn.addEventListener("click", () => field.host.reset());
    else if (kind === "cancel") btn.addEventListener("click", () => field.host.cancel());
    else if (!submit) { // a pin's buttons: a click is the new value
      btn.addEventListener("click", () => { control.value = parseKey(btn.dataset.value); field.host.event(field, "change"); });
    }
    control.buttons.push(btn);
    box.append(btn);
  }
  control.main = control.buttons[0] || box;
  return control;
}

function fileControl(item, field) {
  const input = el("input", { type: "file", id: field.id, name: str(item.name), className: "webio-file-input",
    multiple: !!item.multiple });
  if (item.accept) input.accept = Array.isArray(item.accept) ? item.accept.join(",") : str(item.accept);
  const list = el("ul", { className: "webio-file-list" });
  // A group, as checkboxes are: the title is the fieldset's legend, which also names the input.
  input.setAttribute("aria-labelledby", field.id + "-label");
  const maxSize = Number(item.max_size) || 0, maxTotal = Number(item.max_total_size) || 0;
  const control = { node: el("div", { className: "webio-file" }, input, list), main: input, inputs: [input],
    group: true, changeEvent: "change", blur: false, error: null,
    files: () => Array.from(input.files || []),
    get: () => (item.multiple ? [] : null), // the files travel in the binary event
    set() { /* a file input's value cannot be set by a script */ },
    check() { // PyWebIO's limits, checked before anything is sent
      let total = 0;
      for (const f of control.files()) {
        total += f.size;
        if (maxSize && f.size > maxSize) return `"${f.name}" is ${formatSize(f.size)}; files may be at most ${formatSize(maxSize)}.`;
      }
      if (maxTotal && total > maxTotal) return `The files total ${formatSize(total)}; together they may be at most ${formatSize(maxTotal)}.`;
      return null;
    },
    refreshList() {
      list.textContent = "";
      for (const f of control.files()) list.append(el("li", { textContent: `${f.name} (${formatSize(f.size)})` }));
      control.error = control.check();
      if (control.error) field.setValid(false, control.error);
      else if (field.status === false) field.setValid(0);
    },
    afterReset() { control.refreshList(); },
  };
  control.setFlag = (name, on) => { if (name === "readonly") input.disabled = on; else input[name] = on; };
  input.addEventListener("change", () => control.refreshList());
  return control;
}

export const CONTROLS = { textarea: textareaControl, select: selectControl, checkbox: choiceControl, radio: choiceControl,
  slider: sliderControl, actions: actionsControl, file: fileControl };
for (const type of Object.keys(TEXT_TYPES)) CONTROLS[type] = textControl;
