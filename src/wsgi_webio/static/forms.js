/* Forms: input_group / update_input / destroy_form. Per-task form stacks in PyWebIO's LRU order,
 * submit (with files as a binary event and its progress), cancel, reset, and input events
 * (onchange/onblur). Sends only through client.send and client.upload. */
import { Field } from "./field.js";
import { btnClass } from "./outputs.js";
import { el, parseKey, str, uid } from "./util.js";

export class Form {
  constructor(taskId, spec, client) {
    Object.assign(this, { taskId, client, pending: false, dead: false, fields: new Map() });
    const id = uid("webio-form"), items = Array.isArray(spec.inputs) ? spec.inputs : [];
    const single = items.length === 1 && !items[0].label; // input(): the group label labels the field
    this.node = el("form", { className: "webio-card webio-form", id });
    if (spec.label && !single) {
      this.node.append(el("h2", { className: "webio-form-title", id: id + "-title", textContent: str(spec.label) }));
      this.node.setAttribute("aria-labelledby", id + "-title");
    }
    const host = { isForm: true, event: (field, name) => this.inputEvent(field, name),
      callback: (cb) => client.send({ event: "callback", task_id: cb, data: null }),
      // through the prototype: an input named "reset" would shadow form.reset (named access)
      reset: () => HTMLFormElement.prototype.reset.call(this.node), cancel: () => this.fire("from_cancel", null) };
    items.forEach((item, i) => {
      const field = new Field(item, `${id}-${i}`, host, single ? spec.label : item.label);
      if (single) field.label.classList.add("webio-form-title");
      this.fields.set(item.name, field);
      this.node.append(field.node);
    });
    this.progress = el("div", { className: "webio-upload", hidden: true },
      el("progress", { max: 1, value: 0 }), el("span", { className: "webio-upload-label" }));
    this.error = el("div", { className: "webio-form-error", role: "alert", hidden: true });
    this.node.append(this.progress, this.error);
    // An actions item at the end with a submit button replaces the default buttons (PyWebIO).
    const last = items[items.length - 1] || {};
    const ownSubmit = last.type === "actions" && (last.buttons || []).some((b) => b.type !== "reset" && b.type !== "cancel");
    const bar = el("div", { className: "webio-actions" });
    if (!ownSubmit) {
      bar.append(el("button", { type: "submit", className: btnClass("primary") + " webio-form-btn", textContent: "Submit" }),
        el("button", { type: "reset", className: btnClass("secondary", true) + " webio-form-btn", textContent: "Reset" }));
    }
    if (spec.cancelable) {
      bar.append(el("button", { type: "button", className: btnClass("secondary", true) + " webio-form-btn",
        textContent: "Cancel", onclick: () => this.fire("from_cancel", null) }));
    }
    if (bar.children.length) this.node.append(bar);
    this.node.addEventListener("submit", (ev) => { ev.preventDefault(); this.submit(ev.submitter || null); });
    this.node.addEventListener("reset", () => setTimeout(() => { // after the browser restored the defaults
      for (const f of this.fields.values()) {
        if (f.control && f.control.afterReset) f.control.afterReset();
        if (f.control) f.setValid(0);
      }
    }));
  }
  inputEvent(field, name) {
    if (this.dead || this.node.hidden || this.client.closed) return; // e.g. a blur as the form goes away
    if (!(name === "change" ? field.item.onchange : field.item.onblur)) return;
    const value = field.value();
    if (name === "blur" && (value === "" || value == null)) return; // PyWebIO: no blur for empty values
    this.client.send({ event: "input_event", task_id: this.taskId, data: { event_name: name, name: field.name, value } });
  }
  submit(submitter) { // reached by a submit button or Enter in a field
    if (this.pending || this.client.closed) return;
    const data = {}, files = [];
    let upload = false;
    for (const [name, field] of this.fields) {
      const c = field.control;
      if (!c) continue;
      if (field.type === "actions") {
        data[name] = submitter && c.buttons.includes(submitter) ? parseKey(submitter.dataset.value) : null;
      } else if (field.type === "file") {
        upload = true;
        const error = c.check();
        if (error) { field.setValid(false, error); field.focus(); return; }
        data[name] = field.value();
        for (const file of field.files()) files.push({ inputName: name, file });
      } else {
        data[name] = field.value();
      }
    }
    const event = { event: "from_submit", task_id: this.taskId, data };
    if (!upload) { this.fire("from_submit", data); return; }
    this.setPending(true);
    this.client.upload(event, files, this.uploadHooks());
  }
  uploadHooks() {
    const bar = this.progress.querySelector("progress"), label = this.progress.querySelector(".webio-upload-label");
    const show = (f) => { this.progress.hidden = false; bar.value = f; label.textContent = `Uploading\u2026 ${Math.round(f * 100)}%`; };
    return {
      progress: show,
      done: () => { show(1); label.textContent = "Uploaded"; },
      fail: (why) => {
        this.progress.hidden = true;
        this.showError(`The upload failed: ${why}.`);
        this.setPending(false);
      },
    };
  }
  showError(text) { Object.assign(this.error, { textContent: text, hidden: !text }); }
  fire(event, data) { // the buttons stay disabled until the server answers
    if (this.pending || this.client.closed) return;
    this.setPending(true);
    this.client.send({ event, task_id: this.taskId, data });
  }
  setPending(on) {
    this.pending = on;
    if (on) this.showError("");
    for (const b of this.node.querySelectorAll(".webio-form-btn")) b.disabled = on || !!b.webioDisabled;
    this.node.setAttribute("aria-busy", String(on));
  }
  focus() {
    if (!this.client.env.inputAutoFocus) return;
    const fields = Array.from(this.fields.values()).filter((f) => f.control);
    const first = fields.find((f) => f.item.auto_focus) || fields[0];
    if (first) first.focus();
  }
  update(spec) {
    const field = this.fields.get(spec.target_name);
    if (!field || !field.control) console.warn("webio: update_input for unknown input", spec.target_name);
    else field.update(Object.assign({}, spec.attributes, "target_value" in spec ? { value: spec.target_value } : {}));
    this.progress.hidden = true;
    this.setPending(false);
  }
}

/* Per-task stacks in LRU order: only the top form of the most recent task is visible;
 * hidden forms keep their values and come back when the newer ones are destroyed. */
export class Forms {
  constructor() { this.stacks = new Map(); this.shown = null; }
  container() { return document.getElementById("input-container") || document.body; }
  all() { return [].concat(...this.stacks.values()); }
  top(taskId) { const s = this.stacks.get(taskId); return s ? s[s.length - 1] : null; }
  open(taskId, spec, client) {
    const stack = this.stacks.get(taskId) || [], form = new Form(taskId, spec, client);
    this.stacks.delete(taskId); // re-inserting moves the task to the LRU top
    this.stacks.set(taskId, stack.concat(form));
    this.container().append(form.node);
    this.show();
  }
  show() {
    const visible = Array.from(this.stacks.keys()).map((t) => this.top(t)).pop() || null;
    for (const f of this.all()) f.node.hidden = f !== visible;
    this.container().classList.toggle("webio-has-form", !!visible);
    if (visible && visible !== this.shown) visible.focus();
    this.shown = visible;
  }
  update(taskId, spec) {
    const form = this.top(taskId);
    if (form) form.update(spec); else console.warn("webio: update_input for a task without a form", taskId);
  }
  destroy(taskId) {
    const stack = this.stacks.get(taskId);
    if (!stack) return;
    const form = stack.pop();
    form.dead = true;
    form.node.remove();
    if (!stack.length) this.stacks.delete(taskId);
    this.show();
  }
  disableAll() { for (const f of this.all()) for (const c of f.node.querySelectorAll("input, select, textarea, button")) c.disabled = true; }
}

