/* The session's seq/ack state shared by both transports: the queue of client events kept
 * until the server confirms them, the retry backoff, and PyWebIO's binary event format for
 * uploads. Pure (no DOM, no network), so it is unit tested in Node. */

export const BACKOFF_MIN = 250, BACKOFF_MAX = 5000;
export const nextBackoff = (ms) => Math.min(ms * 2, BACKOFF_MAX);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const utf8 = new TextEncoder();
export const byteLength = (text) => utf8.encode(text).length;

/* Client events, numbered from 0 per session, kept until the server confirms them.
 * `settle(item, error)` hears of each item leaving the queue (error: why it was refused). */
export class EventQueue {
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
export function buildUpload(event, files) {
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

