// The seq/ack event queue and the binary upload format shared by both transports.
import assert from "node:assert/strict";
import { test } from "node:test";

import { EventQueue, buildUpload, nextBackoff, BACKOFF_MAX } from "../../src/wsgi_webio/static/events.js";

test("events are numbered from 0 and leave the queue when the server confirms them", () => {
  const settled = [];
  const q = new EventQueue((item, error) => settled.push([item, error]));
  assert.equal(q.push("a"), 0);
  assert.equal(q.push("b"), 1);
  assert.equal(q.push("c"), 2);
  q.confirm(-1);
  assert.deepEqual(q.items, ["a", "b", "c"]);
  q.confirm(1);
  assert.deepEqual([q.base, q.items], [2, ["c"]]);
  q.confirm(1); // a repeated ack changes nothing
  q.confirm(99); // nor does one past the end but dropping what is there
  assert.deepEqual([q.base, q.items, q.last], [3, [], 2]);
  assert.deepEqual(settled, [["a", null], ["b", null], ["c", null]]);
});

test("refused events fail with the reason, and the rest are renumbered after the server's ack", () => {
  const settled = [];
  const q = new EventQueue((item, error) => settled.push([item, error]));
  for (const e of ["a", "b", "c"]) q.push(e);
  q.refuse(1, 5, "bad");
  assert.deepEqual(settled, [["a", "bad"], ["b", "bad"]]);
  assert.deepEqual([q.base, q.items, q.last], [6, ["c"], 6]);
  q.refuse(6, undefined); // no ack given: numbering goes on
  assert.deepEqual(settled[2], ["c", "refused by the server"]);
  assert.equal(q.base, 7);
});

test("the backoff doubles up to its cap", () => {
  let ms = 250;
  for (let i = 0; i < 20; i++) ms = nextBackoff(ms);
  assert.equal(ms, BACKOFF_MAX);
});

test("an upload is PyWebIO's binary event: length-prefixed event JSON, then header and bytes per file", async () => {
  // A browser File is a Blob with a name and lastModified (Node 18 has no File).
  const file = Object.assign(new Blob(["hello"], { type: "text/plain" }), { name: "a.txt", lastModified: 1500 });
  const blob = buildUpload({ event: "from_submit", task_id: "t", data: { f: null } }, [{ inputName: "f", file }]);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const segments = [];
  for (let at = 0; at < bytes.length;) {
    const size = Number(new DataView(bytes.buffer, at, 8).getBigUint64(0));
    segments.push(new TextDecoder().decode(bytes.slice(at + 8, at + 8 + size)));
    at += 8 + size;
  }
  assert.equal(segments.length, 3);
  assert.deepEqual(JSON.parse(segments[0]), { event: "from_submit", task_id: "t", data: { f: null } });
  assert.deepEqual(JSON.parse(segments[1]), { filename: "a.txt", size: 5, mime_type: "text/plain",
    last_modified: 1.5, input_name: "f" });
  assert.equal(segments[2], "hello");
});
