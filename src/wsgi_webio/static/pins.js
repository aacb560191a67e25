/* Pins: live input widgets outside forms (put_input & co.): pin_values, pin_update, pin_wait and
 * pin_onchange, with file pins' uploads. One Pins per client; sends only through the client. */
import { Field } from "./field.js";
import { toastProgress } from "./overlays.js";
import { el, str, uid } from "./util.js";

export const PIN_EXPIRED = "This widget was replaced by a newer one with the same name.";

export class Pins {
  constructor(client) {
    Object.assign(this, { client, fields: new Map(), waiters: new Map(), callbacks: new Map() });
  }
  render(item, client) {
    const name = str(item.name), old = this.fields.get(name);
    if (old && old.node.isConnected) old.node.replaceWith(el("p", { className: "webio-pin-expired", textContent: PIN_EXPIRED }));
    const host = { isForm: false, event: (field, ev) => { if (ev === "change") this.changed(field); },
      callback: (cb) => client.send({ event: "callback", task_id: cb, data: null }), reset() {}, cancel() {} };
    const field = new Field(item, uid("webio-pin"), host);
    field.node.classList.add("webio-pin");
    this.fields.set(name, field);
    return field.node;
  }
  live(name) { const f = this.fields.get(name); return f && f.node.isConnected ? f : null; }
  /* Send `event`; a file pin's files travel with it in a binary event under `fileKey`. */
  sendValue(event, field, fileKey) {
    if (field.type !== "file") return this.client.send(event);
    const files = field.files().map((file) => ({ inputName: fileKey, file }));
    this.client.upload(event, files, toastProgress(this.client));
  }
  changed(field) { // a change by the user (server-side pin_update never gets here)
    if (field.control.error) return; // files over the size limits: the field says why
    const name = str(field.name), value = field.value();
    for (const cb of this.callbacks.get(name) || []) {
      this.sendValue({ event: "callback", task_id: cb, data: { value } }, field, "value");
    }
    for (const [taskId, waiter] of Array.from(this.waiters)) {
      if (!waiter.names.has(name)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(taskId);
      this.sendValue({ event: "js_yield", task_id: taskId, data: { name, value } }, field, "value");
    }
  }
  values(spec, taskId) {
    const data = {}, files = [];
    let upload = false;
    for (const name of Array.isArray(spec.names) ? spec.names : []) {
      const field = this.live(str(name));
      if (!field || !field.control) continue;
      data[name] = field.value();
      if (field.type !== "file") continue;
      upload = true;
      for (const file of field.files()) files.push({ inputName: str(name), file });
    }
    const event = { event: "js_yield", task_id: taskId, data };
    if (upload) this.client.upload(event, files, toastProgress(this.client)); else this.client.send(event);
  }
  update(spec) {
    const field = this.live(str(spec.name));
    if (field) field.update(spec.attributes || {}); else console.warn("webio: pin_update for a missing pin", spec.name);
  }
  wait(spec, taskId) { // {name, value} of the first user change, or null after `timeout` seconds
    const old = this.waiters.get(taskId);
    if (old) clearTimeout(old.timer);
    const waiter = { names: new Set((Array.isArray(spec.names) ? spec.names : []).map(str)), timer: null };
    if (Number(spec.timeout) > 0) {
      waiter.timer = setTimeout(() => {
        if (this.waiters.get(taskId) !== waiter) return;
        this.waiters.delete(taskId);
        this.client.send({ event: "js_yield", task_id: taskId, data: null });
      }, Number(spec.timeout) * 1000);
    }
    this.waiters.set(taskId, waiter);
  }
  onchange(spec) { // callbacks accumulate per name; `clear` drops the earlier ones
    const name = str(spec.name);
    if (spec.clear) this.callbacks.delete(name);
    if (spec.callback_id) this.callbacks.set(name, (this.callbacks.get(name) || []).concat(spec.callback_id));
  }
  stop() { for (const w of this.waiters.values()) clearTimeout(w.timer); this.waiters.clear(); }
}

