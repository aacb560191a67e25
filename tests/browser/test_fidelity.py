"""PyWebIO idioms rendered by the client as PyWebIO renders them (issue 13): put_widget's
``{{& pywebio_output_parse}}``, a header cell spanning rows, markdown task lists and
sanitized raw HTML, pin checkbox and radio names, a lone file_upload's group named
by its title (the ``fidelity`` app of serve_app.py), over both transports."""

from __future__ import annotations

from typing import Any

import pytest

TRANSPORTS = ["ws", "http"]


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pywebio_idioms(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    page.goto(server.url("fidelity", transport))
    expect(page.get_by_text("fidelity ready", exact=True)).to_be_visible()

    # put_widget: {{#contents}}{{& pywebio_output_parse}}{{/contents}} renders each output
    items = page.locator("#w-idiom section.w-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("first embedded")
    expect(items.nth(1).locator("strong")).to_have_text("second embedded")

    # header=[span("A", row=2), "B"]: A spans two rows, C sits under B, E spans both columns
    table = page.locator("#pywebio-scope-tbl-span table")
    cell = {name: table.get_by_text(name, exact=True) for name in "ABCEFG"}
    a, b, c, e, f = (_box(cell[n]) for n in "ABCEF")
    assert abs(c["x"] - b["x"]) < 1 and c["y"] > b["y"]
    assert a["height"] > b["height"] * 1.5 and abs(a["y"] - b["y"]) < 1
    assert abs(e["x"] - a["x"]) < 1 and e["width"] > a["width"] + b["width"] * 0.9
    assert abs(f["x"] - a["x"]) < 1 and f["y"] > e["y"]
    expect(table.locator("th")).to_have_text(["A", "B"])

    # markdown: task lists as disabled checkboxes; raw HTML sanitized, not escaped
    md = page.locator("#pywebio-scope-md-tasks")
    boxes = md.locator("input[type=checkbox]")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_be_disabled()
    expect(boxes.nth(0)).not_to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(md.locator("b")).to_have_text("bold")
    expect(md.get_by_role("img", name="pixel")).to_be_visible()
    md.locator("b").click()
    md.get_by_text("link", exact=True).click()
    assert page.evaluate("window.__pwned") is None

    # pin checkboxes and radios are named after their pin
    expect(page.locator("input[type=checkbox][name=pin_box]")).to_have_count(2)
    expect(page.locator("input[type=radio][name=pin_radio]")).to_have_count(2)

    # a lone file_upload: its title names its group (a legend, as for checkboxes) and its input
    group = page.get_by_role("group", name="Your avatar")
    expect(group).to_be_visible()
    upload = page.get_by_label("Your avatar")  # exactly one element: the file input
    expect(upload).to_have_attribute("type", "file")
    expect(group.locator("input[type=file]")).to_have_count(1)
    upload.set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": b"png"})
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("uploaded: me.png", exact=True)).to_be_visible()
    assert console.errors == []
