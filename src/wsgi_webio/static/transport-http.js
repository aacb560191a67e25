/* The HTTP long-poll transport: one held GET at a time for commands (numbered batches, acked by
 * the next request), one POST at a time for events (numbered by seq, retried with backoff until
 * confirmed), uploads as binary POSTs with progress (XHR), and the final ack when stopped.
 * Hands every command to client.execute and reports status through client.status; fetch,
 * XMLHttpRequest and location are injected (`io`), so it runs in Node against fakes. Must not
 * render anything. */
import { BACKOFF_MIN, EventQueue, nextBackoff, sleep } from "./events.js";
import { DISCONNECTED, RECONNECTING } from "./util.js";

export class LongPollTransport {
  /* io: {fetch, XMLHttpRequest, location} (the browser's by default). */
  constructor(client, io = {}) {
    this.fetch = io.fetch || globalThis.fetch.bind(globalThis);
    this.XMLHttpRequest = io.XMLHttpRequest || globalThis.XMLHttpRequest;
    this.location = io.location || globalThis.location;
    // Queue items are {event} or {upload: {blob, hooks}}; an upload is numbered like any event.
    const settle = (item, error) => {
      if (!item.upload) return;
      if (error) item.upload.hooks.fail(error); else item.upload.hooks.done();
    };
    Object.assign(this, { client, sid: "NEW", lastBatch: -1, events: new EventQueue(settle), posting: false,
      postBackoff: BACKOFF_MIN, stopped: false });
  }
  url(params) { return `${this.location.pathname}?${new URLSearchParams(Object.assign({ app: this.client.app }, params))}`; }
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
    const r = await this.fetch(this.url(params), { method, headers, body, cache: "no-store" });
    return this.reply(r.status, await r.text(), r.headers.get("webio-session-id"));
  }
  postUpload(params, upload) { // XHR, for its upload progress events
    return new Promise((resolve, reject) => {
      const xhr = new this.XMLHttpRequest();
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
        this.client.status("");
        this.handleReply(data);
        this.flush();
      } catch (e) {
        if (this.stopped) return;
        this.client.log("poll failed", e);
        this.client.status(RECONNECTING, "warn");
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
        this.client.log("<<< batch", id, batch);
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
      this.client.log("ack failed; the next poll carries it", e);
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
      this.client.log("POST failed, will retry", e);
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
      this.fetch(this.url({ ack }), { headers: { "webio-session-id": this.sid }, cache: "no-store", keepalive: true })
        .catch(() => {});
    }
  }
}
