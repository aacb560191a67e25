// Fakes for the transports' unit tests: a WebSocket class, fetch, XMLHttpRequest and the
// client the transports talk to. Each test makes its own (no state shared between tests).
// Nothing here waits on wall-clock time: tests drive time with node:test's mock timers and
// wait for the next request with promises.

export const flush = () => new Promise((resolve) => setImmediate(resolve)); // let pending promises run

export function fakeClient(overrides = {}) {
  return Object.assign({
    app: "index", transportPref: undefined, executed: [], statuses: [], closedWith: undefined, fellBack: false,
    execute(cmd) { this.executed.push(cmd); },
    status(text, kind) { this.statuses.push(kind ? `${kind}:${text}` : text); },
    log() {},
    close(message) { this.closedWith = message === undefined ? "" : message; },
    fallback() { this.fellBack = true; },
  }, overrides);
}

export const LOCATION = { protocol: "http:", host: "app.test", pathname: "/tools/", search: "" };

/* A WebSocket class whose instances the test plays the server side of. */
export function fakeWebSocketClass() {
  class FakeWebSocket {
    constructor(url) {
      Object.assign(this, { url: new URL(url), sent: [], readyState: 0, bufferedAmount: 0, closedWith: null,
        onopen: null, onmessage: null, onclose: null });
      FakeWebSocket.instances.push(this);
    }
    send(data) { this.sent.push(data); }
    close(code) { this.readyState = 3; this.closedWith = code; }
    // the server's side
    open() { this.readyState = 1; if (this.onopen) this.onopen(); }
    hello(sid, seq, ack) { this.open(); this.message({ command: "set_session_id", spec: sid, seq, ack }); }
    message(obj) { if (this.onmessage) this.onmessage({ data: JSON.stringify(obj) }); }
    drop(code = 1006, reason = "") { this.readyState = 3; if (this.onclose) this.onclose({ code, reason }); }
    json() { return this.sent.filter((d) => typeof d === "string").map((d) => JSON.parse(d)); }
    blobs() { return this.sent.filter((d) => typeof d !== "string"); }
  }
  FakeWebSocket.instances = [];
  FakeWebSocket.latest = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  return FakeWebSocket;
}

/* fetch and XMLHttpRequest against a fake server: every request waits until the test answers it. */
export function fakeHttp() {
  const requests = [], waiting = [];
  const arrive = (req) => {
    const i = waiting.findIndex((w) => w.match(req));
    if (i >= 0) waiting.splice(i, 1)[0].resolve(req); else requests.push(req);
  };
  const http = {
    requests,
    /* The next request matching `match` (already made, or the next one made). */
    next(match = () => true) {
      const i = requests.findIndex(match);
      if (i >= 0) return Promise.resolve(requests.splice(i, 1)[0]);
      return new Promise((resolve) => waiting.push({ match, resolve }));
    },
    fetch(url, opts = {}) {
      return new Promise((resolve, reject) => {
        arrive({
          url: new URL(url, "http://app.test"), method: opts.method || "GET", headers: opts.headers || {},
          body: opts.body, keepalive: !!opts.keepalive, fail: () => reject(new TypeError("network error")),
          reply(status, data, sid) {
            resolve({ status, text: async () => (typeof data === "string" ? data : JSON.stringify(data)),
              headers: { get: (name) => (name === "webio-session-id" ? sid || null : null) } });
          },
        });
      });
    },
  };
  http.XMLHttpRequest = class {
    constructor() { this.headers = {}; this.upload = {}; }
    open(method, url) { Object.assign(this, { method, url: new URL(url, "http://app.test") }); }
    setRequestHeader(name, value) { this.headers[name] = value; }
    getResponseHeader(name) { return name === "webio-session-id" ? this.sid || null : null; }
    send(body) {
      const xhr = this;
      arrive({ url: xhr.url, method: xhr.method, headers: xhr.headers, body, xhr,
        progress(loaded, total) { xhr.upload.onprogress({ lengthComputable: true, loaded, total }); },
        fail() { xhr.onerror(); },
        reply(status, data, sid) {
          Object.assign(xhr, { status, responseText: JSON.stringify(data), sid });
          xhr.onload();
        } });
    }
  };
  return http;
}

/* Upload hooks that record what they hear. */
export function recordingHooks() {
  const log = [];
  return { log, progress: (f) => log.push(`progress ${f}`), done: () => log.push("done"), fail: (why) => log.push(`fail ${why}`) };
}

/* A fake clock for test `t`: replaces the global setTimeout/setInterval (and their clear
 * functions) until the test ends; `tick(ms)` runs what falls due, in time order, timers set
 * meanwhile included. (Not node:test's mock.timers: it is experimental, and Debian
 * bookworm's Node 18 loses every timer after a second clearTimeout of the same id.) */
export function useFakeTimers(t) {
  const saved = { setTimeout, clearTimeout, setInterval, clearInterval };
  const timers = new Map();
  let now = 0, nextId = 1;
  const add = (fn, ms, every, args) => {
    const delay = Math.max(0, Number(ms) || 0);
    timers.set(nextId, { at: now + delay, every: every ? Math.max(1, delay) : 0, fn, args });
    return nextId++;
  };
  globalThis.setTimeout = (fn, ms, ...args) => add(fn, ms, false, args);
  globalThis.setInterval = (fn, ms, ...args) => add(fn, ms, true, args);
  globalThis.clearTimeout = globalThis.clearInterval = (id) => { timers.delete(id); };
  t.after(() => Object.assign(globalThis, saved));
  return {
    now: () => now,
    tick(ms) {
      const end = now + ms;
      for (let fired = 0; fired < 100000; fired++) {
        let next = null;
        for (const [id, timer] of timers) if (timer.at <= end && (!next || timer.at < next[1].at)) next = [id, timer];
        if (!next) break;
        const [id, timer] = next;
        now = timer.at;
        if (timer.every) timer.at += timer.every; else timers.delete(id);
        timer.fn(...timer.args);
      }
      now = end;
    },
  };
}
