// The client between the command table and the transports: commands run one by one (a failing
// or unknown one is skipped), and uploads are refused before sending when too big or too late.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Client } from "../../src/wsgi_webio/static/client.js";
import { COMMANDS } from "../../src/wsgi_webio/static/commands.js";
import { recordingHooks } from "./fakes.mjs";

function quietConsole(t) { // the client logs what it skips; keep the lines for the asserts
  const lines = [];
  for (const level of ["warn", "error"]) t.mock.method(console, level, (...args) => lines.push(`${level}: ${args.join(" ")}`));
  return lines;
}

function clientWithTransport(config = {}) {
  const client = new Client({ app: "demo", ...config });
  client.transport = { sent: [], uploads: [], send(e) { this.sent.push(e); }, upload(b, h) { this.uploads.push([b, h]); } };
  return client;
}

test("an unknown command is skipped with a warning; the next one still runs", (t) => {
  const lines = quietConsole(t);
  const client = clientWithTransport();
  client.execute({ command: "no_such_command", spec: {} });
  client.execute(null);
  client.execute({ command: "pin_onchange", spec: { name: "x", callback_id: "cb" } });
  assert.deepEqual(client.pins.callbacks.get("x"), ["cb"]);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /unknown command no_such_command/);
});

test("a command that throws is logged and skipped", (t) => {
  const lines = quietConsole(t);
  const client = clientWithTransport();
  t.mock.method(COMMANDS, "pin_update", () => { throw new Error("boom"); });
  client.execute({ command: "pin_update", spec: {} });
  client.execute({ command: "pin_onchange", spec: { name: "y", callback_id: "cb2" } });
  assert.match(lines[0], /error while executing pin_update/);
  assert.deepEqual(client.pins.callbacks.get("y"), ["cb2"]);
});

test("an upload over the server's limit fails before anything is sent", () => {
  const client = clientWithTransport({ max_message_size: 100 });
  const hooks = recordingHooks();
  const file = Object.assign(new Blob(["x".repeat(200)]), { name: "big.bin", lastModified: 0 });
  client.upload({ event: "from_submit", task_id: "t", data: {} }, [{ inputName: "f", file }], hooks);
  assert.equal(client.transport.uploads.length, 0);
  assert.equal(hooks.log.length, 1);
  assert.match(hooks.log[0], /^fail .* is more than the server accepts \(100 bytes\)$/);
});

test("after the session ended an upload fails at once", () => {
  const client = clientWithTransport();
  client.closed = true;
  const hooks = recordingHooks();
  client.upload({ event: "from_submit", task_id: "t", data: {} }, [], hooks);
  assert.deepEqual(hooks.log, ["fail the session has ended"]);
  assert.equal(client.transport.uploads.length, 0);
});

test("upload hooks: no progress after done, a refusal may still follow done, nothing after a failure", () => {
  const client = clientWithTransport();
  const given = recordingHooks();
  client.upload({ event: "from_submit", task_id: "t", data: {} }, [], given);
  const [blob, hooks] = client.transport.uploads[0];
  assert.ok(blob instanceof Blob);
  hooks.progress(0.5);
  hooks.done();
  hooks.progress(0.9); // a late progress event
  hooks.done();
  hooks.fail("refused");
  hooks.fail("again");
  hooks.done();
  assert.deepEqual(given.log, ["progress 0", "progress 0.5", "done", "fail refused"]);
});
