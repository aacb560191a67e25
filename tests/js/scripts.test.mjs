// The source of the scripts run_script runs in (no eval, no new Function: the page's CSP has no
// 'unsafe-eval'), and the widget templates: both pure.
import assert from "node:assert/strict";
import { test } from "node:test";

import { scriptSource } from "../../src/wsgi_webio/static/scripts.js";
import { parseTemplate, renderTemplate } from "../../src/wsgi_webio/static/templates.js";

function run(code, args, expression) { // what the nonce-carrying script would hand back
  const names = Object.keys(args);
  const holder = {};
  // eslint-disable-next-line no-new-func -- the test stands in for the browser running the script
  new Function("document", scriptSource(code, names, expression))({ currentScript: holder });
  return holder.webioBody(...names.map((n) => args[n]));
}

test("run_js code runs as a function body with its args bound as variables", () => {
  assert.equal(run("return a + b", { a: 2, b: 3 }, false), 5);
  assert.equal(run("var x = n * 2;", { n: 4 }, false), undefined);
});

test("eval_js returns the expression's value; trailing semicolons and comments are fine", () => {
  assert.equal(run("a + b", { a: 2, b: 3 }, true), 5);
  assert.equal(run("n * 2;;  \n", { n: 21 }, true), 42);
  assert.equal(run("n // a comment", { n: 7 }, true), 7);
  assert.deepEqual(run("({ok: [1, 'two']})", {}, true), { ok: [1, "two"] });
});

test("widget templates escape data and repeat sections", () => {
  const embeds = [];
  const html = renderTemplate(parseTemplate("{{#rows}}<b>{{name}}</b>{{/rows}}{{^none}}-{{/none}}{{& out}}"),
    [{ rows: [{ name: "<i>" }, { name: "x" }], out: { type: "text" } }], embeds);
  assert.equal(html, '<b>&#60;i&#62;</b><b>x</b>-<template data-webio-embed="0"></template>');
  assert.deepEqual(embeds, [{ type: "text" }]);
  assert.throws(() => parseTemplate("{{#a}}x"), /unclosed/);
});
