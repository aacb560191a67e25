"""Pin values from the page are checked against their widget (issue 3: forged input
is refused without harming the session): reads, pin_wait_change and pin_on_change,
through the harness, whose ``set_pin`` sets raw values without validating them.
Also ``pin_on_change(init_run=True)`` in async apps and with async callbacks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from wsgi_webio.input import input
from wsgi_webio.output import Output, put_text
from wsgi_webio.pin import (
    get_pin_values,
    pin,
    pin_on_change,
    pin_update,
    pin_wait_change,
    put_checkbox,
    put_input,
    put_select,
    put_slider,
    put_textarea,
)
from wsgi_webio.testing import open_app

FORGED_OPTION = "<not an option>"


def test_forged_pin_values_read_as_missing_widgets(caplog):
    got = {}

    def app():
        put_select("s", ["a", "b"])
        put_slider("sl", value=5, min_value=0, max_value=10)
        put_checkbox("c", ["x", "y"])
        put_input("ok")
        input("read")
        got["read"] = (pin.s, pin["sl"], pin.c, pin.ok)
        got["all"] = get_pin_values(["s", "sl", "c", "ok"])
        pin.use_strict()
        with pytest.raises(AttributeError, match="'s'"):
            pin.s  # noqa: B018 - reading it is the test
        with pytest.raises(KeyError, match="'sl'"):
            pin["sl"]
        put_text("done")

    with caplog.at_level(logging.INFO, logger="wsgi_webio.ui.pin_values"), open_app(app) as page:
        page.wait_for_form("read")
        page.set_pin("s", {"evil": 1})
        page.set_pin("sl", 1e30)
        page.set_pin("c", ["x", "x"])  # each option once at most
        page.set_pin("ok", "fine")
        page.wait_for_form("read").submit("")
        page.wait_for_text("done")
    assert got == {"read": (None, None, None, "fine"), "all": {"ok": "fine"}}
    assert "pin_values: refused the values of s (option), sl (max), c (option)" in caplog.text


def test_values_a_widget_can_hold_pass_and_pin_update_moves_the_check():
    got = []

    def app():
        put_select("s", ["a", "b"])
        put_slider("sl", value=0.5, min_value=0.0, max_value=1.0, step=0.1)
        put_textarea("t", minlength=5, maxlength=8)
        put_input("n", type="number")
        pin_update("n", min=0, max=10)  # a number field's bounds are not enforced while typing
        input("read")
        got.append(get_pin_values(["s", "sl", "t", "n"]))
        pin_update("s", options=["c"])
        input("again")
        got.append(get_pin_values(["s", "t"]))

    with open_app(app) as page:
        page.wait_for_form("read")
        page.set_pin("s", "b")
        page.set_pin("sl", 1)
        page.set_pin("t", "ab")  # shorter than minlength: typing is not over yet
        page.set_pin("n", 50)
        page.wait_for_form("read").submit("")
        page.wait_for_form("again")
        page.set_pin("t", "far too long")
        page.wait_for_form("again").submit("")
        page.settle()
        page.set_pin("s", "c")
    assert got[0] == {"s": "b", "sl": 1.0, "t": "ab", "n": 50}
    assert got[1] == {}  # "b" is no longer offered; the text is over maxlength


def test_a_pin_the_pin_functions_did_not_make_gives_no_value():
    got = []

    def app():
        Output({"type": "pin", "input": {"type": "text", "name": "raw"}})
        put_text("shown")
        got.append(pin.raw)

    with open_app(app) as page:
        page.wait_for_text("shown")
        page.settle()
    assert got == [None]


def test_pin_wait_change_keeps_waiting_through_forged_changes(caplog):
    def app():
        put_select("s", ["a", "b"])
        put_slider("sl", max_value=10)
        changed = pin_wait_change("s", "sl")
        put_text("changed", changed["name"], changed["value"])

    with caplog.at_level(logging.INFO, logger="wsgi_webio.ui.pin_values"), open_app(app) as page:
        page.settle()
        page.set_pin("s", FORGED_OPTION)
        page.settle()
        page.set_pin("sl", 1e30)
        page.settle()
        assert "changed" not in page.text and not page.closed
        page.set_pin("s", "b")
        page.wait_for_text("changed s b")
    assert "pin_wait: refused the value of s (option); waiting again" in caplog.text
    assert "pin_wait: refused the value of sl (max); waiting again" in caplog.text


def test_async_pin_wait_change_keeps_waiting_through_forged_changes():
    async def app():
        put_select("s", ["a", "b"])
        changed = await pin_wait_change("s")
        put_text("changed", changed["value"], await pin.s)

    with open_app(app) as page:
        page.wait_for_text("")
        page.set_pin("s", FORGED_OPTION)
        page.settle()
        assert "changed" not in page.text
        page.set_pin("s", "a")
        page.wait_for_text("changed a a")


def test_pin_on_change_skips_forged_changes(caplog):
    seen = []

    def app():
        put_select("s", ["a", "b"])
        put_slider("sl", max_value=10)
        pin_on_change("s", onchange=lambda v: seen.append(("s", v)))
        pin_on_change("sl", onchange=lambda v: seen.append(("sl", v)), serial_mode=True)
        put_text("ready")

    with caplog.at_level(logging.INFO, logger="wsgi_webio.ui.pin_values"), open_app(app) as page:
        page.wait_for_text("ready")
        page.send("callback", page.pin_listeners["s"], {"value": FORGED_OPTION})
        page.send("callback", page.pin_listeners["sl"], {"value": 1e30})
        page.send("callback", page.pin_listeners["sl"], {"value": "7"})  # a number as text: the form rule
        page.set_pin("s", "b")
        page.settle()
        assert not page.closed
    assert seen == [("sl", 7), ("s", "b")]
    assert "pin_on_change('s'): refused a change (option)" in caplog.text
    assert "pin_on_change('sl'): refused a change (max)" in caplog.text


def test_init_run_in_an_async_app_reads_the_value():
    seen = []

    async def app():
        put_slider("level", value=3)
        pin_on_change("level", onchange=seen.append, init_run=True)  # called without await
        put_text("ready")

    with open_app(app) as page:
        page.wait_for_text("ready")
        page.settle()
        assert seen == [3]
        page.set_pin("level", 4)
    assert seen == [3, 4]


def test_init_run_with_an_async_onchange_runs_it():
    async def show(value):
        await asyncio.sleep(0)
        put_text(f"saw {value}")

    def app():
        put_slider("level", value=3)
        pin_on_change("level", onchange=show, init_run=True)

    async def async_app():
        put_slider("level", value=3)
        pin_on_change("level", onchange=show, init_run=True, serial_mode=True)

    for main in (app, async_app):
        with open_app(main) as page:
            page.wait_for_text("saw 3")
            page.set_pin("level", 5)
            page.wait_for_text("saw 5")
