"""The gallery (``python -m wsgi_webio demo``) and an async chat room in Chromium,
through the real Python I/O API, over both transports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

TRANSPORTS = ["ws", "http"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-demo.png"
#: docs/screenshot-demo.png is rewritten only on request, so test runs leave the tree alone.
UPDATE_SCREENSHOT = os.environ.get("WEBIO_UPDATE_SCREENSHOT") == "1"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_gallery(page: Any, server: Any, console: Any, expect: Any, transport: str, tmp_path: Path) -> None:
    page.goto(server.url("index", transport))
    out = page.locator("#output-container")
    expect(out.get_by_text("An interactive app written as a plain blocking Python function.")).to_be_visible()

    name = page.get_by_label("Your name?")
    expect(name).to_be_focused()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#input-container .webio-feedback")).to_have_text("Please type a name")
    name.fill("Ada")
    name.press("Enter")
    expect(out.get_by_text("Hello, Ada!", exact=True)).to_be_visible()

    # outputs: text stays text, html scripts run, templates and tables render
    expect(out.get_by_text("put_text never interprets HTML: <b>this stays literal</b>")).to_be_visible()
    expect(out.get_by_text("(its script ran)")).to_be_visible()
    expect(out.get_by_text("escaped <data>")).to_be_visible()
    expect(out.locator("table").first).to_contain_text("acked, reconnects")
    expect(out.get_by_text("100%")).to_be_visible()  # the background task drove the progress bar
    if transport == "ws" and UPDATE_SCREENSHOT:
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    # a button callback
    count = page.get_by_role("button", name="Count")
    count.click()
    count.click()
    expect(out.get_by_text("Count: 2", exact=True)).to_be_visible()

    # pins read and update
    page.get_by_label("A pin select").select_option("blue")
    expect(out.get_by_text("colour is now blue")).to_be_visible()
    page.get_by_label("A pin input").fill("changed")
    page.get_by_role("button", name="Read pins").click()
    expect(out.get_by_text("name='changed' colour='blue' level=30")).to_be_visible()
    page.get_by_role("button", name="Reset pins").click()
    expect(page.get_by_label("A pin input")).to_have_value("edit me")

    # a form of every input type: validation feedback, then a good submit
    page.get_by_role("button", name="Every input").click()
    page.get_by_label("Text", exact=True).fill("hello")
    page.get_by_label("Number").fill("-1")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#input-container").get_by_text("Must be positive")).to_be_visible()
    page.get_by_label("Number").fill("7")
    page.get_by_role("button", name="Submit").click()
    expect(out.get_by_text("'hello'")).to_be_visible()

    # a file upload
    upload = tmp_path / "a.txt"
    upload.write_bytes(b"abc")
    page.get_by_role("button", name="Upload files").click()
    page.locator("#input-container input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Submit").click()
    expect(out.get_by_text("Received a.txt: 3 bytes")).to_be_visible()
    assert console.errors == []


@pytest.mark.parametrize("transports", [("ws", "ws"), ("ws", "http")], ids=["ws+ws", "ws+http"])
def test_async_chat_room_two_users(browser: Any, server: Any, expect: Any, transports: tuple[str, str]) -> None:
    contexts = [browser.new_context(), browser.new_context()]
    try:
        ann, bob = (ctx.new_page() for ctx in contexts)
        errors: list[str] = []
        for pg in (ann, bob):
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
        tag = "-".join(transports)  # the room outlives a test: keep each test's lines apart
        for pg, nick, transport in ((ann, f"ann{tag}", transports[0]), (bob, f"bob{tag}", transports[1])):
            pg.goto(server.url("room", transport))
            pg.get_by_label("Your nickname?").fill(nick)
            pg.get_by_label("Your nickname?").press("Enter")
            expect(pg.get_by_label("Message")).to_be_visible()
        ann.get_by_label("Message").fill("hi from ann")
        ann.get_by_label("Message").press("Enter")
        expect(bob.get_by_text(f"ann{tag}: hi from ann")).to_be_visible()
        bob.get_by_label("Message").fill("hello ann")
        bob.get_by_label("Message").press("Enter")
        expect(ann.get_by_text(f"bob{tag}: hello ann")).to_be_visible()
        expect(ann.get_by_text(f"ann{tag}: hi from ann")).to_have_count(1)
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()
