"""Pin widgets (pin_values, pin_update, pin_wait, pin_onchange) and the overlay and session
commands (popup, toast, download, run_script/eval, set_env, WebIO.pushData), over both
transports (the ``pins`` and ``overlays`` apps of serve_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TRANSPORTS = ["ws", "http"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pins(page: Any, server: Any, console: Any, expect: Any, said: Any, transport: str) -> None:
    page.goto(server.url("pins", transport))
    out = page.locator("#pywebio-scope-ROOT")
    expect(out.get_by_text("pins ready", exact=True)).to_be_visible()
    text = page.get_by_label("Pin text")
    expect(text).to_have_value("start")
    button = lambda label: page.get_by_role("button", name=label, exact=True)  # noqa: E731

    # pin_values: every live widget's value; a missing name is left out
    values = {"p_text": "start", "p_area": "a\nb", "p_sel": "x", "p_box": [], "p_radio": None, "p_slider": 5,
              "p_act": None, "p_file": []}
    button("Read").click()
    expect(out.get_by_text(said("values", values), exact=True)).to_be_visible()

    # pin_update: value, help text, options; it does not wake pin_wait
    button("Wait").click()
    expect(out.get_by_text("waiting", exact=True)).to_be_visible()
    button("Update").click()
    expect(out.get_by_text("updated", exact=True)).to_be_visible()
    expect(text).to_have_value("from server")
    expect(page.locator(f"#{text.get_attribute('id')}-help")).to_have_text("new help")
    select = page.get_by_label("Pin select")
    expect(select.locator("option")).to_have_text(["Z", "W"])
    expect(select).to_have_value('"w"')
    expect(page.get_by_label("Pin slider")).to_have_value("8")
    radios = page.get_by_role("group", name="Pin radio, three")
    expect(radios.get_by_role("radio")).to_have_count(3)
    expect(page.get_by_label("Off")).to_be_checked()
    expect(out.get_by_text("changed:", exact=False)).to_have_count(0)

    # pin_wait: the first change by the user
    page.get_by_label("R2").check()
    expect(out.get_by_text(said("changed", {"name": "p_radio", "value": 2}), exact=True)).to_be_visible()
    button("Wait briefly").click()
    expect(out.get_by_text(said("timeout", None), exact=True)).to_be_visible()

    # pin_onchange: a callback per change, until cleared
    button("Listen").click()
    expect(out.get_by_text("listening", exact=True)).to_be_visible()
    select.select_option(label="Z")
    expect(out.get_by_text(said("onchange", {"value": {"z": 1}}), exact=True)).to_be_visible()
    button("Act A").click()
    expect(out.get_by_text(said("onchange", {"value": "A"}), exact=True)).to_be_visible()
    button("Unlisten").click()
    expect(out.get_by_text("not listening", exact=True)).to_be_visible()
    select.select_option(label="W")

    # values again, with a file in the file pin (a binary js_yield)
    page.get_by_label("On").check()
    page.get_by_label("Pin area").fill("typed")
    page.get_by_label("Pin file").set_input_files([{"name": "pin.txt", "mimeType": "text/plain", "buffer": b"pinned"}])
    button("Read").click()
    values = {"p_text": "from server", "p_area": "typed", "p_sel": "w", "p_box": [True, False], "p_radio": 2,
              "p_slider": 8, "p_act": "A",
              "p_file": [{"filename": "pin.txt", "size": 6, "mime_type": "text/plain", "text": "pinned"}]}
    expect(out.get_by_text(said("values", values), exact=True)).to_be_visible()
    expect(out.get_by_text(said("onchange", {"value": "w"}), exact=True)).to_have_count(0)
    assert console.errors == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_overlays_and_scripts(page: Any, server: Any, console: Any, expect: Any, said: Any, transport: str) -> None:
    page.goto(server.url("overlays", transport))
    out = page.locator("#pywebio-scope-ROOT")
    expect(out.get_by_text("overlays ready", exact=True)).to_be_visible()
    button = lambda label: page.get_by_role("button", name=label, exact=True)  # noqa: E731

    # popup: content specs, its scripts, its scope; Escape and the close button close it
    opener = button("Popup")
    opener.click()
    dialog = page.get_by_role("dialog", name="Big popup")
    expect(dialog).to_have_class("webio-popup webio-popup-large")
    expect(dialog.locator("#pywebio-scope-pop")).to_contain_text("popup body")
    expect(dialog.locator("#pywebio-scope-pop")).to_contain_text("popup script ran")
    expect(dialog.locator("#pywebio-scope-pop")).to_contain_text("later in popup")
    page.mouse.click(5, 5)  # implicit_close=False: the backdrop does not close it
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()  # focus goes back
    opener.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    # a popup that is not closable: only the app closes it
    button("Modal").click()
    stuck = page.get_by_role("dialog", name="Stuck")
    expect(stuck).to_be_visible()
    expect(stuck.get_by_role("button", name="Close")).to_have_count(0)
    page.keyboard.press("Escape")
    page.mouse.click(5, 5)
    expect(stuck).to_be_visible()
    stuck.get_by_role("button", name="Done").click()
    expect(stuck).to_have_count(0)

    # toasts: colour keywords, positions, duration, click callbacks
    button("Toasts").click()
    sticky = page.locator("#webio-toasts-left .webio-toast")
    expect(sticky).to_have_class("webio-toast webio-toast-success webio-clickable")
    expect(page.locator("#webio-toasts-center .webio-toast-error")).to_have_text("short toast")
    expect(page.locator("#webio-toasts-center .webio-toast")).to_have_count(0)  # gone after 300 ms
    sticky.click()
    expect(out.get_by_text("toast clicked", exact=True)).to_be_visible()
    expect(sticky).to_have_count(0)

    # download
    with page.expect_download() as info:
        button("Download").click()
    assert info.value.suggested_filename == "report.txt"
    assert Path(info.value.path()).read_bytes() == b"report body"

    # run_script with args, and eval with promises, errors and undefined
    button("Scripts").click()
    for label, value in [("sum", 5), ("promise", {"ok": [1, "two"]}), ("throws", None), ("rejects", None),
                         ("undefined", None), ("title", "T42")]:
        expect(out.get_by_text(said(f"eval {label}", value), exact=True)).to_be_visible()
    assert page.title() == "T42"

    # WebIO.pushData from custom HTML
    button("Push").click()
    expect(out.get_by_text(said("pushed", {"from": "html"}), exact=True)).to_be_visible()

    # set_env: title, width, auto-scroll to the bottom
    button("Env").click()
    bottom = out.get_by_text("bottom line", exact=True)
    expect(bottom).to_be_in_viewport()
    expect(page).to_have_title("Env title")
    expect(page.locator("#output-container")).to_have_css("max-width", "600px")
    assert console.errors == []
