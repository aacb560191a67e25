// The long-poll transport against fake fetch and XMLHttpRequest, with mock timers: batches
// executed once, event seq/ack, POST retry with backoff, refusals, resynchronisation,
// upload progress and failure, poll retry and the final ack.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BACKOFF_MIN } from "../../src/wsgi_webio/static/events.js";
import { LongPollTransport } from "../../src/wsgi_webio/static/transport-http.js";
import { LOCATION, fakeClient, fakeHttp, flush, recordingHooks, useFakeTimers } from "./fakes.mjs";

const isPost = (r) => r.method === "POST";
const isGet = (r) => r.method === "GET";
const params = (req) => Object.fromEntries(req.url.searchParams);
const names = (client) => client.executed.map((c) => c.command);

/* A transport whose session S1 is created (first poll answered); a held poll is outstanding. */
async function setup(t) {
  const clock = useFakeTimers(t);
  const http = fakeHttp(), client = fakeClient();
  const transport = new LongPollTransport(client, { fetch: http.fetch, XMLHttpRequest: http.XMLHttpRequest, location: LOCATION });
  t.after(() => transport.stop());
  transport.start();
  const first = await http.next(isGet);
  assert.equal(first.url.pathname, "/tools/");
  assert.deepEqual(params(first), { app: "index", ack: "-1" });
  assert.equal(first.headers["webio-session-id"], "NEW");
  first.reply(200, { commands: [], seq: 0, ack: -1 }, "S1");
  return { http, client, transport, clock };
}

test("executes each batch once, in order, and acknowledges it with the next poll", async (t) => {
  const { http, client } = await setup(t);
  let poll = await http.next(isGet);
  assert.deepEqual(params(poll), { app: "index", ack: "-1", wait: "1" });
  assert.equal(poll.headers["webio-session-id"], "S1");
  poll.reply(200, { commands: [[{ command: "c0" }], [{ command: "c1" }, { command: "c2" }]], seq: 0, ack: -1 });
  poll = await http.next(isGet);
  assert.equal(params(poll).ack, "1");
  poll.reply(200, { commands: [[{ command: "c1" }, { command: "c2" }], [{ command: "c3" }]], seq: 1, ack: -1 }); // batch 1 again
  poll = await http.next(isGet);
  assert.equal(params(poll).ack, "2");
  assert.deepEqual(names(client), ["c0", "c1", "c2", "c3"]);
});

test("a POST that fails is retried with the same numbering until the server confirms it", async (t) => {
  const { http, transport, clock } = await setup(t);
  transport.send({ event: "A" });
  let post = await http.next(isPost);
  assert.deepEqual(params(post), { app: "index", ack: "-1", seq: "0" });
  assert.deepEqual(JSON.parse(post.body), [{ event: "A" }]);
  transport.send({ event: "B" }); // one POST at a time: B waits
  post.fail();
  await flush();
  assert.equal(http.requests.filter(isPost).length, 0, "no retry before the backoff");
  clock.tick(BACKOFF_MIN);
  post = await http.next(isPost);
  assert.equal(params(post).seq, "0");
  assert.deepEqual(JSON.parse(post.body), [{ event: "A" }, { event: "B" }]);
  post.reply(200, { commands: [], ack: 1 });
  await flush();
  clock.tick(10 * BACKOFF_MIN);
  assert.equal(http.requests.filter(isPost).length, 0, "nothing left to send");
  transport.send({ event: "C" });
  post = await http.next(isPost);
  assert.equal(params(post).seq, "2");
});

test("a POST the server has not applied yet (server error) is sent again", async (t) => {
  const { http, transport, clock } = await setup(t);
  transport.send({ event: "A" });
  (await http.next(isPost)).reply(503, { error: "busy" });
  await flush();
  clock.tick(BACKOFF_MIN);
  const again = await http.next(isPost);
  assert.equal(params(again).seq, "0");
  assert.deepEqual(JSON.parse(again.body), [{ event: "A" }]);
});

test("events the server refuses are dropped, and the next ones are numbered after its ack", async (t) => {
  const { http, transport } = await setup(t);
  transport.send({ event: "bad" });
  (await http.next(isPost)).reply(400, { error: "malformed event", ack: 0 });
  await flush();
  transport.send({ event: "good" });
  const post = await http.next(isPost);
  assert.equal(params(post).seq, "1");
  assert.deepEqual(JSON.parse(post.body), [{ event: "good" }]);
});

test("out of step with the server (409), it renumbers from the server's ack and sends again", async (t) => {
  const { http, transport, clock } = await setup(t);
  transport.send({ event: "A" });
  (await http.next(isPost)).reply(409, { error: "seq gap", ack: 4 });
  await flush();
  clock.tick(BACKOFF_MIN);
  const post = await http.next(isPost);
  assert.equal(params(post).seq, "5");
  assert.deepEqual(JSON.parse(post.body), [{ event: "A" }]);
});

test("an upload reports progress and is done once the server confirms it", async (t) => {
  const { http, transport } = await setup(t);
  const hooks = recordingHooks(), blob = new Blob(["z".repeat(10)]);
  transport.upload(blob, hooks);
  const post = await http.next(isPost);
  assert.equal(post.body, blob);
  assert.equal(post.headers["content-type"], "application/octet-stream");
  assert.equal(post.headers["webio-session-id"], "S1");
  post.progress(5, 10);
  post.reply(200, { commands: [], ack: 0 });
  await flush();
  assert.deepEqual(hooks.log, ["progress 0.5", "done"]);
});

test("an interrupted upload is sent again; a refused one fails and is not", async (t) => {
  const { http, transport, clock } = await setup(t);
  const hooks = recordingHooks();
  transport.upload(new Blob(["z".repeat(10)]), hooks);
  (await http.next(isPost)).fail(); // the connection dropped mid-upload
  await flush();
  assert.deepEqual(hooks.log, []);
  clock.tick(BACKOFF_MIN);
  (await http.next(isPost)).reply(413, { error: "request body too large", ack: -1 });
  await flush();
  assert.deepEqual(hooks.log, ["fail the upload is larger than the server accepts"]);
  transport.send({ event: "next" }); // numbered as the refused upload was: the server never read it
  const post = await http.next(isPost);
  assert.equal(params(post).seq, "0");
});

test("a failed poll is retried after a backoff; a refused one ends the page's session", async (t) => {
  const { http, client, clock } = await setup(t);
  (await http.next(isGet)).fail();
  await flush();
  assert.ok(client.statuses.includes("warn:reconnecting\u2026"));
  clock.tick(BACKOFF_MIN);
  const poll = await http.next(isGet);
  poll.reply(404, { error: "unknown session" });
  await flush();
  assert.match(client.closedWith, /Disconnected.*unknown session/);
});

test("stop acknowledges what was executed, so the server can forget the session at once", async (t) => {
  const { http, transport } = await setup(t);
  (await http.next(isGet)).reply(200, { commands: [[{ command: "close_session" }]], seq: 0, ack: -1 });
  await http.next(isGet); // the next held poll
  transport.stop();
  const last = await http.next(isGet);
  assert.equal(params(last).ack, "0");
  assert.equal(last.keepalive, true);
  transport.send({ event: "late" });
  await flush();
  assert.equal(http.requests.length, 0);
});
