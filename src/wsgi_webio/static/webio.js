/* wsgi_webio browser client (first version). Plain ES2017, no build step; talks only to
 * the app's own URL. Exposes only window.WebIO. Layout, meant to grow:
 *   Transport   WebSocketTransport / LongPollTransport: {start(), send(event), stop()}. They own
 *               the seq/ack bookkeeping and hand every command to client.execute(cmd).
 *   COMMANDS    dispatcher table filled by handle("name ...", fn(spec, cmd, client)); duplicates throw.
 *   OUTPUTS     output renderers keyed by spec.type -> DOM node.
 *   INPUTS      input renderers keyed by item.type -> form control.
 *   Forms       per-task form stacks (PyWebIO's LRU stacking: the newest form is shown).
 */
(function () {
  "use strict";

  const RECONNECTING = "reconnecting\u2026";
  const DISCONNECTED = "Disconnected. Reload the page to start again.";
  const BACKOFF_MIN = 250, BACKOFF_MAX = 5000, ACK_DELAY_MS = 50, WS_OPEN_TIMEOUT_MS = 6000;
  const REFUSED = new Set([1003, 1007, 1008, 1009]); // close codes: the server refused what we sent

  let debug = false, current = null, uidCounter = 0;
  const log = (...args) => { if (debug) console.debug("[webio]", ...args); };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const nextBackoff = (ms) => Math.min(ms * 2, BACKOFF_MAX);
  const str = (v) => (v == null ? "" : String(v));
  const uid = (prefix) => `${prefix}-${++uidCounter}`;
  const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);

  function el(tag, props, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }

  function setStatus(text, kind) {
    const bar = document.getElementById("webio-status");
    if (bar) Object.assign(bar, { textContent: text }).dataset.kind = text ? kind || "info" : "";
  }

  /* Client events, numbered from 0 per session, kept until the server confirms them. */
  class EventQueue {
    constructor() { this.base = 0; this.items = []; }
    push(event) { this.items.push(event); return this.base + this.items.length - 1; }
    confirm(ack) { // the server applied every event up to `ack`
      const n = Math.min(this.items.length, ack - this.base + 1);
      if (n > 0) { this.items.splice(0, n); this.base += n; }
    }
    refuse(lastSent, ack) { // events up to `lastSent` were refused: drop them, renumber the rest
      const known = typeof ack === "number" && ack >= -1;
      if (known) this.confirm(ack);
      const n = Math.max(0, Math.min(this.items.length, lastSent - this.base + 1));
      this.items.splice(0, n);
      this.base = known ? ack + 1 : this.base + n;
    }
  }

  /* ------------------------------------------------------------------ WebSocket transport */
  class WebSocketTransport {
    constructor(client) {
      Object.assign(this, { client, sid: null, lastExecuted: -1, events: new EventQueue(), conn: null,
        backoff: BACKOFF_MIN, stopped: false, refused: null, ackTimer: null, retryTimer: null });
    }
    start() { this.connect(); }
    connect() {
      if (this.stopped) return;
      const q = new URLSearchParams({ app: this.client.app, session: this.sid || "NEW", ack: this.lastExecuted });
      let ws;
      try {
        ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${location.pathname}?${q}`);
      } catch (e) { this.lost({ hello: false }, null); return; }
      // seq: of the next command frame; acked: last ack sent on it; sentUpTo: last event sent on it
      const conn = this.conn = { ws, opened: false, hello: false, seq: 0, acked: -1, sentUpTo: -1 };
      const timer = setTimeout(() => { if (!conn.opened) this.drop(conn, null); }, WS_OPEN_TIMEOUT_MS);
      ws.onopen = () => { conn.opened = true; clearTimeout(timer); };
      ws.onmessage = (m) => this.onFrame(conn, m.data);
      ws.onclose = (ev) => { clearTimeout(timer); if (this.conn === conn) this.lost(conn, ev); };
    }
    detach(conn) {
      conn.ws.onopen = conn.ws.onmessage = conn.ws.onclose = null;
      try { conn.ws.close(1000); } catch (e) { /* already closed */ }
    }
    drop(conn, ev, delay) { this.detach(conn); if (this.conn === conn) this.lost(conn, ev, delay); }
    lost(conn, ev, delay) {
      this.conn = null;
      if (this.stopped) return;
      const code = ev ? ev.code : 1006, reason = (ev && ev.reason) || "";
      log("WebSocket closed", code, reason);
      if (!conn.hello && this.sid === null && this.client.transportPref !== "ws") return this.client.fallback();
      if (!conn.hello && this.sid !== null && REFUSED.has(code)) {
        return this.client.close(`${DISCONNECTED} (${reason || code})`); // e.g. cannot resume
      }
      if (conn.hello && REFUSED.has(code)) {
        console.error("webio: the server refused a message:", code, reason);
        this.refused = conn;
      }
      setStatus(RECONNECTING, "warn");
      this.retryTimer = setTimeout(() => this.connect(), delay === undefined ? this.backoff : delay);
      this.backoff = nextBackoff(this.backoff);
    }
    onFrame(conn, data) {
      if (this.conn !== conn || this.stopped) return;
      let cmd;
      try { cmd = JSON.parse(data); } catch (e) { console.error("webio: malformed frame", e); return; }
      log("<<<", cmd);
      if (!conn.hello) { // the hello, or close_session for a session the server no longer knows
        if (cmd && cmd.command === "set_session_id") this.hello(conn, cmd); else this.client.execute(cmd);
        return;
      }
      const seq = conn.seq++;
      if (seq <= this.lastExecuted) return; // redelivered and already executed
      this.client.execute(cmd);
      this.lastExecuted = seq;
      if (this.ackTimer === null) this.ackTimer = setTimeout(() => this.flushAck(), ACK_DELAY_MS);
    }
    hello(conn, msg) {
      conn.hello = true;
      conn.seq = typeof msg.seq === "number" ? msg.seq : this.lastExecuted + 1;
      conn.acked = conn.seq - 1;
      this.sid = String(msg.spec);
      this.backoff = BACKOFF_MIN;
      setStatus("");
      const ack = typeof msg.ack === "number" ? msg.ack : -1; // the last event the server applied
      if (this.refused) this.events.refuse(this.refused.sentUpTo, ack); else this.events.confirm(ack);
      this.refused = null;
      if (this.events.items.length) this.sendEvents(conn, this.events.base, this.events.items);
    }
    sendEvents(conn, seq, events) {
      log(">>>", seq, events);
      conn.ws.send(JSON.stringify({ seq, events }));
      conn.sentUpTo = seq + events.length - 1;
    }
    send(event) {
      if (this.stopped) return;
      const seq = this.events.push(event), conn = this.conn;
      if (conn && conn.hello && conn.ws.readyState === WebSocket.OPEN) this.sendEvents(conn, seq, [event]);
    }
    flushAck() { // at most one ack per ACK_DELAY_MS, and always one after a burst
      this.ackTimer = null;
      const conn = this.conn;
      if (!conn || !conn.hello || conn.ws.readyState !== WebSocket.OPEN || this.lastExecuted <= conn.acked) return;
      conn.acked = this.lastExecuted;
      conn.ws.send(JSON.stringify({ ack: this.lastExecuted }));
    }
    stop() {
      this.stopped = true;
      clearTimeout(this.ackTimer);
      clearTimeout(this.retryTimer);
      if (this.conn) this.detach(this.conn);
      this.conn = null;
    }
    dropConnection(opts) { // test hook: lose the connection as a network failure would
      if (this.conn) this.drop(this.conn, { code: 1006, reason: "dropped by test hook" }, opts.reconnectDelayMs);
    }
  }

  /* ------------------------------------------------------------------ HTTP long-poll transport */
  class LongPollTransport {
    constructor(client) {
      Object.assign(this, { client, sid: "NEW", lastBatch: -1, events: new EventQueue(), posting: false,
        postBackoff: BACKOFF_MIN, stopped: false });
    }
    async request(method, params, body) {
      const q = new URLSearchParams(Object.assign({ app: this.client.app }, params));
      const headers = { "webio-session-id": this.sid };
      if (body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
      const r = await fetch(`${location.pathname}?${q}`, { method, headers, body, cache: "no-store" });
      if (r.headers.get("webio-session-id")) this.sid = r.headers.get("webio-session-id");
      let data = null;
      try { data = await r.json(); } catch (e) { /* not JSON */ }
      const refused = r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429;
      return { status: r.status, data, refused };
    }
    start() { this.pollLoop(); }
    async pollLoop() { // one outstanding GET at a time
      let backoff = BACKOFF_MIN, created = false;
      while (!this.stopped) {
        try {
          const params = created ? { ack: this.lastBatch, wait: 1 } : { ack: -1 };
          const { status, data, refused } = await this.request("GET", params);
          if (this.stopped) return;
          if (refused) return this.client.close(`${DISCONNECTED} (${(data && data.error) || "HTTP " + status})`);
          if (status >= 300 || !data || this.sid.startsWith("NEW")) throw new Error(`HTTP ${status}`);
          created = true;
          backoff = BACKOFF_MIN;
          setStatus("");
          this.handleReply(data);
          this.flush();
        } catch (e) {
          if (this.stopped) return;
          log("poll failed", e);
          setStatus(RECONNECTING, "warn");
          await sleep(backoff);
          backoff = nextBackoff(backoff);
        }
      }
    }
    handleReply(data) { // {"commands": [[cmd...], ...], "seq": firstBatchId, "ack": lastAppliedEvent}
      if (typeof data.ack === "number") this.events.confirm(data.ack);
      let id = typeof data.seq === "number" ? data.seq : this.lastBatch + 1;
      for (const batch of Array.isArray(data.commands) ? data.commands : []) {
        if (this.stopped) return;
        if (id > this.lastBatch) {
          log("<<< batch", id, batch);
          for (const cmd of batch) this.client.execute(cmd);
          this.lastBatch = id;
        }
        id++;
      }
    }
    send(event) { if (!this.stopped) { this.events.push(event); this.flush(); } }
    async flush() { // one POST at a time, carrying every unconfirmed event
      if (this.posting || this.stopped || !this.events.items.length || this.sid.startsWith("NEW")) return;
      this.posting = true;
      const base = this.events.base, lastSent = base + this.events.items.length - 1;
      let retry = true;
      try {
        const body = JSON.stringify(this.events.items);
        const { status, data, refused } = await this.request("POST", { ack: this.lastBatch, seq: base }, body);
        if (status < 300 && data) {
          this.postBackoff = BACKOFF_MIN;
          this.handleReply(data);
          retry = this.events.items.length > 0 && this.events.base <= lastSent; // not applied yet
        } else if (refused) {
          console.error("webio: the server refused events:", status, data && data.error);
          this.events.refuse(lastSent, data && data.ack);
          retry = false;
        } else if (status === 409 && data && typeof data.ack === "number") {
          console.error("webio: event numbering out of step with the server; resynchronising");
          this.events.base = data.ack + 1;
        }
      } catch (e) {
        log("POST failed, will retry", e);
      } finally {
        this.posting = false;
      }
      if (!retry) return this.flush();
      setTimeout(() => this.flush(), this.postBackoff);
      this.postBackoff = nextBackoff(this.postBackoff);
    }
    stop() { this.stopped = true; }
  }

  /* ------------------------------------------------------------------ outputs */
  const COLORS = /^(primary|secondary|success|danger|warning|info|light|dark)$/;
  const OUTPUTS = {
    text: (spec) => el(spec.inline ? "span" : "p", { className: "webio-text", textContent: str(spec.content) }),
    html: (spec) => el("div", { className: "webio-html", innerHTML: str(spec.content) }), // the app's explicit opt-in
    buttons(spec, client) {
      const box = el("div", { className: "webio-buttons" + (spec.group ? " webio-btn-group" : "") });
      for (const b of spec.buttons) {
        const kind = spec.link ? "link" : (spec.outline ? "outline-" : "") + (COLORS.test(b.color) ? b.color : "primary");
        const btn = el("button", { type: "button", disabled: !!b.disabled, textContent: str(b.label),
          className: `webio-btn webio-btn-${kind}${spec.small ? " webio-btn-sm" : ""}` });
        btn.addEventListener("click", () => client.send({ event: "callback", task_id: spec.callback_id, data: b.value }));
        box.append(btn);
      }
      return box;
    },
  };

  function renderOutput(spec, client) {
    if (typeof spec === "string") spec = { type: "text", content: spec };
    const node = has(OUTPUTS, spec.type) ? OUTPUTS[spec.type](spec, client)
      : el("div", { className: "webio-unsupported", textContent: `unsupported output: ${spec.type}` });
    if (typeof spec.style === "string") node.style.cssText += ";" + spec.style;
    return node;
  }

  /* position: -1 append, 0 prepend, n >= 0 before child n, n < 0 after child len+n (clamped to the ends). */
  function insertAt(container, node, position) {
    const kids = container.children, pos = Number.isInteger(position) ? position : -1;
    if (pos === -1 || pos >= kids.length) container.append(node);
    else if (pos >= 0) container.insertBefore(node, kids[pos]);
    else if (kids.length + pos < 0) container.prepend(node);
    else kids[kids.length + pos].after(node);
  }

  /* ------------------------------------------------------------------ inputs */
  const TEXT_TYPES = { text: "text", number: "number", float: "text", password: "password", url: "url",
    date: "date", time: "time", color: "color", "datetime-local": "datetime-local" };
  const ITEM_KEYS = new Set(["type", "name", "label", "value", "placeholder", "required", "readonly", "help_text",
    "auto_focus", "onblur", "onchange", "valid_status", "invalid_feedback", "valid_feedback", "action", "datalist"]);
  const INPUTS = {};
  for (const type of Object.keys(TEXT_TYPES)) {
    const extra = type === "float" ? { inputMode: "decimal" } : type === "number" ? { step: "any" } : {};
    INPUTS[type] = () => el("input", Object.assign({ type: TEXT_TYPES[type], className: "webio-input" }, extra));
  }

  function setAttr(node, name, value) { // app-given HTML attributes, never event handlers
    if (!/^[a-z][\w:.-]*$/i.test(name) || /^on/i.test(name)) return console.warn("webio: ignored attribute", name);
    if (value === false || value == null) node.removeAttribute(name);
    else node.setAttribute(name, value === true ? "" : String(value));
  }

  class Field {
    constructor(item, id, labelText, form) {
      this.item = item;
      this.node = el("div", { className: "webio-field" });
      this.label = el("label", { htmlFor: id, className: "webio-label", textContent: labelText, hidden: !labelText });
      if (!has(INPUTS, item.type)) {
        this.node.append(el("div", { className: "webio-unsupported", textContent: `unsupported input: ${item.type}` }));
        return;
      }
      const input = this.input = Object.assign(INPUTS[item.type](item), { id, name: str(item.name) });
      if (!labelText) input.setAttribute("aria-label", str(item.name));
      this.help = el("small", { className: "webio-help", id: id + "-help" });
      this.feedback = el("div", { className: "webio-feedback", id: id + "-feedback", hidden: true });
      input.setAttribute("aria-describedby", `${id}-help ${id}-feedback`);
      this.update(Object.assign({}, item, { label: undefined })); // the label is rendered already
      const fire = (name) => {
        const value = this.value();
        if (name === "blur" && (value === "" || value == null)) return; // PyWebIO: no blur for empty values
        form.client.send({ event: "input_event", task_id: form.taskId, data: { event_name: name, name: item.name, value } });
      };
      // A destroyed form's focused input blurs on removal: that must not reach a finished task.
      if (item.onblur) input.addEventListener("blur", () => { if (!form.dead && !form.node.hidden) fire("blur"); });
      if (item.onchange) input.addEventListener("change", () => fire("change"));
      this.node.append(this.label, input, this.feedback, this.help);
    }
    value() {
      const raw = this.input.value;
      if (this.item.type !== "number" && this.item.type !== "float") return raw;
      const n = Number(raw);
      return raw.trim() === "" ? null : Number.isFinite(n) ? n : raw; // the server explains a bad value
    }
    update(attrs) {
      const input = this.input;
      for (const [k, v] of Object.entries(attrs)) {
        if (k === "value" || k === "placeholder") input[k] = str(v);
        else if (k === "label" && v !== undefined) Object.assign(this.label, { textContent: str(v), hidden: !v });
        else if (k === "help_text") this.help.textContent = str(v);
        else if (k === "readonly") input.readOnly = !!v;
        else if (k === "required" || k === "disabled") input[k] = !!v;
        else if (!ITEM_KEYS.has(k)) setAttr(input, k, v);
      }
      if ("valid_status" in attrs) this.setValid(attrs.valid_status, attrs.invalid_feedback, attrs.valid_feedback);
    }
    setValid(status, invalidText, validText) { // true / false; 0 or null clears
      const { input, feedback } = this, on = status === true || status === false;
      for (const node of [input, feedback]) {
        node.classList.remove("is-invalid", "is-valid");
        if (on) node.classList.add(status ? "is-valid" : "is-invalid");
      }
      if (status === false) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      feedback.textContent = on ? str(status ? validText : invalidText) : "";
      feedback.hidden = !feedback.textContent;
    }
  }

  class Form {
    constructor(taskId, spec, client) {
      Object.assign(this, { taskId, client, pending: false, dead: false, fields: new Map() });
      const id = uid("webio-form"), items = Array.isArray(spec.inputs) ? spec.inputs : [];
      const single = items.length === 1 && !items[0].label; // input(): the group label labels the field
      this.node = el("form", { className: "webio-card webio-form", id });
      if (spec.label && !single) {
        this.node.append(el("h2", { className: "webio-form-title", id: id + "-title", textContent: str(spec.label) }));
        this.node.setAttribute("aria-labelledby", id + "-title");
      }
      items.forEach((item, i) => {
        const field = new Field(item, `${id}-${i}`, str(single ? spec.label : item.label), this);
        if (single) field.label.classList.add("webio-form-title");
        this.fields.set(item.name, field);
        this.node.append(field.node);
      });
      this.buttons = [el("button", { type: "submit", className: "webio-btn webio-btn-primary", textContent: "Submit" })];
      if (spec.cancelable) {
        this.buttons.push(el("button", { type: "button", className: "webio-btn webio-btn-outline-secondary",
          textContent: "Cancel", onclick: () => this.fire("from_cancel", null) }));
      }
      this.node.append(el("div", { className: "webio-actions" }, ...this.buttons));
      this.node.addEventListener("submit", (ev) => { // also reached by Enter in a field
        ev.preventDefault();
        const data = {};
        for (const [name, field] of this.fields) if (field.input) data[name] = field.value();
        this.fire("from_submit", data);
      });
    }
    fire(event, data) { // the buttons stay disabled until the server answers
      if (this.pending || this.client.closed) return;
      this.setPending(true);
      this.client.send({ event, task_id: this.taskId, data });
    }
    setPending(on) {
      this.pending = on;
      for (const b of this.buttons) b.disabled = on;
      this.node.setAttribute("aria-busy", String(on));
    }
    focus() {
      const fields = Array.from(this.fields.values()).filter((f) => f.input);
      const target = fields.find((f) => f.item.auto_focus) || fields[0];
      if (target) target.input.focus();
    }
    update(spec) {
      const field = this.fields.get(spec.target_name);
      if (!field || !field.input) console.warn("webio: update_input for unknown input", spec.target_name);
      else field.update(Object.assign({}, spec.attributes, "target_value" in spec ? { value: spec.target_value } : {}));
      this.setPending(false);
    }
  }

  /* Per-task stacks in LRU order: only the top form of the most recent task is visible;
   * hidden forms keep their values and come back when the newer ones are destroyed. */
  class Forms {
    constructor() { this.stacks = new Map(); this.shown = null; }
    all() { return [].concat(...this.stacks.values()); }
    top(taskId) { const s = this.stacks.get(taskId); return s ? s[s.length - 1] : null; }
    open(taskId, spec, client) {
      const stack = this.stacks.get(taskId) || [], form = new Form(taskId, spec, client);
      this.stacks.delete(taskId); // re-inserting moves the task to the LRU top
      this.stacks.set(taskId, stack.concat(form));
      (document.getElementById("input-container") || document.body).append(form.node);
      this.show();
    }
    show() {
      const visible = Array.from(this.stacks.keys()).map((t) => this.top(t)).pop() || null;
      for (const f of this.all()) f.node.hidden = f !== visible;
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
    disableAll() { for (const f of this.all()) for (const c of f.node.elements) c.disabled = true; }
  }

  /* ------------------------------------------------------------------ toast, popup */
  function toast(spec, client) {
    const where = ["left", "center", "right"].includes(spec.position) ? spec.position : "center";
    let box = document.getElementById("webio-toasts-" + where);
    if (!box) document.body.append(box = el("div", { id: "webio-toasts-" + where, className: "webio-toasts webio-toasts-" + where }));
    const node = el("div", { className: "webio-toast", role: "status", textContent: str(spec.content) });
    if (typeof spec.color === "string") node.style.background = spec.color;
    const duration = Number.isFinite(spec.duration) ? spec.duration : 2000;
    if (duration > 0) setTimeout(() => node.remove(), duration); // 0: until clicked
    else node.append(el("button", { type: "button", className: "webio-toast-close", title: "Close", textContent: "\u00d7" }));
    node.addEventListener("click", () => {
      if (spec.callback_id) client.send({ event: "callback", task_id: spec.callback_id, data: null });
      node.remove();
    });
    box.append(node);
  }

  function closePopup() {
    const old = document.querySelector(".webio-popup-backdrop");
    if (old) { old.remove(); document.removeEventListener("keydown", old.webioKeys); }
  }

  function popup(spec, client) {
    closePopup();
    const closable = spec.closable !== false, implicit = closable && spec.implicit_close !== false;
    const size = ["large", "small"].includes(spec.size) ? spec.size : "normal", titleId = uid("webio-popup-title");
    const dialog = el("div", { className: "webio-popup webio-popup-" + size, role: "dialog", tabIndex: -1 });
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", titleId);
    const header = el("div", { className: "webio-popup-header" }, el("h2", { id: titleId, textContent: str(spec.title) }));
    if (closable) {
      const x = el("button", { type: "button", className: "webio-popup-close", title: "Close", textContent: "\u00d7" });
      x.setAttribute("aria-label", "Close");
      header.append(Object.assign(x, { onclick: closePopup }));
    }
    const body = el("div", { className: "webio-popup-body webio-scope" });
    if (typeof spec.dom_id === "string" && spec.dom_id) body.id = spec.dom_id; // a scope outputs can target
    for (const item of [].concat(spec.content == null ? [] : spec.content)) body.append(renderOutput(item, client));
    dialog.append(header, body);
    const backdrop = el("div", { className: "webio-popup-backdrop" }, dialog);
    backdrop.addEventListener("click", (ev) => { if (implicit && ev.target === backdrop) closePopup(); });
    backdrop.webioKeys = (ev) => { if (closable && ev.key === "Escape") closePopup(); };
    document.addEventListener("keydown", backdrop.webioKeys);
    document.body.append(backdrop);
    dialog.focus();
  }

  /* ------------------------------------------------------------------ command dispatcher */
  const COMMANDS = {};
  function handle(names, handler) {
    for (const name of names.split(" ")) {
      if (has(COMMANDS, name)) throw new Error(`webio: two handlers for command ${name}`);
      COMMANDS[name] = handler;
    }
  }
  handle("output", (spec, cmd, client) => {
    let targets = [];
    try { targets = Array.from(document.querySelectorAll(spec.scope || "#pywebio-scope-ROOT")); } catch (e) { /* bad */ }
    if (!targets.length) return console.warn("webio: output scope not found:", spec.scope);
    for (const target of targets) insertAt(target, renderOutput(spec, client), spec.position);
  });
  handle("input_group", (spec, cmd, client) => client.forms.open(cmd.task_id, spec, client));
  handle("update_input", (spec, cmd, client) => client.forms.update(cmd.task_id, spec));
  handle("destroy_form", (spec, cmd, client) => client.forms.destroy(cmd.task_id));
  handle("toast", (spec, cmd, client) => toast(spec, client));
  handle("popup", (spec, cmd, client) => popup(spec, client));
  handle("close_popup", () => closePopup());
  handle("close_session", (spec, cmd, client) => client.close());
  handle("set_session_id", () => {}); // handled by the WebSocket transport

  class Client {
    constructor(config) {
      Object.assign(this, { app: config.app || "index", transportPref: config.transport, closed: false, forms: new Forms() });
    }
    start() {
      this.transport = this.transportPref === "http" ? new LongPollTransport(this) : new WebSocketTransport(this);
      this.transport.start();
    }
    fallback() { // no WebSocket could be opened at all
      console.info("webio: WebSocket unavailable; using HTTP long-polling");
      this.transport.stop();
      this.transport = new LongPollTransport(this);
      this.transport.start();
    }
    send(event) {
      if (this.closed) return toast({ content: DISCONNECTED, duration: 4000 }, this);
      this.transport.send(event);
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
      this.forms.disableAll();
      setStatus(message === undefined ? DISCONNECTED : message, "error");
    }
  }

  function start(config) {
    config = Object.assign({}, config);
    const query = new URLSearchParams(location.search), forced = query.get("_webio_transport");
    if (forced === "ws" || forced === "http") config.transport = forced;
    debug = !!config.debug || query.has("_webio_debug");
    if (current) current.close("");
    current = new Client(config);
    current.start();
  }

  window.WebIO = {
    start,
    /* Test hook: drop the live WebSocket as a network failure would; {reconnectDelayMs} overrides the backoff. */
    _debugDropConnection(opts) {
      if (current && current.transport.dropConnection) current.transport.dropConnection(opts || {});
    },
  };
})();
