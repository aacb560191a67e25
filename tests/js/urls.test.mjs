// The URL policy (safeUrl), the client half of core/urls.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { safeUrl } from "../../src/wsgi_webio/static/urls.js";

const BASE = "https://app.test/tools/?app=index";

function quietly(fn) { // safeUrl warns on the console for every refusal
  const warn = console.warn;
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(" "));
  try { return [fn(), warnings]; } finally { console.warn = warn; }
}

test("links keep http(s), mailto, tel, ftp and relative URLs", () => {
  for (const url of ["https://example.com/a?b#c", "http://x", "mailto:a@b.c", "tel:+123", "ftp://f/x", "?app=other",
    "/root", "page.html", "#frag"]) {
    assert.equal(safeUrl(url, "link", BASE), url);
  }
});

test("script URLs are refused however they are spelt, with a warning", () => {
  for (const url of ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:x",
    "\x01javascript:x", "vbscript:msgbox(1)", "data:text/html,<script>x</script>"]) {
    const [result, warnings] = quietly(() => safeUrl(url, "link", BASE));
    assert.equal(result, "", JSON.stringify(url));
    assert.equal(warnings.length, 1);
  }
});

test("images take http(s) and data:image URLs only", () => {
  assert.equal(safeUrl("https://x/y.png", "image", BASE), "https://x/y.png");
  assert.equal(safeUrl("data:image/png;base64,AAAA", "image", BASE), "data:image/png;base64,AAAA");
  for (const url of ["data:text/html,x", "javascript:x", "mailto:a@b", "data:image/svg+xml"]) {
    assert.equal(quietly(() => safeUrl(url, "image", BASE))[0], "", url);
  }
  assert.equal(safeUrl("", "image", BASE), "");
  assert.equal(safeUrl(null, "link", BASE), "");
});
