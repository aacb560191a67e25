"""Every output type of docs/ui-spec.md rendered by the client, scopes and output_ctl,
over both transports (the ``outputs`` app of serve_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TRANSPORTS = ["ws", "http"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_output_renders(page: Any, server: Any, console: Any, expect: Any, said: Any, transport: str) -> None:
    page.goto(server.url("outputs", transport))
    root = page.locator("#pywebio-scope-ROOT")
    expect(root.get_by_text("outputs ready", exact=True)).to_be_visible()

    # text: never HTML; click_callback_id and style
    expect(page.locator("#t-plain")).to_have_text("<b>plain</b> & text")
    expect(page.locator("#t-plain b")).to_have_count(0)
    clickable = page.locator("#t-click")
    expect(clickable).to_have_css("color", "rgb(200, 0, 0)")
    clickable.click()
    expect(root.get_by_text("text clicked", exact=True)).to_be_visible()

    # markdown: the server's html inserted as is
    expect(page.locator(".webio-markdown #md-h")).to_have_text("Title")
    expect(page.locator(".webio-markdown em")).to_have_text("em")

    # html: scripts run, in order, a src= one before the inline one that uses it
    expect(page.locator("#html-target")).to_have_text("lib 42")
    assert page.evaluate("window.__order") == ["src", "inline"]

    # code: escaped, monospace, limited rows
    code = page.locator("pre.webio-code code.language-python")
    expect(code).to_have_text("x = '<tag>' & 1\nline 2\nline 3\nline 4")
    assert page.evaluate("getComputedStyle(document.querySelector('pre.webio-code')).maxHeight") != "none"

    # buttons: a click sends the index
    page.get_by_role("button", name="Two").click()
    expect(root.get_by_text(said("clicked", 1), exact=True)).to_be_visible()

    # table: header row, nested output, text cells, spans
    table = page.locator("#tbl table")
    expect(table.locator("thead th")).to_have_text(["H1", "H2", "H3"])
    expect(table.locator("tbody tr").first.locator("td")).to_have_text(["nested <i>", "<b>b</b>", "c"])
    expect(table.locator("tbody b")).to_have_count(0)
    expect(table.locator("td[colspan='2']")).to_have_text("wide")

    # image, links
    image = page.get_by_role("img", name="tiny pixel")
    expect(image).to_have_css("width", "24px")
    docs = page.get_by_role("link", name="Docs")
    expect(docs).to_have_attribute("href", "https://example.com/docs")
    expect(docs).to_have_attribute("target", "_blank")
    expect(page.get_by_role("link", name="Other app")).to_have_attribute("href", "/?app=stack")

    # file: a button that downloads
    with page.expect_download() as info:
        page.get_by_role("button", name="Get file").click()
    assert info.value.suggested_filename == "hello.txt"
    assert Path(info.value.path()).read_bytes() == b"hello file"

    # processbar, loading
    bar = page.locator("#webio-processbar-bar")
    expect(bar).to_have_attribute("aria-valuenow", "25")
    expect(bar.locator(".webio-progress-label")).to_have_text("25%")
    expect(page.locator(".webio-spinner-grow.webio-color-primary")).to_have_attribute("role", "status")

    # collapse: closed until its summary is clicked
    hidden = root.get_by_text("hidden text", exact=True)
    expect(hidden).to_be_hidden()
    page.locator("summary", has_text="More").click()
    expect(hidden).to_be_visible()

    # scrollable: a bounded box
    scroller = page.locator("#scroller")
    expect(scroller).to_have_css("height", "80px")

    # tabs: click and arrow keys switch
    first, second = page.get_by_role("tab", name="First"), page.get_by_role("tab", name="Second")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(root.get_by_text("first body", exact=True)).to_be_visible()
    expect(root.get_by_text("second body", exact=True)).to_be_hidden()
    second.click()
    expect(root.get_by_text("second body", exact=True)).to_be_visible()
    expect(root.get_by_text("first body", exact=True)).to_be_hidden()
    second.press("ArrowLeft")
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_text("first body")

    # row / column / grid
    row = page.locator("#row1")
    expect(row.locator(":scope > *")).to_have_count(3)
    expect(row).to_have_css("display", "grid")
    assert len(row.evaluate("n => getComputedStyle(n).gridTemplateColumns").split()) == 3
    expect(page.locator(".webio-column > *")).to_have_text(["c1", "c2"])
    grid = page.locator("#grid1")
    expect(grid.locator(":scope > *")).to_have_count(4)  # the short row is padded
    expect(grid).to_have_css("grid-auto-flow", "row")

    # scope, alert
    expect(page.locator("#pywebio-scope-box")).to_have_text("in box")
    alert = page.locator(".webio-alert-warning")
    expect(alert.locator("#the-alert > *")).to_have_text(["careful", "twice"])
    alert.get_by_role("button", name="Close").click()
    expect(alert).to_have_count(0)

    # widget: escaped values, sections, inverted sections, dotted names, embedded outputs
    widget = page.locator("#wid")
    expect(widget.locator("h4")).to_have_text("<script>window.__pwned=1</script>")
    expect(widget.locator("li")).to_have_text(["<i>a</i>", "b"])
    expect(widget.locator("li i")).to_have_count(0)
    expect(widget.locator(".none")).to_have_text("no empties")
    expect(widget.locator(".some")).to_have_count(0)
    expect(widget.locator(".embed > *")).to_have_text(["embedded", "also"])
    expect(widget.locator(".dot")).to_have_text("dotted")
    expect(widget.locator(".raw")).to_have_text("<script>window.__pwned=1</script>")
    assert page.evaluate("window.__pwned") is None

    # output_ctl and set_processbar
    page.get_by_role("button", name="Step").click()
    expect(root.get_by_text("step done", exact=True)).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", "75")
    expect(bar.locator(".webio-progress-label")).to_have_text("three quarters")
    made = page.locator("#pywebio-scope-made")
    expect(made).to_have_count(1)  # if_exist=None keeps the first one
    expect(made).to_have_text("in made scope")
    expect(root.locator(":scope > *").first).to_have_id("pywebio-scope-made")
    box = page.locator("#pywebio-scope-box")
    expect(box).to_have_text("refilled")  # blank, then loose
    assert box.evaluate("n => n.style.minHeight") == ""
    expect(page.locator("#pywebio-scope-fresh")).to_have_text("fresh 4")
    expect(made).to_be_in_viewport()  # scroll_to
    expect(page.locator("#pywebio-scope-gone")).to_have_count(0)
    expect(page.locator("#pywebio-scope-ROOT")).to_have_count(1)  # ROOT cannot be removed
    expect(row.locator(":scope > *")).to_have_count(4)  # a layout entered as a scope takes outputs
    # keep_bottom: the scrollable followed the line appended to it
    expect(scroller.get_by_text("line 20", exact=True)).to_be_visible()
    assert scroller.evaluate("n => n.scrollTop + n.clientHeight >= n.scrollHeight - 2")
    assert console.errors == []


def test_outputs_fit_a_phone(phone: Any, server: Any, console: Any, expect: Any) -> None:
    phone.goto(server.url("outputs", "ws"))
    expect(phone.get_by_text("outputs ready", exact=True)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert console.errors == []
