"""Output functions as a user sees them, through the browserless harness: callbacks,
scopes, popups, toasts, context managers."""

from __future__ import annotations

import pytest

from wsgi_webio.input import input
from wsgi_webio.output import (
    clear,
    close_popup,
    get_scope,
    popup,
    put_button,
    put_buttons,
    put_collapse,
    put_column,
    put_info,
    put_loading,
    put_processbar,
    put_row,
    put_scope,
    put_scrollable,
    put_text,
    remove,
    scroll_to,
    set_processbar,
    toast,
    use_scope,
)
from wsgi_webio.testing import open_app


def test_buttons_call_back_with_their_values():
    def app():
        put_buttons(["a", ("B", {"k": 1}), {"label": "C", "value": [3]}], onclick=lambda v: put_text("got", v))
        put_buttons(["x", "y"], onclick=[lambda: put_text("x!"), lambda: put_text("y!")])
        put_button("solo", onclick=lambda: put_text("solo!"))

    with open_app(app) as page:
        for label, shown in (("a", "got a"), ("B", "got {'k': 1}"), ("C", "got [3]"), ("y", "y!"), ("solo", "solo!")):
            page.click(label)
            page.wait_for_text(shown)


def test_clicks_on_disabled_or_unknown_buttons_are_ignored():
    def app():
        put_buttons([{"label": "off", "value": 1, "disabled": True}, "on"], onclick=lambda v: put_text("clicked", v))

    with open_app(app) as page:
        (buttons,) = page.find(type="buttons")
        callback_id = buttons.spec["callback_id"]
        for forged in (0, 7, -1, "0", True, None):
            page.send("callback", callback_id, forged)
        page.click("on")
        page.wait_for_text("clicked on")
        assert "clicked 1" not in page.text


def test_serial_mode_runs_clicks_one_at_a_time_and_may_ask_for_input():
    def app():
        put_buttons(["ask"], onclick=lambda _: put_text("answer", input("why?")), serial_mode=True)

    with open_app(app) as page:
        page.click("ask")
        page.wait_for_form("why?").submit("because")
        page.wait_for_text("answer because")


def test_onclick_on_any_output():
    def app():
        put_text("click me").onclick(lambda: put_text("clicked"))

    with open_app(app) as page:
        page.find(type="text", text="click me")[0].click()
        page.wait_for_text("clicked")


def test_use_scope_as_context_manager_and_decorator():
    calls = []

    @use_scope("clock", clear=True)
    def tick(n):
        calls.append(get_scope())
        put_text(f"tick {n}")

    def app():
        with use_scope("box") as name:
            put_text("in box", name)
        for n in range(3):
            tick(n)
        with use_scope() as anonymous:
            put_text("anonymous", anonymous is not None)

    with open_app(app) as page:
        page.wait_for_text("anonymous True")
        assert page.scope("box").text == "in box box"
        assert page.scope("clock").text == "tick 2"  # clear=True replaced the earlier ticks
        assert calls == ["clock"] * 3


def test_clear_remove_scroll_to():
    def app():
        put_scope("a", [put_text("1")])
        put_scope("b", [put_text("2")])
        clear("a")
        remove("b")
        scroll_to("a", "bottom")
        put_text("3", scope="a")

    with open_app(app) as page:
        page.wait_for_text("3")
        assert page.scope("a").text == "3"
        with pytest.raises(AssertionError):
            page.scope("b")
        assert page.scrolled_to == ["#pywebio-scope-a"]


def test_containers_as_context_managers():
    def app():
        with put_row():
            put_text("left")
            put_text("right")
        with put_collapse("more"):
            put_text("hidden text")
        with put_scrollable(height=100):
            put_text("scrolled")
        with put_info():
            put_text("note")
        with put_column() as name:
            put_text("in column", name == get_scope())
        with put_scope("named") as name:
            put_text("in", name)
        put_text("after")

    with open_app(app) as page:
        page.wait_for_text("after")
        (row,) = page.find(type="row")
        assert row.text == "left\nright"
        assert page.find(type="collapse")[0].text == "more\nhidden text"
        assert page.find(type="scrollable")[0].text == "scrolled"
        assert page.find(type="alert")[0].text == "note"
        assert page.find(type="column")[0].text == "in column True"
        assert page.scope("named").text == "in named"
        assert page.text.splitlines()[-1] == "after"


def test_put_loading_context_removes_it_and_its_content():
    def app():
        with put_loading():
            put_text("waiting...")
            input("go on?")  # any wait: the spinner and the text are showing meanwhile
        put_text("the answer is 42")

    with open_app(app) as page:
        form = page.wait_for_form("go on?")
        assert page.find(type="loading") and "waiting..." in page.text
        form.submit("yes")
        page.wait_for_text("the answer is 42")
        assert not page.find(type="loading") and "waiting" not in page.text


def test_popup_direct_context_manager_and_decorator():
    def app():
        popup("first", [put_text("plain"), "text"])
        put_buttons(["open"], onclick=lambda _: show())
        put_buttons(["open2"], onclick=lambda _: decorated())

    def show():
        with popup("Popup title") as s:
            put_text("inside popup")
            put_buttons(["clear()"], onclick=lambda _: clear(s))
        put_text("Also work!", scope=s)

    def decorated():
        @popup("decorated", size="small")
        def body():
            put_text("from the decorator")

        body()

    with open_app(app) as page:
        assert page.popup.title == "first" and page.popup.text == "plain\ntext"
        page.click("open")
        assert page.popup.title == "Popup title"
        assert page.popup.text == "inside popup\nclear()\nAlso work!"
        page.click("clear()")
        page.settle()
        assert page.popup.text == ""
        page.popup.close()
        page.click("open2")
        assert page.popup.title == "decorated" and page.popup.text == "from the decorator"


def test_close_popup_and_unclosable_popup():
    def app():
        popup("locked", "wait", closable=False)
        put_buttons(["close"], onclick=lambda _: close_popup())

    with open_app(app) as page:
        assert page.popup.spec["implicit_close"] is False
        with pytest.raises(AssertionError, match="not closable"):
            page.popup.close()
        page.click("close")
        assert page.popup is None


def test_toast_click_runs_its_callback():
    def app():
        toast("New messages", position="right", color="#2188ff", duration=0,
              onclick=lambda: put_text("You clicked the notification."))
        toast("plain")

    with open_app(app) as page:
        clickable, plain = page.toasts
        assert plain["callback_id"] is None and clickable["duration"] == 0
        page.send("callback", clickable["callback_id"], None)
        page.wait_for_text("You clicked the notification.")


def test_processbar_moves():
    def app():
        put_processbar("bar", label="start")
        for i in range(1, 5):
            set_processbar("bar", i / 4)

    with open_app(app) as page:
        page.settle()
        (bar,) = page.find(type="processbar")
        assert bar.spec["value"] == 1.0 and bar.spec["label"] == "100.0%"
