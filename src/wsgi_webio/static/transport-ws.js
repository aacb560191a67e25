/* The WebSocket transport: one connection at a time to the app's own URL, the hello
 * (set_session_id) and resume after a drop, seq/ack of commands and events, binary upload frames
 * and their progress, backoff between attempts. Hands every command to client.execute and
 * reports status through client.status; the WebSocket class and location are injected (`io`),
 * so it runs in Node against a fake. Must not render anything. */
import { BACKOFF_MIN, EventQueue, byteLength, nextBackoff } from "./events.js";
import { DISCONNECTED, RECONNECTING } from "./util.js";

export const ACK_DELAY_MS = 50, WS_OPEN_TIMEOUT_MS = 6000, UPLOAD_POLL_MS = 100;
export const REFUSED = new Set([1003, 1007, 1008, 1009]); // close codes: the server refused what we sent
const TOO_BIG = 1009, OPEN = 1; // WebSocket.OPEN

export class WebSocketTransport {
  /* io: {WebSocket, location} (the browser's by default). */
  constructor(client, io = {}) {
    this.WebSocket = io.WebSocket || globalThis.WebSocket;
    this.location = io.location || globalThis.location;
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
      const { protocol, host, pathname } = this.location;
      ws = new this.WebSocket(`${protocol === "https:" ? "wss" : "ws"}://${host}${pathname}?${q}`);
    } catch (e) { this.lost({ hello: false }, null); return; }
    // seq: of the next command frame; acked: last ack sent on it; sentUpTo: last event sent on it;
    // bytes: everything queued on it (for upload progress, against ws.bufferedAmount)
    const conn = this.conn = { ws, opened: false, hello: false, seq: 0, acked: -1, sentUpTo: -1, bytes: 0 };
    const timer = setTimeout(() => { if (!conn.opened) this.drop(conn, null); }, WS_OPEN_TIMEOUT_MS);
    ws.onopen = () => { conn.opened = true; clearTimeout(timer); };
    ws.onmessage = (m) => this.onFrame(conn, m.data);
    ws.onclose = (ev) => { clearTimeout(timer); if (this.conn === conn) this.lost(conn, ev); };
  }
  live(conn) { return !!conn && conn.hello && conn.ws.readyState === OPEN; }
  detach(conn) {
    conn.ws.onopen = conn.ws.onmessage = conn.ws.onclose = null;
    try { conn.ws.close(1000); } catch (e) { /* already closed */ }
  }
  drop(conn, ev, delay) { this.detach(conn); if (this.conn === conn) this.lost(conn, ev, delay); }
  lost(conn, ev, delay) {
    this.conn = null;
    if (this.stopped) return;
    const code = ev ? ev.code : 1006, reason = (ev && ev.reason) || "";
    this.client.log("WebSocket closed", code, reason);
    if (!conn.hello && this.sid === null && this.client.transportPref !== "ws") return this.client.fallback();
    if (!conn.hello && this.sid !== null && REFUSED.has(code)) {
      return this.client.close(`${DISCONNECTED} (${reason || code})`); // e.g. cannot resume
    }
    const blamed = this.uploadsLost(conn, code, reason);
    if (conn.hello && REFUSED.has(code) && !blamed) {
      console.error("webio: the server refused a message:", code, reason);
      this.refused = conn;
    }
    this.client.status(RECONNECTING, "warn");
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
    this.client.log("<<<", msg);
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
    this.client.status("");
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
    const size = typeof data === "string" ? byteLength(data) : data.size;
    conn.bytes += size;
    if (!conn.biggest || size > conn.biggest.size) conn.biggest = { size, up: up || null };
  }
  sendEvents(conn, seq, events) {
    this.client.log(">>>", seq, events);
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
    this.client.log(">>> upload of", up.blob.size, "bytes");
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
