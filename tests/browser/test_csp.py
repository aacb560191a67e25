"""The page's Content-Security-Policy in Chromium: the client works under it (every other
browser test fails on any violation, see conftest.py), the app's own scripts run
(put_html ``<script>``s and run_js, tests/browser/test_pins_overlays.py), and what it
forbids is forbidden: inline event handlers, javascript: URLs, scripts without the
page's nonce, and framing by another site."""

from __future__ import annotations

import re
from typing import Any

import pytest


def test_page_headers(page: Any, server: Any) -> None:
    response = page.goto(server.url("overlays", "ws"))
    headers = response.headers
    csp = headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src.group(1) and "'unsafe-eval'" not in script_src.group(1)
    assert re.search(r"'nonce-[\w-]+'", script_src.group(1))
    assert "frame-ancestors 'self'" in csp
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    again = page.goto(server.url("overlays", "ws")).headers["content-security-policy"]
    assert again != csp, "the nonce must be new on every page"


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_injected_script_never_runs(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    console.expect_csp_violations()
    page.goto(server.url("overlays", transport))
    expect(page.get_by_text("overlays ready", exact=True)).to_be_visible()
    # What an HTML injection would add: an inline handler, a script URL. (Not a <script>: one
    # added through Playwright's evaluate runs whatever the CSP says, as DevTools code does.)
    page.evaluate("""() => {
        const box = document.createElement("div");
        box.innerHTML = '<img id="inj" alt="" src="data:," onerror="window.__pwned = 1">'
            + '<a id="jsurl" href="javascript:window.__pwned = 2">x</a>';
        document.body.append(box);
    }""")
    page.locator("#jsurl").click()
    # Both are refused and reported.
    page.wait_for_function("() => (window.__cspViolations || []).length >= 2")
    directives = sorted(v.split()[0] for v in page.evaluate("window.__cspViolations"))
    assert directives == ["script-src-attr", "script-src-elem"], directives
    assert page.evaluate("window.__pwned === undefined"), "an injected script ran"
    # The client still works: its own scripts carry the nonce.
    page.get_by_role("button", name="Push").click()
    expect(page.get_by_text('pushed: {"from": "html"}', exact=True)).to_be_visible()
    assert page.evaluate("window.__pwned === undefined")


@pytest.mark.parametrize("framer", ["http://framer.invalid/", "same-origin"])
def test_only_the_app_itself_may_frame_it(page: Any, server: Any, console: Any, framer: str) -> None:
    console.expect_csp_violations()  # Chromium reports the refused frame-ancestors
    app_url = server.url("overlays", "ws")
    url = f"http://127.0.0.1:{server.port}/framer-test" if framer == "same-origin" else framer
    page.route(url, lambda route: route.fulfill(
        content_type="text/html", body=f'<iframe id="f" src="{app_url}"></iframe>'))
    page.goto(url)  # its load event waits for the frame, shown or refused
    shown = page.frame_locator("#f").locator("#pywebio-scope-ROOT").count()
    assert shown == (1 if framer == "same-origin" else 0)


def test_eval_code_runs_without_eval(page: Any, server: Any, console: Any, expect: Any) -> None:
    """run_script's cases in Chromium, straight through the client's Scripts (the overlays
    test runs them through the server, which is what proves the nonce: code Playwright
    evaluates is exempt from the CSP)."""
    page.goto(server.url("overlays", "ws"))
    expect(page.get_by_text("overlays ready", exact=True)).to_be_visible()
    answers = page.evaluate("""async () => {
        const { Scripts } = await import("/_webio/static/scripts.js");
        const nonce = JSON.parse(document.getElementById("webio-config").textContent).nonce;
        const scripts = new Scripts(nonce), sent = {};
        const client = { send: (event) => { sent[event.task_id] = event.data; } };
        const cases = [["a + b;", { a: 2, b: 3 }], ["var x = n * 2; return x", { n: 21 }],
                       ["({ ok: 1 }) // a comment", {}], ["this === window", {}], ["}{", {}]];
        cases.forEach(([code, args], i) => scripts.runNow({ code, args, eval: true }, String(i), client));
        for (let i = 0; i < 100 && Object.keys(sent).length < cases.length; i++) await Promise.resolve();
        return cases.map((c, i) => sent[i]);
    }""")
    assert answers == [5, 42, {"ok": 1}, True, None]
    assert console.errors == []  # the syntax error is a warning of the client's, not an uncaught error
    assert any("eval_js code threw" in w for w in console.warnings)


def test_config_decorator_sets_the_page_under_the_csp(page: Any, server: Any, console: Any, expect: Any) -> None:
    """PyWebIO's @config: title, description, the app's CSS and JS code, all under the CSP
    (the code carries the page's nonce; no violation is reported)."""
    page.goto(server.url("configured", "ws"))
    expect(page.get_by_text("configured ready", exact=True)).to_be_visible()
    assert page.title() == "Configured app"
    assert page.locator('meta[name="description"]').get_attribute("content") == "An app with config()"
    expect(page.locator("#pywebio-scope-ROOT")).to_have_css("border-top-color", "rgb(1, 2, 3)")
    assert page.evaluate("window.__configured") == "yes"
    assert page.locator('link[rel="manifest"]').count() == 1
    assert console.errors == []
