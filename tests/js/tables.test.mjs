// The exported tables, and tests/js/list_handlers.mjs that prints them for the Python side.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import { COMMANDS } from "../../src/wsgi_webio/static/commands.js";
import { CONTROLS } from "../../src/wsgi_webio/static/controls.js";
import { OUTPUTS } from "../../src/wsgi_webio/static/outputs.js";

test("list_handlers.mjs prints the command and output tables as sorted JSON", () => {
  const script = fileURLToPath(new URL("./list_handlers.mjs", import.meta.url));
  const printed = JSON.parse(execFileSync(process.execPath, [script], { encoding: "utf8", timeout: 20000 }));
  assert.deepEqual(Object.keys(printed), ["commands", "outputs"]);
  assert.deepEqual(printed.commands, Object.keys(COMMANDS).sort());
  assert.deepEqual(printed.outputs, Object.keys(OUTPUTS).sort());
});

test("the tables hold the documented names, each a function", () => {
  for (const name of ["output", "output_ctl", "input_group", "update_input", "destroy_form", "popup", "toast",
    "run_script", "pin_values", "pin_wait", "close_session", "set_env", "download"]) {
    assert.equal(typeof COMMANDS[name], "function", name);
  }
  for (const type of ["text", "markdown", "html", "table", "buttons", "image", "link", "scope", "widget", "pin"]) {
    assert.equal(typeof OUTPUTS[type], "function", type);
  }
  for (const type of ["text", "number", "float", "password", "textarea", "select", "checkbox", "radio", "slider",
    "actions", "file"]) {
    assert.equal(typeof CONTROLS[type], "function", type);
  }
});

test("every module of the client imports in Node: nothing touches the DOM at import time", async () => {
  const folder = new URL("../../src/wsgi_webio/static/", import.meta.url);
  const modules = readdirSync(folder).filter((name) => name.endsWith(".js"));
  assert.ok(modules.includes("webio.js") && modules.length > 10, String(modules));
  for (const name of modules) await import(new URL(name, folder).href);
  assert.equal(globalThis.WebIO, undefined, "webio.js starts a client only in a page");
});
