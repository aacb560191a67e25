// The WebSocket transport against a fake WebSocket, with mock timers: seq/ack, redelivery,
// re-sending unconfirmed events, reconnect with backoff, fallback, refusals and uploads.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BACKOFF_MAX, BACKOFF_MIN } from "../../src/wsgi_webio/static/events.js";
import { ACK_DELAY_MS, UPLOAD_POLL_MS, WebSocketTransport } from "../../src/wsgi_webio/static/transport-ws.js";
import { LOCATION, fakeClient, fakeWebSocketClass, recordingHooks, useFakeTimers } from "./fakes.mjs";

function setup(t, clientOptions) {
  const clock = useFakeTimers(t);
  const WS = fakeWebSocketClass(), client = fakeClient(clientOptions);
  const transport = new WebSocketTransport(client, { WebSocket: WS, location: LOCATION });
  t.after(() => transport.stop());
  transport.start();
  return { WS, client, transport, clock, ws: WS.latest() };
}

const names = (client) => client.executed.map((c) => c.command);

test("opens a new session at the page's URL and executes commands in order", (t) => {
  const { client, ws } = setup(t);
  assert.equal(ws.url.href, "ws://app.test/tools/?app=index&session=NEW&ack=-1");
  ws.hello("S1", 0, -1);
  ws.message({ command: "c0" });
  ws.message([{ command: "c1" }, { command: "c2" }]); // a batch (?batch=1)
  assert.deepEqual(names(client), ["c0", "c1", "c2"]);
  assert.deepEqual(client.statuses, [""]);
});

test("acknowledges executed commands once per burst, after a short delay", (t) => {
  const { ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  ws.message({ command: "c0" });
  ws.message({ command: "c1" });
  assert.deepEqual(ws.json(), []);
  clock.tick(ACK_DELAY_MS);
  assert.deepEqual(ws.json(), [{ ack: 1 }]);
  clock.tick(10 * ACK_DELAY_MS);
  assert.deepEqual(ws.json(), [{ ack: 1 }]); // nothing new, no new ack
  ws.message({ command: "c2" });
  clock.tick(ACK_DELAY_MS);
  assert.deepEqual(ws.json(), [{ ack: 1 }, { ack: 2 }]);
});

test("after a drop it resumes the session and skips commands it already executed", (t) => {
  const { WS, client, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  for (const c of ["c0", "c1", "c2"]) ws.message({ command: c });
  ws.drop(1006); // before any ack
  assert.ok(client.statuses.includes("warn:reconnecting\u2026"));
  clock.tick(BACKOFF_MIN);
  assert.equal(WS.instances.length, 2);
  const ws2 = WS.latest();
  assert.equal(ws2.url.search, "?app=index&session=S1&ack=2");
  ws2.hello("S1", 1, -1); // the server re-sends from command 1
  for (const c of ["c1", "c2", "c3"]) ws2.message({ command: c });
  assert.deepEqual(names(client), ["c0", "c1", "c2", "c3"]);
  assert.equal(client.statuses[client.statuses.length - 1], "");
});

test("events the server has not confirmed are sent again, in order, after reconnecting", (t) => {
  const { WS, transport, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  transport.send({ event: "A" });
  assert.deepEqual(ws.json(), [{ seq: 0, events: [{ event: "A" }] }]);
  ws.drop();
  transport.send({ event: "B" }); // queued while down
  clock.tick(BACKOFF_MIN);
  const ws2 = WS.latest();
  ws2.hello("S1", 0, -1); // the server applied none
  assert.deepEqual(ws2.json(), [{ seq: 0, events: [{ event: "A" }, { event: "B" }] }]);
  ws2.drop();
  clock.tick(BACKOFF_MIN);
  const ws3 = WS.latest();
  ws3.hello("S1", 0, 0); // the server applied A
  assert.deepEqual(ws3.json(), [{ seq: 1, events: [{ event: "B" }] }]);
  ws3.drop();
  clock.tick(BACKOFF_MIN);
  const ws4 = WS.latest();
  ws4.hello("S1", 0, 1); // and B: nothing to send
  assert.deepEqual(ws4.json(), []);
});

test("retries with a growing delay while the server cannot be reached, up to a cap", (t) => {
  const { WS, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  ws.drop();
  const gaps = [];
  let last = WS.instances.length;
  for (let attempt = 0; attempt < 8; attempt++) {
    let waited = 0;
    while (WS.instances.length === last && waited < 10 * BACKOFF_MAX) { clock.tick(BACKOFF_MIN / 5); waited += BACKOFF_MIN / 5; }
    assert.equal(WS.instances.length, last + 1, "it reconnects");
    last = WS.instances.length;
    gaps.push(waited);
    WS.latest().drop(); // fails before the hello
  }
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] >= gaps[i - 1], `delays grow: ${gaps}`);
  assert.ok(gaps[gaps.length - 1] <= BACKOFF_MAX, `delays are capped: ${gaps}`);
  assert.ok(gaps[gaps.length - 1] > gaps[0], `delays grow: ${gaps}`);
});

test("a WebSocket that never says hello makes a new session fall back to long-polling", (t) => {
  const { client, ws } = setup(t);
  ws.drop(1006);
  assert.equal(client.fellBack, true);
});

test("with ?_webio_transport=ws it keeps trying the WebSocket instead", (t) => {
  const { WS, client, ws, clock } = setup(t, { transportPref: "ws" });
  ws.drop(1006);
  assert.equal(client.fellBack, false);
  clock.tick(BACKOFF_MIN);
  assert.equal(WS.instances.length, 2);
});

test("a connection that does not open in time is given up and retried", (t) => {
  const { WS, ws, clock } = setup(t, { transportPref: "ws" });
  clock.tick(6000);
  assert.equal(ws.closedWith, 1000);
  clock.tick(BACKOFF_MIN);
  assert.equal(WS.instances.length, 2);
});

test("a session the server refuses to resume ends the page's session, without retrying", (t) => {
  const { WS, client, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  ws.drop();
  clock.tick(BACKOFF_MIN);
  WS.latest().drop(1008, "unknown session");
  assert.match(client.closedWith, /Disconnected.*unknown session/);
  clock.tick(10 * BACKOFF_MAX);
  assert.equal(WS.instances.length, 2);
});

test("an upload reports progress as its bytes leave, then done", (t) => {
  const { transport, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  const hooks = recordingHooks(), blob = new Blob(["x".repeat(100)]);
  ws.bufferedAmount = 100; // nothing has left yet
  transport.upload(blob, hooks);
  assert.equal(ws.blobs().length, 1);
  ws.bufferedAmount = 50;
  clock.tick(UPLOAD_POLL_MS);
  ws.bufferedAmount = 0;
  clock.tick(UPLOAD_POLL_MS);
  assert.deepEqual(hooks.log, ["progress 0", "progress 0.5", "progress 1", "done"]);
});

test("an upload the server refuses as too big fails; the events sent with it are kept", (t) => {
  const { WS, transport, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  transport.send({ event: "A" });
  const hooks = recordingHooks();
  transport.upload(new Blob(["x".repeat(1000)]), hooks); // its bytes all left at once
  assert.deepEqual(hooks.log.slice(-1), ["done"]);
  ws.drop(1009, "message too big");
  assert.deepEqual(hooks.log.slice(-1), ["fail the upload is larger than the server accepts"]);
  clock.tick(BACKOFF_MIN);
  WS.latest().hello("S1", 0, -1);
  assert.deepEqual(WS.latest().json(), [{ seq: 0, events: [{ event: "A" }] }]); // A is not blamed
  assert.equal(WS.latest().blobs().length, 0); // the refused upload is never sent again
});

test("an upload whose bytes had not all left is sent again after reconnecting, in its place", (t) => {
  const { WS, transport, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  transport.send({ event: "A" });
  const hooks = recordingHooks(), blob = new Blob(["y".repeat(100)]);
  ws.bufferedAmount = 100;
  transport.upload(blob, hooks);
  transport.send({ event: "B" });
  ws.drop(1006);
  clock.tick(BACKOFF_MIN);
  const ws2 = WS.latest();
  ws2.hello("S1", 0, -1);
  const order = ws2.sent.map((d) => (typeof d === "string" ? JSON.parse(d) : "upload"));
  assert.deepEqual(order, [{ seq: 0, events: [{ event: "A" }] }, "upload", { seq: 1, events: [{ event: "B" }] }]);
  assert.equal(ws2.blobs()[0], blob);
  clock.tick(UPLOAD_POLL_MS);
  assert.deepEqual(hooks.log.slice(-1), ["done"]);
  assert.ok(!hooks.log.some((entry) => entry.startsWith("fail")));
});

test("after stop nothing is sent and no reconnect is tried", (t) => {
  const { WS, transport, ws, clock } = setup(t);
  ws.hello("S1", 0, -1);
  transport.stop();
  assert.equal(ws.closedWith, 1000);
  transport.send({ event: "A" });
  clock.tick(10 * BACKOFF_MAX);
  assert.deepEqual(ws.json(), []);
  assert.equal(WS.instances.length, 1);
});
