/* Client: one page's session. Ties the transports (WebSocket first, long-poll as the fallback
 * or when asked), the command table, forms, pins and scripts together; owns the page's display
 * settings (set_env), the status line and the open popup. Executes commands one by one (a
 * failing one is logged and skipped) and sends events and uploads through the transport. */
import { COMMANDS } from "./commands.js";
import { buildUpload } from "./events.js";
import { Forms } from "./forms.js";
import { toast } from "./overlays.js";
import { Pins } from "./pins.js";
import { Scripts } from "./scripts.js";
import { LongPollTransport } from "./transport-http.js";
import { WebSocketTransport } from "./transport-ws.js";
import { DISCONNECTED, formatSize, has } from "./util.js";

export class Client {
  /* config: the page's (app, transport, debug, max_message_size, nonce); io: the transports'
   * WebSocket, fetch, XMLHttpRequest and location (the browser's by default). */
  constructor(config, io = {}) {
    Object.assign(this, { app: config.app || "index", transportPref: config.transport, closed: false,
      maxMessageSize: Number(config.max_message_size) || 0, debug: !!config.debug, io, transport: null,
      popupState: null, scrollPending: false });
    this.env = { autoScrollBottom: false, outputAnimation: true, inputAutoFocus: true };
    this.forms = new Forms();
    this.pins = new Pins(this);
    this.scripts = new Scripts(config.nonce);
  }
  start() {
    const Transport = this.transportPref === "http" ? LongPollTransport : WebSocketTransport;
    this.transport = new Transport(this, this.io);
    this.transport.start();
  }
  fallback() { // no WebSocket could be opened at all
    console.info("webio: WebSocket unavailable; using HTTP long-polling");
    this.transport.stop();
    this.transport = new LongPollTransport(this, this.io);
    this.transport.start();
  }
  log(...args) { if (this.debug) console.debug("[webio]", ...args); }
  status(text, kind) { // the status line: "" hides it
    const bar = document.getElementById("webio-status");
    if (bar) Object.assign(bar, { textContent: text }).dataset.kind = text ? kind || "info" : "";
  }
  scrollToBottom() { // once per frame however many outputs arrive
    if (this.scrollPending) return;
    this.scrollPending = true;
    requestAnimationFrame(() => {
      this.scrollPending = false;
      window.scrollTo({ top: document.documentElement.scrollHeight });
    });
  }
  send(event) {
    if (this.closed) return toast({ content: DISCONNECTED, duration: 4000, color: "error" }, this);
    this.transport.send(event);
  }
  /* An event with files: PyWebIO's binary format, with progress. hooks: {progress(0..1), done(), fail(why)}. */
  upload(event, files, given) {
    // No progress once done (a late XHR progress event may follow a poll that confirmed it);
    // a refusal may still follow "done" over WebSocket (the bytes left, then the server said no).
    let state = "sending";
    const hooks = {
      progress: (f) => { if (state === "sending") given.progress(f); },
      done: () => { if (state === "sending") { state = "done"; given.done(); } },
      fail: (why) => { if (state !== "failed") { state = "failed"; given.fail(why); } },
    };
    if (this.closed) { hooks.fail("the session has ended"); return; }
    const blob = buildUpload(event, files);
    if (this.maxMessageSize && blob.size > this.maxMessageSize) {
      hooks.fail(`${formatSize(blob.size)} is more than the server accepts (${formatSize(this.maxMessageSize)})`);
      return;
    }
    hooks.progress(0);
    this.transport.upload(blob, hooks);
  }
  execute(cmd) { // a failing command is logged and skipped; the following ones still run
    try {
      const name = cmd && cmd.command;
      if (!has(COMMANDS, name)) return console.warn("webio: unknown command", name);
      COMMANDS[name](cmd.spec == null ? {} : cmd.spec, cmd, this);
    } catch (e) {
      console.error("webio: error while executing", cmd && cmd.command, e);
    }
  }
  close(message) {
    if (this.closed) return;
    this.closed = true;
    if (this.transport) this.transport.stop();
    this.pins.stop();
    this.forms.disableAll();
    this.status(message === undefined ? DISCONNECTED : message, "error");
  }
}
