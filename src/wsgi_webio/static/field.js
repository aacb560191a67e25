/* Field: one input item with its label, feedback and help text, in a form or as a pin; updates
 * (update_input, pin_update) and validation state. Builds its control from controls.js; must not
 * send anything itself (its host does). */
import { CONTROLS, ITEM_KEYS, TEXT_TYPES } from "./controls.js";
import { cssIdent, el, has, setAttr, str } from "./util.js";

/* One input item with its label, feedback and help text, in a form or as a pin.
 * host: {isForm, event(field, "change"|"blur"), callback(id), reset(), cancel()}. */
export class Field {
  constructor(item, id, host, labelText) {
    Object.assign(this, { item, id, host, type: str(item.type), name: item.name, status: null,
      invalidText: "", validText: "", extra: {} });
    const make = has(CONTROLS, this.type) ? CONTROLS[this.type] : null;
    this.control = make ? make(item, this) : null;
    const group = !!(this.control && this.control.group);
    this.node = el(group ? "fieldset" : "div", { className: `webio-field webio-field-${cssIdent(this.type)}` });
    this.label = el(group ? "legend" : "label", { className: "webio-label", id: id + "-label" });
    if (!group) this.label.htmlFor = id;
    if (!this.control) {
      this.node.append(el("div", { className: "webio-unsupported", textContent: `unsupported input: ${item.type}` }));
      return;
    }
    this.help = el("small", { className: "webio-help", id: id + "-help" });
    this.feedback = el("div", { className: "webio-feedback", id: id + "-feedback", hidden: true });
    this.feedback.setAttribute("aria-live", "polite");
    this.node.append(this.label, this.control.node, this.feedback, this.help);
    this.setLabel(labelText === undefined ? item.label : labelText);
    this.update(item, true);
    this.listen();
  }
  listen() { // delegated, so options replaced later keep working
    const c = this.control, node = c.node;
    if (c.changeEvent) node.addEventListener(c.changeEvent, () => this.host.event(this, "change"));
    if (c.blur) node.addEventListener("focusout", (ev) => { if (ev.target === c.main) this.host.event(this, "blur"); });
  }
  value() { return this.control ? this.control.get() : null; }
  files() { return this.control && this.control.files ? this.control.files() : []; }
  setLabel(text) { // a field without a visible label is named after its input name
    Object.assign(this.label, { textContent: str(text), hidden: !text });
    if (this.control) setAttr(this.control.group ? this.node : this.control.main, "aria-label", text ? null : str(this.name));
  }
  update(attrs, initial) {
    const c = this.control;
    if (!c) return;
    if ("options" in attrs && c.setOptions) c.setOptions(attrs.options);
    if ("datalist" in attrs && c.setDatalist) c.setDatalist(attrs.datalist);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "label") { if (!initial) this.setLabel(value); }
      else if (key === "help_text") this.help.textContent = str(value);
      else if (key === "placeholder") { if (has(TEXT_TYPES, this.type) || this.type === "textarea") setAttr(c.main, "placeholder", value); }
      else if (key === "disabled" || key === "readonly" || key === "required") { if (c.setFlag) c.setFlag(key, !!value); }
      else if (c.setRange && (key === "min_value" || key === "max_value" || key === "step")) c.setRange(key, value);
      else if (!ITEM_KEYS.has(key) || key === "step") { // other HTML attributes (a number's step too)
        this.extra[key] = value;
        for (const i of c.inputs) setAttr(i, key, value);
      }
    }
    if ("value" in attrs && !(initial && attrs.value == null)) c.set(attrs.value, !!initial);
    if ("invalid_feedback" in attrs) this.invalidText = str(attrs.invalid_feedback);
    if ("valid_feedback" in attrs) this.validText = str(attrs.valid_feedback);
    if ("valid_status" in attrs) this.setValid(attrs.valid_status);
    else this.refresh();
  }
  /* true: valid (valid_feedback); false: invalid (invalid_feedback); 0 or null: cleared. */
  setValid(status, message) {
    const on = status === true || status === false;
    this.status = on ? status : null;
    if (message !== undefined) this[status ? "validText" : "invalidText"] = str(message);
    this.feedback.className = "webio-feedback" + (on ? (status ? " is-valid" : " is-invalid") : "");
    this.feedback.textContent = on ? (status ? this.validText : this.invalidText) : "";
    this.feedback.hidden = !this.feedback.textContent;
    this.refresh();
  }
  refresh() { // re-apply state to the current inputs (options may have been replaced)
    const c = this.control;
    if (!c || !this.feedback) return;
    const described = [this.help.textContent && this.help.id, !this.feedback.hidden && this.feedback.id].filter(Boolean);
    for (const input of c.inputs) {
      for (const [key, value] of Object.entries(this.extra)) setAttr(input, key, value);
      input.classList.toggle("is-invalid", this.status === false);
      input.classList.toggle("is-valid", this.status === true);
      setAttr(input, "aria-invalid", this.status === false ? "true" : null);
      setAttr(input, "aria-describedby", described.length ? described.join(" ") : null);
    }
    if (c.group && c.node) c.node.classList.toggle("is-invalid", this.status === false);
  }
  focus() {
    const c = this.control;
    if (!c) return false;
    const target = c.inputs.find((i) => !i.disabled) || (c.buttons || []).find((b) => !b.disabled);
    if (target) target.focus();
    return !!target;
  }
}

