/* wsgi_webio browser client. Plain ES2017, no build step, no dependencies; talks only to the
 * app's own URL. The wire contract is docs/ui-spec.md (commands, outputs, input items) over
 * docs/protocol.md (envelopes, transports, binary uploads). Exposes only window.WebIO.
 *
 * Sections, in order:
 *   1. Helpers          DOM building, JSON-kept values, sizes, the status line
 *   2. Transports       WebSocketTransport / LongPollTransport: {start, send, upload, stop}; they own
 *                       seq/ack bookkeeping and hand every command to client.execute(cmd)
 *   3. Scripts          <script>s of html outputs and run_script, run strictly in order
 *   4. Outputs          OUTPUTS[type](spec, client) -> Node; widget templates; scopes
 *   5. Input controls   CONTROLS[type](item, field) -> control; Field wraps one with label/help/feedback
 *   6. Forms            per-task form stacks (PyWebIO's LRU stacking), submit, uploads
 *   7. Pins             live widgets outside forms: pin_values / pin_update / pin_wait / pin_onchange
 *   8. Overlays         toast, popup, download
 *   9. Commands         the dispatcher table: handle("name", fn(spec, cmd, client))
 *  10. Client           ties it together; window.WebIO
 */
(function () {
  "use strict";

  /* ================================================================== 1. Helpers */
  const RECONNECTING = "reconnecting\u2026";
  const DISCONNECTED = "Disconnected. Reload the page to start again.";
  const PIN_EXPIRED = "This widget was replaced by a newer one with the same name.";
  const BACKOFF_MIN = 250, BACKOFF_MAX = 5000, ACK_DELAY_MS = 50, WS_OPEN_TIMEOUT_MS = 6000;
  const UPLOAD_POLL_MS = 100, SCRIPT_LOAD_TIMEOUT_MS = 20000;
  const REFUSED = new Set([1003, 1007, 1008, 1009]); // close codes: the server refused what we sent
  const TOO_BIG = 1009;

  let debug = false, current = null, uidCounter = 0;
  const log = (...args) => { if (debug) console.debug("[webio]", ...args); };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const nextBackoff = (ms) => Math.min(ms * 2, BACKOFF_MAX);
  const str = (v) => (v == null ? "" : String(v));
  const uid = (prefix) => `${prefix}-${++uidCounter}`;
  const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);
  const utf8 = new TextEncoder();

  /* Option and button values are any JSON value: kept as JSON text in the DOM, parsed back when read. */
  const jsonKey = (value) => JSON.stringify(value === undefined ? null : value);
  const parseKey = (text) => JSON.parse(text);
  function toJSONValue(value) { // what survives JSON; null for what does not (undefined, functions, cycles)
    try {
      const text = JSON.stringify(value);
      return text === undefined ? null : JSON.parse(text);
    } catch (e) { return null; }
  }

  function el(tag, props, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /* The URL policy, the client half of core/urls.py. The browser's own parser reads each URL,
   * so "java\tscript:", "\x01javascript:" and the like are seen as the javascript: URLs they
   * are; only the listed schemes (and relative URLs, which resolve to the page's) pass. */
  const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:", "ftp:", "ftps:"]);
  const IMAGE_PROTOCOLS = new Set(["http:", "https:"]);
  const DATA_IMAGE = /^data:image\/[a-z0-9.+-]+[;,]/i;
  function safeUrl(raw, kind) { // kind: "link" or "image"; "" when refused
    const text = str(raw);
    if (!text) return "";
    let url = null;
    try { url = new URL(text, document.baseURI); } catch (e) { /* unparsable: refused below */ }
    if (url && (kind === "image" ? IMAGE_PROTOCOLS : LINK_PROTOCOLS).has(url.protocol)) return text;
    if (url && kind === "image" && url.protocol === "data:" && DATA_IMAGE.test(url.href)) return text;
    console.warn(`webio: refused ${kind === "image" ? "an image" : "a link"} to a ${url ? url.protocol : "malformed"} URL`);
    return "";
  }
  function guardUrls(box) { // links and sources inside server-made HTML, checked again here
    for (const node of box.querySelectorAll("[href]")) if (!safeUrl(node.getAttribute("href"), "link")) node.removeAttribute("href");
    for (const node of box.querySelectorAll("[src]")) {
      if (!safeUrl(node.getAttribute("src"), node.tagName === "IMG" ? "image" : "link")) node.removeAttribute("src");
    }
    return box;
  }

  /* App-given HTML attributes: never event handlers; false/null remove the attribute. */
  function setAttr(node, name, value) {
    if (!/^[a-z][\w:.-]*$/i.test(name) || /^on/i.test(name)) return console.warn("webio: ignored attribute", name);
    if (value === false || value == null) node.removeAttribute(name);
    else node.setAttribute(name, value === true ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
  }

  const cssLength = (v) => (typeof v === "number" ? `${v}px` : str(v));
  const cssIdent = (v) => str(v).replace(/[^\w-]/g, "_");
  function addStyle(node, css) { if (typeof css === "string" && css) node.style.cssText += ";" + css; }

  function formatSize(bytes) {
    const units = ["bytes", "KB", "MB", "GB"];
    let n = bytes, i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? `${n} bytes` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
  }

  function queryAll(selector) { // an app-given selector; a malformed one matches nothing
    try { return selector ? Array.from(document.querySelectorAll(selector)) : []; } catch (e) { return []; }
  }

  function setStatus(text, kind) {
    const bar = document.getElementById("webio-status");
    if (bar) Object.assign(bar, { textContent: text }).dataset.kind = text ? kind || "info" : "";
  }

  /* ================================================================== 2. Transports */

  /* Client events, numbered from 0 per session, kept until the server confirms them.
   * `settle(item, error)` hears of each item leaving the queue (error: why it was refused). */
  class EventQueue {
    constructor(settle) { this.base = 0; this.items = []; this.settle = settle || (() => {}); }
    get last() { return this.base + this.items.length - 1; }
    push(item) { this.items.push(item); return this.last; }
    drop(n, error) { for (const item of this.items.splice(0, n)) this.settle(item, error); this.base += n; }
    confirm(ack) { // the server applied every event up to `ack`
      const n = Math.min(this.items.length, ack - this.base + 1);
      if (n > 0) this.drop(n, null);
    }
    /* Events up to `lastSent` were refused: drop them and number the rest from `ack` + 1 (the
     * server counts a batch it refused as handled, except one too large to read). */
    refuse(lastSent, ack, why) {
      const n = Math.max(0, Math.min(this.items.length, lastSent - this.base + 1));
      this.drop(n, why || "refused by the server");
      if (typeof ack === "number" && ack >= -1) this.base = ack + 1;
    }
  }

  /* PyWebIO's binary event: segments of [8-byte big-endian length][payload]; the event JSON, then a
   * (file header JSON, file bytes) pair per file. `files`: [{inputName, file}]. */
  function buildUpload(event, files) {
    const parts = [];
    const segment = (payload) => {
      const size = payload instanceof Blob ? payload.size : payload.byteLength;
      const head = new DataView(new ArrayBuffer(8));
      head.setUint32(0, Math.floor(size / 4294967296));
      head.setUint32(4, size % 4294967296);
      parts.push(head.buffer, payload);
    };
    segment(utf8.encode(JSON.stringify(event)));
    for (const { inputName, file } of files) {
      segment(utf8.encode(JSON.stringify({ filename: file.name, size: file.size, mime_type: file.type || "",
        last_modified: file.lastModified / 1000, input_name: inputName })));
      segment(file);
    }
    return new Blob(parts, { type: "application/octet-stream" });
  }

  class WebSocketTransport {
    constructor(client) {
      Object.assign(this, { client, sid: null, lastExecuted: -1, events: new EventQueue(), conn: null,
        backoff: BACKOFF_MIN, stopped: false, refused: null, ackTimer: null, retryTimer: null });
      /* Binary upload frames carry no seq, so the server cannot de-duplicate them: each is sent once,
       * after the JSON events numbered up to `after`, and re-sent only if a dropped connection had
       * not even handed all of its bytes to the network. */
      this.uploads = [];
    }
    start() { this.connect(); }
    connect() {
      if (this.stopped) return;
      const q = new URLSearchParams({ app: this.client.app, session: this.sid || "NEW", ack: this.lastExecuted });
      let ws;
      try {
        ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${location.pathname}?${q}`);
      } catch (e) { this.lost({ hello: false }, null); return; }
      // seq: of the next command frame; acked: last ack sent on it; sentUpTo: last event sent on it;
      // bytes: everything queued on it (for upload progress, against ws.bufferedAmount)
      const conn = this.conn = { ws, opened: false, hello: false, seq: 0, acked: -1, sentUpTo: -1, bytes: 0 };
      const timer = setTimeout(() => { if (!conn.opened) this.drop(conn, null); }, WS_OPEN_TIMEOUT_MS);
      ws.onopen = () => { conn.opened = true; clearTimeout(timer); };
      ws.onmessage = (m) => this.onFrame(conn, m.data);
      ws.onclose = (ev) => { clearTimeout(timer); if (this.conn === conn) this.lost(conn, ev); };
    }
    live(conn) { return !!conn && conn.hello && conn.ws.readyState === WebSocket.OPEN; }
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
      const blamed = this.uploadsLost(conn, code, reason);
      if (conn.hello && REFUSED.has(code) && !blamed) {
        console.error("webio: the server refused a message:", code, reason);
        this.refused = conn;
      }
      setStatus(RECONNECTING, "warn");
      this.retryTimer = setTimeout(() => this.connect(), delay === undefined ? this.backoff : delay);
      this.backoff = nextBackoff(this.backoff);
    }
    /* A connection ended with uploads on it. Returns true if the server refused an upload: for
     * "too big" (1009) the largest message sent on the connection is to blame (the server stops at
     * the first one over its limit, and the largest is over it too), for "not an upload" (1003)
     * the last upload. A refused upload fails even if its bytes had all left the browser: Chrome
     * hands them over long before the server reads them. Uploads whose bytes had not all left the
     * browser never reached the server whole, so they are sent again after reconnecting. */
    uploadsLost(conn, code, reason) {
      const blamed = code === TOO_BIG ? conn.biggest && conn.biggest.up : code === 1003 ? conn.lastUpload : null;
      for (const up of this.uploads.slice()) {
        if (up.conn !== conn || up === blamed) continue;
        if (conn.bytes - conn.ws.bufferedAmount >= up.end) this.finishUpload(up, null);
        else up.conn = null;
      }
      if (!blamed) return false;
      console.warn("webio: the server refused an upload:", code, reason);
      this.finishUpload(blamed, code === TOO_BIG ? "the upload is larger than the server accepts" : reason || `refused (${code})`);
      return true;
    }
    onFrame(conn, data) {
      if (this.conn !== conn || this.stopped) return;
      let msg;
      try { msg = JSON.parse(data); } catch (e) { console.error("webio: malformed frame", e); return; }
      log("<<<", msg);
      if (!conn.hello) { // the hello, or close_session for a session the server no longer knows
        if (msg && msg.command === "set_session_id") this.hello(conn, msg); else this.client.execute(msg);
        return;
      }
      for (const cmd of Array.isArray(msg) ? msg : [msg]) { // an array with ?batch=1
        const seq = conn.seq++;
        if (seq <= this.lastExecuted) continue; // redelivered and already executed
        this.client.execute(cmd);
        this.lastExecuted = seq;
      }
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
      this.events.confirm(ack);
      if (this.refused) this.events.refuse(this.refused.sentUpTo, ack);
      this.refused = null;
      // Re-send in the original order: unconfirmed events, with pending uploads at their places.
      const items = this.events.items, base = this.events.base;
      let next = base;
      for (const up of this.uploads.filter((u) => !u.conn).sort((a, b) => a.after - b.after)) {
        const upto = Math.min(up.after, base + items.length - 1);
        if (upto >= next) this.sendEvents(conn, next, items.slice(next - base, upto - base + 1));
        next = Math.max(next, upto + 1);
        this.sendUpload(conn, up);
      }
      if (next <= this.events.last) this.sendEvents(conn, next, items.slice(next - base));
    }
    frame(conn, data, up) {
      conn.ws.send(data);
      const size = typeof data === "string" ? utf8.encode(data).length : data.size;
      conn.bytes += size;
      if (!conn.biggest || size > conn.biggest.size) conn.biggest = { size, up: up || null };
    }
    sendEvents(conn, seq, events) {
      log(">>>", seq, events);
      this.frame(conn, JSON.stringify({ seq, events }));
      conn.sentUpTo = seq + events.length - 1;
    }
    send(event) {
      if (this.stopped) return;
      const seq = this.events.push(event), conn = this.conn;
      if (this.live(conn)) this.sendEvents(conn, seq, [event]);
    }
    upload(blob, hooks) {
      if (this.stopped) return;
      const up = { blob, hooks, after: this.events.last, conn: null, start: 0, end: 0, timer: null };
      this.uploads.push(up);
      if (this.live(this.conn)) this.sendUpload(this.conn, up);
    }
    sendUpload(conn, up) {
      log(">>> upload of", up.blob.size, "bytes");
      up.start = conn.bytes;
      this.frame(conn, up.blob, up);
      Object.assign(up, { conn, end: conn.bytes });
      conn.lastUpload = up;
      clearInterval(up.timer);
      const poll = () => { // progress: how much of the frame left the browser's buffer
        if (up.conn !== conn || this.conn !== conn) return;
        const sent = conn.bytes - conn.ws.bufferedAmount, size = Math.max(1, up.end - up.start);
        up.hooks.progress(Math.max(0, Math.min(1, (sent - up.start) / size)));
        if (sent >= up.end) this.finishUpload(up, null);
      };
      up.timer = setInterval(poll, UPLOAD_POLL_MS);
      poll();
    }
    finishUpload(up, error) { // "done" once handed over whole; a refusal may still fail it later
      clearInterval(up.timer);
      const i = this.uploads.indexOf(up);
      if (i >= 0) this.uploads.splice(i, 1);
      up.blob = null; // never re-sent now
      if (error) up.hooks.fail(error); else up.hooks.done();
    }
    flushAck() { // at most one ack per ACK_DELAY_MS, and always one after a burst
      this.ackTimer = null;
      const conn = this.conn;
      if (!this.live(conn) || this.lastExecuted <= conn.acked) return;
      conn.acked = this.lastExecuted;
      this.frame(conn, JSON.stringify({ ack: this.lastExecuted }));
    }
    stop() {
      this.stopped = true;
      clearTimeout(this.ackTimer);
      clearTimeout(this.retryTimer);
      for (const up of this.uploads) clearInterval(up.timer);
      if (this.conn) this.detach(this.conn);
      this.conn = null;
    }
    dropConnection(opts) { // test hook: lose the connection as a network failure would
      if (this.conn) this.drop(this.conn, { code: 1006, reason: "dropped by test hook" }, opts.reconnectDelayMs);
    }
  }

  class LongPollTransport {
    constructor(client) {
      // Queue items are {event} or {upload: {blob, hooks}}; an upload is numbered like any event.
      const settle = (item, error) => {
        if (!item.upload) return;
        if (error) item.upload.hooks.fail(error); else item.upload.hooks.done();
      };
      Object.assign(this, { client, sid: "NEW", lastBatch: -1, events: new EventQueue(settle), posting: false,
        postBackoff: BACKOFF_MIN, stopped: false });
    }
    url(params) { return `${location.pathname}?${new URLSearchParams(Object.assign({ app: this.client.app }, params))}`; }
    reply(status, text, sid) {
      if (sid) this.sid = sid;
      let data = null;
      try { data = JSON.parse(text); } catch (e) { /* not JSON */ }
      const refused = status >= 400 && status < 500 && status !== 409 && status !== 429;
      return { status, data, refused };
    }
    async request(method, params, body) {
      const headers = { "webio-session-id": this.sid };
      if (body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
      const r = await fetch(this.url(params), { method, headers, body, cache: "no-store" });
      return this.reply(r.status, await r.text(), r.headers.get("webio-session-id"));
    }
    postUpload(params, upload) { // XHR, for its upload progress events
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", this.url(params));
        xhr.setRequestHeader("webio-session-id", this.sid);
        xhr.setRequestHeader("content-type", "application/octet-stream");
        xhr.upload.onprogress = (e) => { if (e.lengthComputable) upload.hooks.progress(e.loaded / e.total); };
        xhr.onload = () => resolve(this.reply(xhr.status, xhr.responseText, xhr.getResponseHeader("webio-session-id")));
        xhr.onerror = xhr.onabort = () => reject(new Error("upload interrupted"));
        xhr.send(upload.blob);
      });
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
          this.current = id;
          for (const cmd of batch) this.client.execute(cmd);
          this.lastBatch = id;
        }
        id++;
      }
    }
    /* The server's task waits for us to acknowledge what a POST reply carried (flow
     * control): say so now with a GET that is not held, rather than at the next poll. */
    async ackNow() {
      try {
        const { status, data } = await this.request("GET", { ack: this.lastBatch });
        if (status === 200 && data && !this.stopped) this.handleReply(data);
      } catch (e) {
        log("ack failed; the next poll carries it", e);
      }
    }
    send(event) { if (!this.stopped) { this.events.push({ event }); this.flush(); } }
    upload(blob, hooks) { if (!this.stopped) { this.events.push({ upload: { blob, hooks } }); this.flush(); } }
    /* One POST at a time: the leading JSON events together, or an upload alone (events stay in order). */
    async flush() {
      if (this.posting || this.stopped || !this.events.items.length || this.sid.startsWith("NEW")) return;
      this.posting = true;
      const base = this.events.base, items = this.events.items, first = items[0];
      let count = first.upload ? 1 : items.findIndex((item) => item.upload);
      if (count < 0) count = items.length;
      const lastSent = base + count - 1, params = { ack: this.lastBatch, seq: base };
      let retry = true;
      try {
        const { status, data, refused } = first.upload ? await this.postUpload(params, first.upload)
          : await this.request("POST", params, JSON.stringify(items.slice(0, count).map((item) => item.event)));
        if (status < 300 && data) {
          this.postBackoff = BACKOFF_MIN;
          this.handleReply(data);
          if (data.ack_now) this.ackNow();
          retry = this.events.items.length > 0 && this.events.base <= lastSent; // not applied yet
        } else if (refused) {
          const why = (data && data.error) || `HTTP ${status}`;
          console.error("webio: the server refused events:", status, why);
          this.events.refuse(lastSent, data && data.ack, status === 413 ? "the upload is larger than the server accepts" : why);
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
    stop() {
      if (this.stopped) return;
      this.stopped = true;
      // Acknowledge what was executed (close_session included), so the server can
      // forget the session now instead of keeping it for a poll that never comes.
      const ack = Math.max(this.lastBatch, this.current === undefined ? -1 : this.current);
      if (ack >= 0 && !this.sid.startsWith("NEW")) {
        fetch(this.url({ ack }), { headers: { "webio-session-id": this.sid }, cache: "no-store", keepalive: true })
          .catch(() => {});
      }
    }
  }

  /* ================================================================== 3. Scripts */
  /* Scripts inserted with innerHTML never run. Those of html outputs are re-created once their
   * output is in the page, one at a time in arrival order: a `src=` script is awaited before the
   * next one runs, and run_script code waits its turn too, so `put_html('<script src=chart.js>')`
   * followed by `run_js('new Chart(...)')` works as it did with PyWebIO. */
  const inertScripts = new WeakSet();
  const scriptQueue = { jobs: [], busy: false };

  function enqueueScript(job) {
    scriptQueue.jobs.push(job);
    if (!scriptQueue.busy) drainScripts();
  }

  function drainScripts() {
    while (scriptQueue.jobs.length) {
      let wait = null;
      try { wait = scriptQueue.jobs.shift()(); } catch (e) { console.error("webio: script failed", e); }
      if (wait) {
        scriptQueue.busy = true;
        wait.then(() => { scriptQueue.busy = false; drainScripts(); });
        return;
      }
    }
  }

  function markScripts(root) { for (const s of root.querySelectorAll("script")) inertScripts.add(s); }

  function activateScripts(root) {
    if (!root.querySelectorAll) return;
    for (const old of root.querySelectorAll("script")) {
      if (!inertScripts.has(old)) continue;
      inertScripts.delete(old);
      enqueueScript(() => {
        if (!old.isConnected) return null; // removed before its turn
        const s = document.createElement("script");
        for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value);
        s.text = old.text;
        if (!s.src) { old.replaceWith(s); return null; }
        return new Promise((resolve) => {
          const timer = setTimeout(resolve, SCRIPT_LOAD_TIMEOUT_MS);
          s.onload = s.onerror = () => { clearTimeout(timer); resolve(); };
          old.replaceWith(s);
        });
      });
    }
  }

  /* run_script: `code` evaluated as eval would, with each of `args` bound as a variable. */
  function runScript(spec, taskId, client) {
    const args = spec.args && typeof spec.args === "object" ? spec.args : {};
    const names = Object.keys(args).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
    let result, failed = null;
    try {
      // eslint-disable-next-line no-new-func -- evaluating app code is this command's purpose
      const fn = new Function(...names, `return eval(${JSON.stringify(str(spec.code))});`);
      result = fn.apply(window, names.map((n) => args[n]));
    } catch (e) { failed = e; }
    if (!spec.eval) {
      if (failed) console.error("webio: run_js code threw:", failed);
      return;
    }
    const answer = (value) => client.send({ event: "js_yield", task_id: taskId, data: toJSONValue(value) });
    if (failed) { console.warn("webio: eval_js code threw:", failed); answer(null); return; }
    Promise.resolve(result).then(answer, (e) => { console.warn("webio: eval_js promise rejected:", e); answer(null); });
  }

  /* ================================================================== 4. Outputs */
  const env = { autoScrollBottom: false, outputAnimation: true, inputAutoFocus: true };
  const BTN_COLORS = /^(primary|secondary|success|danger|warning|info|light|dark)$/;
  const KINDS = /^(info|success|warning|error)$/;
  const btnClass = (color, outline, small) =>
    `webio-btn webio-btn-${outline ? "outline-" : ""}${BTN_COLORS.test(color) ? color : "primary"}${small ? " webio-btn-sm" : ""}`;

  /* A nested output: a spec, or a plain string (or number) shown as text; null is an empty cell. */
  function renderOutput(spec, client) {
    if (spec == null) return el("div", { className: "webio-empty" });
    if (typeof spec !== "object") spec = { type: "text", content: String(spec) };
    let node;
    if (has(OUTPUTS, spec.type)) node = OUTPUTS[spec.type](spec, client);
    else node = el("div", { className: "webio-unsupported", textContent: `unsupported output: ${spec.type}` });
    addStyle(node, spec.style);
    if (typeof spec.dom_id === "string" && spec.dom_id) (node.webioBody || node).id = spec.dom_id;
    if (spec.click_callback_id) clickable(node, spec.click_callback_id, client);
    return node;
  }

  function renderAll(box, contents, client) {
    for (const item of Array.isArray(contents) ? contents : contents == null ? [] : [contents]) {
      box.append(renderOutput(item, client));
    }
    return box;
  }

  function clickable(node, callbackId, client) {
    node.classList.add("webio-clickable");
    const fire = () => client.send({ event: "callback", task_id: callbackId, data: null });
    node.addEventListener("click", fire);
    if (!node.matches("button, a[href], input, select, textarea")) { // reachable from the keyboard too
      node.tabIndex = 0;
      node.addEventListener("keydown", (ev) => {
        if (ev.target === node && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); fire(); }
      });
    }
  }

  /* position: -1 append, 0 prepend, n >= 0 before child n, n < 0 after child len+n (clamped to the ends). */
  function insertAt(container, node, position) {
    const kids = container.children, pos = Number.isInteger(position) ? position : -1;
    if (pos === -1 || pos >= kids.length) container.append(node);
    else if (pos >= 0) container.insertBefore(node, kids[pos]);
    else if (kids.length + pos < 0) container.prepend(node);
    else kids[kids.length + pos].after(node);
  }

  /* Called once a rendered output is in the page. */
  function mounted(node) {
    if (env.outputAnimation && node.classList) node.classList.add("webio-enter");
    activateScripts(node);
  }

  let scrollPending = false;
  function scrollToBottom() {
    if (scrollPending) return;
    scrollPending = true;
    requestAnimationFrame(() => {
      scrollPending = false;
      window.scrollTo({ top: document.documentElement.scrollHeight });
    });
  }

  function base64Bytes(b64) {
    const bin = atob(str(b64));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  function download(name, b64) {
    const url = URL.createObjectURL(new Blob([base64Bytes(b64)], { type: "application/octet-stream" }));
    const a = el("a", { href: url, download: str(name) || "download", hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function setProcessbar(box, value, label) {
    const v = Math.max(0, Math.min(1, Number(value) || 0)), pct = Math.round(v * 100);
    box.querySelector(".webio-progress-fill").style.width = `${v * 100}%`;
    box.querySelector(".webio-progress-label").textContent = label == null || label === "" ? `${pct}%` : str(label);
    box.setAttribute("aria-valuenow", String(pct));
    box.setAttribute("aria-valuetext", label == null || label === "" ? `${pct}%` : str(label));
    if (v >= 1 && box.dataset.autoClose === "true") box.remove();
  }

  function tabs(spec, client) {
    const box = el("div", { className: "webio-tabs" });
    const list = el("div", { className: "webio-tablist", role: "tablist" });
    const buttons = [], panels = [];
    const select = (index, focus) => {
      buttons.forEach((b, i) => { b.setAttribute("aria-selected", String(i === index)); b.tabIndex = i === index ? 0 : -1; });
      panels.forEach((p, i) => { p.hidden = i !== index; });
      if (focus) buttons[index].focus();
    };
    (Array.isArray(spec.tabs) ? spec.tabs : []).forEach((tab, i) => {
      const id = uid("webio-tab");
      const button = el("button", { type: "button", className: "webio-tab", id, role: "tab", textContent: str(tab.title) });
      const panel = el("div", { className: "webio-tabpanel", id: id + "-panel", role: "tabpanel", tabIndex: 0 });
      button.setAttribute("aria-controls", panel.id);
      panel.setAttribute("aria-labelledby", id);
      button.addEventListener("click", () => select(i, false));
      renderAll(panel, tab.content, client);
      buttons.push(button);
      panels.push(panel);
      list.append(button);
    });
    list.addEventListener("keydown", (ev) => { // the WAI-ARIA tabs pattern
      const at = buttons.indexOf(document.activeElement), n = buttons.length;
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1 + n, Home: 0, End: n - 1 }[ev.key];
      if (at < 0 || to === undefined) return;
      ev.preventDefault();
      select(to % n, true);
    });
    box.append(list, ...panels);
    if (buttons.length) select(0, false);
    return box;
  }

  function table(spec, client) {
    const rows = Array.isArray(spec.data) ? spec.data : [];
    const headerRows = Number.isInteger(spec.header) ? spec.header : 1; // PyWebIO: row 0 is the header
    const span = spec.span && typeof spec.span === "object" ? spec.span : {};
    // A header cell spanning rows cannot reach from <thead> into <tbody>: then, as PyWebIO's
    // one-group table, the header row stays in the body, with the rows it spans.
    const headInBody = Object.keys(span).some((k) => Number(k.split(",")[0]) < headerRows && span[k] && span[k].row > 1);
    const tbl = el("table", { className: "webio-table" });
    let thead = null;
    const tbody = el("tbody");
    rows.forEach((row, r) => {
      const head = r < headerRows, tr = el("tr");
      (Array.isArray(row) ? row : [row]).forEach((cell, c) => {
        const td = el(head ? "th" : "td", { className: "webio-cell" });
        if (head) td.scope = "col";
        const s = span[`${r},${c}`];
        if (s && s.row > 1) td.rowSpan = s.row;
        if (s && s.col > 1) td.colSpan = s.col;
        td.append(cell != null && typeof cell === "object" ? renderOutput(cell, client) : str(cell));
        tr.append(td);
      });
      if (head && !headInBody) (thead = thead || el("thead")).append(tr); else tbody.append(tr);
    });
    if (thead) tbl.append(thead);
    tbl.append(tbody);
    return el("div", { className: "webio-table-wrap" }, tbl);
  }

  function grid(spec, client) {
    const cells = (Array.isArray(spec.cells) ? spec.cells : []).map((row) => (Array.isArray(row) ? row : [row]));
    const width = cells.reduce((m, row) => Math.max(m, row.length), 0), column = spec.direction === "column";
    const [nRows, nCols] = column ? [width, cells.length] : [cells.length, width];
    const box = el("div", { className: "webio-grid" });
    Object.assign(box.style, {
      gridTemplateColumns: str(spec.cell_widths) || `repeat(${nCols}, ${cssLength(spec.cell_width) || "auto"})`,
      gridTemplateRows: str(spec.cell_heights) || `repeat(${nRows}, ${cssLength(spec.cell_height) || "auto"})`,
      gridAutoFlow: column ? "column" : "row",
    });
    for (const row of cells) for (let i = 0; i < width; i++) box.append(renderOutput(row[i], client));
    return box;
  }

  function scrollable(spec, client) {
    const box = renderAll(el("div", { className: "webio-scrollable", tabIndex: 0 }), spec.contents, client);
    if (spec.border !== false) box.classList.add("webio-bordered");
    if (spec.height != null) box.style.height = cssLength(spec.height);
    if (spec.min_height != null) box.style.minHeight = cssLength(spec.min_height);
    if (spec.max_height != null) box.style.maxHeight = cssLength(spec.max_height);
    if (spec.keep_bottom) { // follow new content while the reader is at the bottom
      let stick = true;
      box.addEventListener("scroll", () => { stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 8; });
      new MutationObserver(() => { if (stick) box.scrollTop = box.scrollHeight; })
        .observe(box, { childList: true, subtree: true, characterData: true });
    }
    return box;
  }

  const OUTPUTS = {
    text: (spec) => el(spec.inline ? "span" : "p", { className: "webio-text", textContent: str(spec.content) }),
    markdown(spec) { // html comes sanitised from the server (or the app turned sanitize off on purpose)
      const box = el("div", { className: "webio-markdown" });
      if (typeof spec.html === "string") box.innerHTML = spec.html; else box.textContent = str(spec.content);
      return guardUrls(box);
    },
    html(spec) { // the app's explicit opt-in; its <script>s run once it is in the page
      const box = el("div", { className: "webio-html" });
      box.innerHTML = str(spec.content);
      markScripts(box);
      return box;
    },
    code(spec) {
      const code = el("code", { textContent: str(spec.content) });
      if (spec.language) code.className = "language-" + cssIdent(spec.language);
      const pre = el("pre", { className: "webio-code", tabIndex: 0 }, code);
      if (Number(spec.rows) > 0) pre.style.maxHeight = `calc(${Number(spec.rows)} * 1.5em + 1.5rem)`;
      return pre;
    },
    buttons(spec, client) {
      const box = el("div", { className: "webio-buttons" + (spec.group ? " webio-btn-group" : "") });
      if (spec.group) box.setAttribute("role", "group");
      for (const b of spec.buttons) {
        const btn = el("button", { type: "button", disabled: !!b.disabled, textContent: str(b.label),
          className: spec.link ? `webio-btn webio-btn-link${spec.small ? " webio-btn-sm" : ""}` : btnClass(b.color, spec.outline, spec.small) });
        btn.addEventListener("click", () => client.send({ event: "callback", task_id: spec.callback_id, data: b.value }));
        box.append(btn);
      }
      return box;
    },
    table,
    image(spec) {
      const img = el("img", { className: "webio-image", alt: str(spec.alt) });
      const src = safeUrl(spec.src, "image");
      if (src) img.src = src;
      if (spec.width != null) img.style.width = cssLength(spec.width);
      if (spec.height != null) img.style.height = cssLength(spec.height);
      return img;
    },
    file(spec) {
      const btn = el("button", { type: "button", className: btnClass("primary", true) + " webio-file-button",
        textContent: str(spec.label != null ? spec.label : spec.name) });
      btn.addEventListener("click", () => download(spec.name, spec.content));
      return el("div", { className: "webio-buttons" }, btn);
    },
    link(spec) {
      const a = el("a", { className: "webio-link", textContent: str(spec.name) });
      const href = spec.app != null ? `${location.pathname}?app=${encodeURIComponent(spec.app)}` : safeUrl(spec.url, "link");
      if (href) a.href = href;
      if (spec.new_window) Object.assign(a, { target: "_blank", rel: "noopener noreferrer" });
      return a;
    },
    processbar(spec) {
      const box = el("div", { className: "webio-processbar", role: "progressbar", id: "webio-processbar-" + str(spec.name) },
        el("div", { className: "webio-progress-track" }, el("div", { className: "webio-progress-fill" })),
        el("span", { className: "webio-progress-label" }));
      box.setAttribute("aria-valuemin", "0");
      box.setAttribute("aria-valuemax", "100");
      box.dataset.autoClose = String(!!spec.auto_close);
      setProcessbar(box, spec.value, spec.label);
      return box;
    },
    loading(spec) {
      const shape = spec.shape === "grow" ? "grow" : "border";
      const box = el("div", { className: `webio-spinner webio-spinner-${shape}`, role: "status" },
        el("span", { className: "webio-visually-hidden", textContent: "Loading\u2026" }));
      if (BTN_COLORS.test(spec.color)) box.classList.add("webio-color-" + spec.color);
      else if (spec.color) box.style.color = str(spec.color);
      return box;
    },
    collapse(spec, client) {
      const body = renderAll(el("div", { className: "webio-collapse-body" }), spec.contents, client);
      const box = el("details", { className: "webio-collapse", open: !!spec.open },
        el("summary", { textContent: str(spec.title) }), body);
      box.webioBody = body;
      return box;
    },
    scrollable,
    tabs,
    row(spec, client) {
      const box = renderAll(el("div", { className: "webio-row" }), spec.contents, client);
      if (spec.size) box.style.gridTemplateColumns = str(spec.size);
      return box;
    },
    column(spec, client) {
      const box = renderAll(el("div", { className: "webio-column" }), spec.contents, client);
      if (spec.size) box.style.gridTemplateRows = str(spec.size);
      return box;
    },
    grid,
    scope(spec, client) {
      if (spec.dom_id && document.getElementById(spec.dom_id)) console.warn("webio: duplicate scope", spec.dom_id);
      return renderAll(el("div", { className: "webio-scope" }), spec.contents, client);
    },
    alert(spec, client) {
      const kind = KINDS.test(spec.kind) ? spec.kind : "info";
      const body = renderAll(el("div", { className: "webio-alert-body" }), spec.contents, client);
      const box = el("div", { className: `webio-alert webio-alert-${kind}` }, body);
      if (kind === "error") box.setAttribute("role", "alert");
      if (spec.closable) {
        const x = el("button", { type: "button", className: "webio-close", textContent: "\u00d7", title: "Close" });
        x.setAttribute("aria-label", "Close");
        x.addEventListener("click", () => box.remove());
        box.append(x);
      }
      box.webioBody = body;
      return box;
    },
    widget(spec, client) {
      const box = el("div", { className: "webio-widget" }), embeds = [];
      try {
        box.innerHTML = renderTemplate(parseTemplate(str(spec.template)), [spec.data == null ? {} : spec.data], embeds);
      } catch (e) {
        console.error("webio: bad widget template:", e.message);
        box.textContent = "";
        box.append(el("div", { className: "webio-unsupported", textContent: `widget template error: ${e.message}` }));
        return box;
      }
      for (const slot of box.querySelectorAll("template[data-webio-embed]")) {
        const frag = document.createDocumentFragment();
        const value = embeds[Number(slot.getAttribute("data-webio-embed"))];
        renderAll(frag, value, client);
        slot.replaceWith(frag);
      }
      markScripts(box); // the template is trusted author HTML, as put_html is
      return box;
    },
    pin: (spec, client) => client.pins.render(spec.input || {}, client),
  };

  /* ---------------------------------------------------------------- widget templates
   * A logic-less subset of Mustache: {{name}} (escaped; dotted paths; {{.}} is the current item),
   * {{#name}}...{{/name}} (repeat per list item, once for a truthy value, never for a false/empty one;
   * inside, PyWebIO's {{& pywebio_output_parse}} is the current item, as {{& .}}),
   * {{^name}}...{{/name}} (inverted), {{& name}} (an output spec or a list of them, rendered as outputs),
   * {{! comment}}. Data never becomes HTML: {{{name}}} is escaped like {{name}}. */
  function parseTemplate(text) {
    const tag = /\{\{\{\s*([^}]*?)\s*\}\}\}|\{\{\s*([#^/&!]?)\s*([^}]*?)\s*\}\}/g;
    const root = { children: [] }, stack = [root];
    let last = 0, m;
    while ((m = tag.exec(text))) {
      const top = stack[stack.length - 1];
      if (m.index > last) top.children.push({ kind: "text", value: text.slice(last, m.index) });
      last = tag.lastIndex;
      const kind = m[1] !== undefined ? "" : m[2], name = m[1] !== undefined ? m[1] : m[3];
      if (kind === "#" || kind === "^") {
        const section = { kind, name, children: [] };
        top.children.push(section);
        stack.push(section);
      } else if (kind === "/") {
        if (stack.length === 1 || top.name !== name) throw new Error(`unexpected {{/${name}}}`);
        stack.pop();
      } else if (kind !== "!") {
        top.children.push({ kind: kind === "&" ? "&" : "var", name });
      }
    }
    if (stack.length > 1) throw new Error(`unclosed {{#${stack[stack.length - 1].name}}}`);
    if (last < text.length) root.children.push({ kind: "text", value: text.slice(last) });
    return root.children;
  }

  function lookup(name, contexts) {
    // PyWebIO's helper: {{& pywebio_output_parse}} renders the current item (an output spec).
    if (name === "." || name === "pywebio_output_parse") return contexts[contexts.length - 1];
    const [head, ...rest] = name.split(".");
    for (let i = contexts.length - 1; i >= 0; i--) {
      const ctx = contexts[i];
      if (ctx != null && typeof ctx === "object" && has(ctx, head)) {
        let value = ctx[head];
        for (const part of rest) value = value != null && typeof value === "object" ? value[part] : undefined;
        return value;
      }
    }
    return undefined;
  }

  const escapeHTML = (s) => s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
  const falsy = (v) => !v || (Array.isArray(v) && !v.length);

  function renderTemplate(nodes, contexts, embeds) {
    let out = "";
    for (const node of nodes) {
      if (node.kind === "text") { out += node.value; continue; }
      const value = lookup(node.name, contexts);
      if (node.kind === "var") {
        out += escapeHTML(value == null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
      } else if (node.kind === "&") {
        embeds.push(value);
        out += `<template data-webio-embed="${embeds.length - 1}"></template>`;
      } else if (node.kind === "^") {
        if (falsy(value)) out += renderTemplate(node.children, contexts, embeds);
      } else if (!falsy(value)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          out += renderTemplate(node.children, contexts.concat([item]), embeds);
        }
      }
    }
    return out;
  }

  /* ---------------------------------------------------------------- scopes (output_ctl) */
  function setScope(spec) {
    const id = str(spec.set_scope), old = document.getElementById(id);
    if (old) {
      if (spec.if_exist === "remove") old.remove();
      else if (spec.if_exist === "clear") { old.textContent = ""; return; }
      else if (spec.if_exist === "blank") { old.style.minHeight = `${old.offsetHeight}px`; old.textContent = ""; return; }
      else return; // null: keep the existing scope
    }
    const container = queryAll(spec.container || "#pywebio-scope-ROOT")[0];
    if (!container) return console.warn("webio: scope container not found:", spec.container);
    insertAt(container, el("div", { className: "webio-scope", id }), spec.position);
  }

  function clearSiblings(node, forward, stop) {
    let sib = forward ? node.nextElementSibling : node.previousElementSibling;
    while (sib && sib !== stop) {
      const next = forward ? sib.nextElementSibling : sib.previousElementSibling;
      sib.remove();
      sib = next;
    }
  }

  function outputCtl(spec) {
    if (spec.set_scope) setScope(spec);
    if (spec.loose) for (const n of queryAll(spec.loose)) n.style.minHeight = "";
    if (spec.clear) for (const n of queryAll(spec.clear)) n.textContent = "";
    if (spec.clear_before) for (const n of queryAll(spec.clear_before)) clearSiblings(n, false, null);
    if (spec.clear_after) for (const n of queryAll(spec.clear_after)) clearSiblings(n, true, null);
    if (Array.isArray(spec.clear_range)) {
      const [a, b] = spec.clear_range.map((s) => queryAll(s)[0]);
      if (a && b) clearSiblings(a, true, b);
    }
    if (spec.scroll_to) {
      const target = queryAll(spec.scroll_to)[0];
      const block = { top: "start", middle: "center", bottom: "end" }[spec.position] || "start";
      if (target) target.scrollIntoView({ block, behavior: env.outputAnimation ? "smooth" : "auto" });
    }
    if (spec.remove) for (const n of queryAll(spec.remove)) if (n.id !== "pywebio-scope-ROOT") n.remove();
  }

  /* ================================================================== 5. Input controls
   * CONTROLS[type](item, field) builds the bare control of one input item:
   *   {node, main, inputs, group, changeEvent, blur, get(), set(value, asDefault),
   *    setOptions?, setDatalist?, setFlag?, setRange?, afterReset?}
   * `inputs` are the elements that take attributes, aria-invalid and aria-describedby. */
  const TEXT_TYPES = { text: "text", number: "number", float: "text", password: "password", url: "url",
    date: "date", time: "time", color: "color", "datetime-local": "datetime-local" };
  /* Item keys that are not HTML attributes of the control. */
  const ITEM_KEYS = new Set(["type", "name", "label", "value", "placeholder", "required", "readonly", "disabled",
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
    const maxSize = Number(item.max_size) || 0, maxTotal = Number(item.max_total_size) || 0;
    // A group, as checkboxes are: the title is the fieldset's legend, which also names the input.
    input.setAttribute("aria-labelledby", field.id + "-label");
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

  const CONTROLS = { textarea: textareaControl, select: selectControl, checkbox: choiceControl, radio: choiceControl,
    slider: sliderControl, actions: actionsControl, file: fileControl };
  for (const type of Object.keys(TEXT_TYPES)) CONTROLS[type] = textControl;

  /* One input item with its label, feedback and help text, in a form or as a pin.
   * host: {isForm, event(field, "change"|"blur"), callback(id), reset(), cancel()}. */
  class Field {
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

  /* ================================================================== 6. Forms */
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
      if (!env.inputAutoFocus) return;
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
  class Forms {
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

  /* ================================================================== 7. Pins */
  class Pins {
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

  /* ================================================================== 8. Overlays */
  const TOAST_KINDS = { info: "info", success: "success", warning: "warning", warn: "warning", error: "error" };

  function toast(spec, client) {
    const where = ["left", "center", "right"].includes(spec.position) ? spec.position : "center";
    let box = document.getElementById("webio-toasts-" + where);
    if (!box) document.body.append(box = el("div", { id: "webio-toasts-" + where, className: "webio-toasts webio-toasts-" + where }));
    const node = el("div", { className: "webio-toast", role: "status" }, el("span", { textContent: str(spec.content) }));
    if (has(TOAST_KINDS, spec.color)) node.classList.add("webio-toast-" + TOAST_KINDS[spec.color]);
    else if (typeof spec.color === "string" && spec.color) node.style.background = spec.color;
    const close = () => { clearTimeout(timer); node.remove(); };
    const duration = Number.isFinite(spec.duration) ? spec.duration : 2000;
    const timer = duration > 0 ? setTimeout(close, duration) : null; // 0: until clicked
    if (duration <= 0) {
      const x = el("button", { type: "button", className: "webio-toast-close", title: "Close", textContent: "\u00d7" });
      x.setAttribute("aria-label", "Close");
      node.append(x);
    }
    if (spec.callback_id) {
      node.tabIndex = 0;
      node.classList.add("webio-clickable");
    }
    const activate = (ev) => {
      if (spec.callback_id && !(ev.target && ev.target.classList.contains("webio-toast-close"))) {
        client.send({ event: "callback", task_id: spec.callback_id, data: null });
      }
      close();
    };
    node.addEventListener("click", activate);
    node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && ev.target === node) activate(ev); });
    box.append(node);
    return { node, close };
  }

  function toastProgress(client) { // pin uploads show their progress in a toast
    let shown = null;
    const text = (t) => { if (!shown) shown = toast({ content: t, duration: 0, color: "info" }, client); shown.node.firstChild.textContent = t; };
    return {
      progress: (f) => text(`Uploading\u2026 ${Math.round(f * 100)}%`),
      done: () => { if (shown) shown.close(); },
      fail: (why) => { if (shown) shown.close(); toast({ content: `The upload failed: ${why}.`, duration: 6000, color: "error" }, client); },
    };
  }

  let popupState = null;

  function closePopup() {
    if (!popupState) return;
    const { backdrop, keys, opener } = popupState;
    popupState = null;
    backdrop.remove();
    document.removeEventListener("keydown", keys, true);
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
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
      const x = el("button", { type: "button", className: "webio-close", title: "Close", textContent: "\u00d7" });
      x.setAttribute("aria-label", "Close");
      header.append(Object.assign(x, { onclick: closePopup }));
    }
    const body = renderAll(el("div", { className: "webio-popup-body webio-scope" }), spec.content, client);
    if (typeof spec.dom_id === "string" && spec.dom_id) body.id = spec.dom_id; // a scope outputs can target
    dialog.append(header, body);
    const backdrop = el("div", { className: "webio-popup-backdrop" }, dialog);
    backdrop.addEventListener("click", (ev) => { if (implicit && ev.target === backdrop) closePopup(); });
    const keys = (ev) => {
      if (ev.key === "Escape" && closable) { ev.stopPropagation(); closePopup(); }
      if (ev.key !== "Tab") return; // keep focus inside the dialog
      const focusable = Array.from(dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"))
        .filter((n) => !n.disabled && n.tabIndex >= 0 && n.getClientRects().length);
      if (!focusable.length) { ev.preventDefault(); return; }
      const first = focusable[0], last = focusable[focusable.length - 1];
      if (ev.shiftKey && (document.activeElement === first || document.activeElement === dialog)) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
    };
    document.addEventListener("keydown", keys, true);
    popupState = { backdrop, keys, opener: document.activeElement };
    document.body.append(backdrop);
    activateScripts(body);
    dialog.focus();
  }

  /* ================================================================== 9. Commands */
  const COMMANDS = {};
  function handle(names, handler) {
    for (const name of names.split(" ")) {
      if (has(COMMANDS, name)) throw new Error(`webio: two handlers for command ${name}`);
      COMMANDS[name] = handler;
    }
  }

  handle("output", (spec, cmd, client) => {
    const targets = queryAll(spec.scope || "#pywebio-scope-ROOT");
    if (!targets.length) return console.warn("webio: output scope not found:", spec.scope);
    for (const target of targets) {
      const node = renderOutput(spec, client);
      insertAt(target, node, spec.position);
      mounted(node);
    }
    if (env.autoScrollBottom && targets.some((t) => t.id === "pywebio-scope-ROOT")) scrollToBottom();
  });
  handle("output_ctl", (spec) => outputCtl(spec));
  handle("set_processbar", (spec) => {
    const box = document.getElementById("webio-processbar-" + str(spec.name));
    if (box) setProcessbar(box, spec.value, spec.label); else console.warn("webio: no processbar named", spec.name);
  });
  handle("input_group", (spec, cmd, client) => client.forms.open(cmd.task_id, spec, client));
  handle("update_input", (spec, cmd, client) => client.forms.update(cmd.task_id, spec));
  handle("destroy_form", (spec, cmd, client) => client.forms.destroy(cmd.task_id));
  handle("popup", (spec, cmd, client) => popup(spec, client));
  handle("close_popup", () => closePopup());
  handle("toast", (spec, cmd, client) => { toast(spec, client); });
  handle("set_env", (spec, cmd, client) => {
    const root = document.documentElement.style, px = (v) => (typeof v === "number" ? `${v}px` : str(v));
    if ("title" in spec) document.title = str(spec.title);
    if ("output_animation" in spec) env.outputAnimation = !!spec.output_animation;
    if ("auto_scroll_bottom" in spec) env.autoScrollBottom = !!spec.auto_scroll_bottom;
    if ("input_auto_focus" in spec) env.inputAutoFocus = !!spec.input_auto_focus;
    if ("output_max_width" in spec) root.setProperty("--webio-width", px(spec.output_max_width) || "880px");
    if ("input_panel_fixed" in spec) document.body.classList.toggle("webio-panel-fixed", !!spec.input_panel_fixed);
    if ("input_panel_min_height" in spec) root.setProperty("--webio-panel-min", px(spec.input_panel_min_height));
    if ("input_panel_init_height" in spec) root.setProperty("--webio-panel-max", px(spec.input_panel_init_height));
    if ("http_pull_interval" in spec) client.pullInterval = spec.http_pull_interval; // unused: GETs are held
  });
  handle("run_script", (spec, cmd, client) => enqueueScript(() => { runScript(spec, cmd.task_id, client); return null; }));
  handle("download", (spec) => download(spec.name, spec.content));
  handle("pin_values", (spec, cmd, client) => client.pins.values(spec, cmd.task_id));
  handle("pin_update", (spec, cmd, client) => client.pins.update(spec));
  handle("pin_wait", (spec, cmd, client) => client.pins.wait(spec, cmd.task_id));
  handle("pin_onchange", (spec, cmd, client) => client.pins.onchange(spec));
  handle("close_session", (spec, cmd, client) => client.close());
  handle("set_session_id", () => {}); // handled by the WebSocket transport

  /* ================================================================== 10. Client */
  class Client {
    constructor(config) {
      Object.assign(this, { app: config.app || "index", transportPref: config.transport, closed: false,
        maxMessageSize: Number(config.max_message_size) || 0, forms: new Forms() });
      this.pins = new Pins(this);
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
    /* Send a `callback` event from custom HTML: WebIO.pushData(data, callbackId). */
    pushData(data, callbackId) {
      if (!current) throw new Error("WebIO.pushData: the client has not started");
      current.send({ event: "callback", task_id: str(callbackId), data: toJSONValue(data) });
    },
    /* Test hook: drop the live WebSocket as a network failure would; {reconnectDelayMs} overrides the backoff. */
    _debugDropConnection(opts) {
      if (current && current.transport.dropConnection) current.transport.dropConnection(opts || {});
    },
    /* Test hook: which transport runs ("ws" or "http"). */
    _debugTransport() {
      return current && current.transport instanceof LongPollTransport ? "http" : "ws";
    },
  };
})();
