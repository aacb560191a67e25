"""The browser client (static/*.js) driven end to end in Chromium, over both transports:
the transports themselves (reconnect, fallback, session loss), form stacking and the
client's handling of bad commands.

Each test loads a page from the ``serve_app.py`` server and waits with Playwright's
auto-waiting assertions; no test sleeps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

TRANSPORTS = ["ws", "http"]
GREETING = "Hello from wsgi_webio: this app is a plain blocking function."
CHAT_GREETING = "Hello from the chat app."
RECONNECTING = "reconnecting\u2026"
DISCONNECTED = "Disconnected. Reload the page to start again."
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-demo.png"
#: docs/screenshot-demo.png is rewritten only on request, so test runs leave the tree alone.
UPDATE_SCREENSHOT = os.environ.get("WEBIO_UPDATE_SCREENSHOT") == "1"


def _transport_in_use(page: Any) -> str:
    """Which transport the page's client talks over, read from its network activity."""
    used: str = page.evaluate(
        "performance.getEntriesByType('resource').some(e => e.initiatorType === 'fetch') ? 'http' : 'ws'"
    )
    assert page.evaluate("WebIO._debugTransport()") == used
    return used


def test_ws_reconnect_resumes_the_session(page: Any, server: Any, console: Any, expect: Any) -> None:
    page.goto(server.url("chat", "ws"))
    out = page.locator("#output-container")
    name = page.get_by_label("Your name?")
    expect(name).to_be_visible()

    page.evaluate("WebIO._debugDropConnection({reconnectDelayMs: 3000})")
    status = page.locator("#webio-status")
    expect(status).to_have_text(RECONNECTING)
    name.fill("Grace")
    name.press("Enter")  # queued while disconnected
    assert status.text_content() == RECONNECTING

    expect(out.get_by_text("Hello, Grace!", exact=True)).to_be_visible()
    expect(status).to_have_text("")
    age = page.get_by_label("Your age?")
    expect(age).to_be_visible()
    expect(out.get_by_text("Hello, Grace!", exact=True)).to_have_count(1)
    expect(out.get_by_text(CHAT_GREETING, exact=True)).to_have_count(1)

    # The app carries on over the new connection: a callback and the next form.
    page.get_by_role("button", name="Count").click()
    expect(out.get_by_text("counted", exact=True)).to_have_count(1)
    age.fill("36")
    age.press("Enter")
    expect(out.get_by_text("Grace is: 36", exact=True)).to_be_visible()
    assert console.errors == []


def test_ws_event_sent_just_before_a_drop_applies_once(
    page: Any, server: Any, console: Any, expect: Any
) -> None:
    page.goto(server.url("chat", "ws"))
    out = page.locator("#output-container")
    name = page.get_by_label("Your name?")
    expect(name).to_be_visible()
    name.fill("Linus")
    page.evaluate("""() => {
        document.querySelector('#input-container form').requestSubmit();
        WebIO._debugDropConnection({reconnectDelayMs: 300});
    }""")
    expect(out.get_by_text("Hello, Linus!", exact=True)).to_be_visible()
    age = page.get_by_label("Your age?")
    expect(age).to_be_visible()
    page.evaluate("WebIO._debugDropConnection()")
    age.fill("41")
    age.press("Enter")
    expect(out.get_by_text("Linus is: 41", exact=True)).to_be_visible()
    expect(out.get_by_text("Hello, Linus!", exact=True)).to_have_count(1)
    expect(page.locator("#webio-status")).to_have_text("")
    assert console.errors == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rendering_corner_cases(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    page.goto(server.url("widgets", transport))
    root = page.locator("#pywebio-scope-ROOT")
    expect(root.get_by_text("after the bad ones", exact=True)).to_be_visible()
    texts = root.locator(":scope > p.webio-text")
    expect(texts).to_have_text(["A", "A2", "B", "C0", "C", "<b>not bold</b>", "after the bad ones"])
    expect(root.locator("b")).to_have_count(1)  # only the html output's
    expect(root.locator("#opt-in")).to_have_text("bold")
    expect(root.locator(".webio-unsupported")).to_have_text("unsupported output: hologram")
    expect(page.get_by_text("lost", exact=True)).to_have_count(0)

    toast = page.locator(".webio-toast")
    expect(toast).to_contain_text("toast until clicked")
    toast.click()
    expect(toast).to_have_count(0)

    dialog = page.get_by_role("dialog", name="Popup title")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#pywebio-scope-popup1 > *")).to_have_text(["plain string", "<i>spec</i>"])
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name="Submit").click()
    expect(root.get_by_text("bye", exact=True)).to_be_visible()
    expect(page.locator("#webio-status")).to_have_text(DISCONNECTED)

    # The one deliberately broken command is logged and skipped; the rest ran.
    assert len(console.errors) == 1 and "error while executing output" in console.errors[0], console.errors
    assert any("scope not found" in w for w in console.warnings), console.warnings
    assert any("unknown command" in w for w in console.warnings), console.warnings


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_forms_stack_across_tasks(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    page.goto(server.url("stack", transport))
    out = page.locator("#output-container")
    first = page.get_by_label("First?")
    expect(first).to_be_focused()
    first.fill("abc")
    page.get_by_role("button", name="Interrupt").click()

    second = page.get_by_label("Second?")
    expect(second).to_be_focused()
    expect(first).to_be_hidden()
    second.fill("xyz")
    second.press("Enter")
    expect(out.get_by_text("second: xyz", exact=True)).to_be_visible()

    expect(first).to_be_focused()
    expect(first).to_have_value("abc")
    first.press("Enter")
    expect(out.get_by_text("first: abc", exact=True)).to_be_visible()
    expect(page.locator("#input-container form")).to_have_count(0)
    assert console.errors == []


def test_falls_back_to_http_when_no_websocket_opens(page: Any, server: Any, console: Any, expect: Any) -> None:
    # Every WebSocket is answered by a stand-in that closes before any set_session_id.
    page.route_web_socket(lambda url: True, lambda ws: ws.close())
    page.goto(f"http://127.0.0.1:{server.port}/?app=chat")  # no forced transport
    out = page.locator("#output-container")
    name = page.get_by_label("Your name?")
    expect(name).to_be_visible()
    name.fill("Ken")
    name.press("Enter")
    expect(out.get_by_text("Hello, Ken!", exact=True)).to_be_visible()
    assert _transport_in_use(page) == "http"
    assert console.errors == []


def test_http_unknown_session_ends_the_page(page: Any, server: Any, console: Any, expect: Any) -> None:
    page.goto(server.url("chat", "http"))
    name = page.get_by_label("Your name?")
    expect(name).to_be_visible()

    def forget_session(route: Any) -> None:  # as if the server had expired the session
        route.continue_(headers={**route.request.headers, "webio-session-id": "no-such-session"})

    page.route(lambda url: "ack=" in url, forget_session)
    name.fill("Ada")
    name.press("Enter")
    expect(page.locator("#webio-status")).to_have_text(DISCONNECTED)
    expect(name).to_be_disabled()
    expect(page.get_by_text("Hello, Ada!", exact=True)).to_have_count(0)
    assert console.errors == []


def test_http_flow_control_is_acknowledged_at_once(page: Any, server: Any, console: Any, expect: Any) -> None:
    # 2.5 MiB of output against the 1 MiB high-water mark: the POST reply says "ack_now"
    # and the page acknowledges with a GET that is not held. Without it the task would
    # wait for the held poll to come back (25 s), far past this test's wait.
    page.goto(server.url("flood", "http"))
    page.get_by_role("button", name="Flood").click()
    out = page.locator("#output-container")
    expect(out.get_by_text("flood done", exact=True)).to_be_visible(timeout=10_000)
    expect(out.get_by_text("block 39 ", exact=False)).to_have_count(1)  # every block shown once
    assert console.errors == []


def test_every_module_loads_once_from_its_versioned_url(page: Any, server: Any, expect: Any) -> None:
    """The import map gives each ES module a content-hashed URL, so all may be cached for good."""
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url) if "/_webio/static/" in r.url else None)
    page.goto(server.url("overlays", "ws"))
    expect(page.get_by_text("overlays ready", exact=True)).to_be_visible()
    scripts = [u for u in loaded if u.split("?")[0].endswith(".js")]
    names = sorted(u.split("/_webio/static/")[1].split("?")[0] for u in scripts)
    assert len(names) == len(set(names)), f"a module loaded twice: {scripts}"
    assert {"webio.js", "client.js", "transport-ws.js", "commands.js"} <= set(names)
    assert all("?v=" in u for u in scripts), scripts
