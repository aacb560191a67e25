"""wsgi_webio.pin through the harness: widgets on the wire, reading and writing
values, waiting for changes (with and without timeout) and change callbacks."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from wsgi_webio import pin as pin_module
from wsgi_webio.output import put_text
from wsgi_webio.pin import (
    get_pin_values,
    pin,
    pin_on_change,
    pin_update,
    pin_wait_change,
    put_actions,
    put_checkbox,
    put_file_upload,
    put_input,
    put_radio,
    put_select,
    put_slider,
    put_textarea,
)
from wsgi_webio.testing import open_app


def test_star_import_exports_pywebio_names():
    names: dict = {}
    exec("from wsgi_webio.pin import *", names)  # noqa: S102 - what a user's star import does
    assert {"put_input", "put_textarea", "put_select", "put_checkbox", "put_radio", "put_slider", "put_actions",
            "put_file_upload", "pin", "pin_update", "pin_wait_change", "pin_on_change"} <= names.keys()
    assert all(hasattr(pin_module, name) for name in pin_module.__all__)


def pin_items(page):
    return {node.spec["input"]["name"]: node.spec["input"] for node in page.find(type="pin")}


def test_every_widget_is_an_output_of_type_pin():
    def app():
        put_input("i", type="number", label="I", value=3, placeholder="p", readonly=False, datalist=["1"],
                  help_text="h")
        put_textarea("t", label="T", rows=2, code=True, maxlength=9, minlength=1, value="v")
        put_select("s", ["a", ("B", "b")], label="S", multiple=True, value=["b"], native=False)
        put_checkbox("c", ["x", "y"], label="C", inline=True, value=["y"])
        put_radio("r", ["x", "y"], label="R", value="x")
        put_slider("sl", label="SL", value=0.5, min_value=0.0, max_value=1.0, step=0.1, required=True)
        put_actions("a", label="A", buttons=["go", ("Stop", "stop")])
        put_file_upload("f", label="F", accept=["image/*"], multiple=True, max_size="1M", max_total_size="2M")
        put_text("done")

    with open_app(app) as page:
        page.wait_for_text("done")
        nodes = page.find(type="pin")
        assert all(n.spec["type"] == "pin" for n in nodes)
        items = pin_items(page)
        assert list(items) == ["i", "t", "s", "c", "r", "sl", "a", "f"]
        assert items["i"] == {"type": "number", "label": "I", "name": "i", "value": 3, "placeholder": "p",
                              "readonly": False, "datalist": ["1"], "help_text": "h"}
        assert items["t"] == {"type": "textarea", "label": "T", "name": "t", "rows": 2, "code": True,
                              "maxlength": 9, "minlength": 1, "value": "v"}
        assert items["s"]["options"] == [
            {"label": "a", "value": "a", "selected": False, "disabled": False},
            {"label": "B", "value": "b", "selected": True, "disabled": False}]
        assert items["s"]["multiple"] is True and items["s"]["native"] is False
        assert items["c"]["inline"] is True and items["c"]["options"][1]["selected"] is True
        assert items["r"]["options"][0]["selected"] is True
        assert (items["sl"]["float"], items["sl"]["step"], items["sl"]["required"]) == (True, 0.1, True)
        assert [b["value"] for b in items["a"]["buttons"]] == ["go", "stop"]
        assert (items["f"]["accept"], items["f"]["max_size"], items["f"]["max_total_size"]) == (
            "image/*", 1024**2, 2 * 1024**2)
        assert page.pins == {"i": 3, "t": "v", "s": ["b"], "c": ["y"], "r": "x", "sl": 0.5, "a": None, "f": []}


def test_widget_argument_errors():
    def app():
        for call, error in ((lambda: put_actions("a", buttons=[{"label": "x", "type": "reset"}]), ValueError),
                            (lambda: put_input(None), TypeError),
                            (lambda: put_select("bad name", [1]), ValueError),
                            (lambda: put_input("i", type="checkbox"), ValueError)):
            with pytest.raises(error):
                call()
        put_text("checked")

    with open_app(app) as page:
        page.wait_for_text("checked")
        assert page.find(type="pin") == []


def test_read_and_write_pins():
    def app():
        put_input("name", value="Ada")
        put_select("lang", ["py", "go"], value="go")
        put_text("read", pin.name, pin["lang"], pin.missing, repr(pin["also_missing"]))
        pin.name = "Grace"
        pin["lang"] = "py"
        put_text("now", pin.name, pin.lang)
        put_text("values", json.dumps(get_pin_values(["name", "missing", "lang"]), sort_keys=True))

    with open_app(app) as page:
        page.wait_for_text("values")
        assert "read Ada go None None" in page.text
        assert "now Grace py" in page.text
        assert 'values {"lang": "py", "name": "Grace"}' in page.text
        assert page.pins == {"name": "Grace", "lang": "py"}


def test_strict_mode_raises_for_missing_widgets():
    seen = []

    def app():
        put_input("here", value="x")
        pin.use_strict()
        seen.append(pin.here)
        with pytest.raises(AttributeError, match="'gone'"):
            pin.gone  # noqa: B018 - reading it is the test
        with pytest.raises(KeyError, match="'gone'"):
            pin["gone"]
        seen.append("ok")

    with open_app(app) as page:
        page.settle()
    assert seen == ["x", "ok"]


def test_strict_mode_is_per_session():
    seen = []

    def app():
        seen.append(pin.nothing)

    with open_app(lambda: pin.use_strict()):
        pass
    with open_app(app) as page:
        page.settle()
    assert seen == [None]


def test_bad_pin_names_are_refused():
    def app():
        with pytest.raises(ValueError, match="pin name"):
            pin["bad name"]
        with pytest.raises(ValueError, match="pin name"):
            pin_update("a b", value=1)
        put_text("checked")

    with open_app(app) as page:
        page.wait_for_text("checked")


def test_pin_update_attributes():
    def app():
        put_select("s", ["a"], label="old")
        pin_update("s", label="new", options=["x", ("Y", "y", True)], help_text="help", placeholder=None)
        for bad in ({"type": "text"}, {"multiple": True}, {"onclick": "x"}):
            with pytest.raises(ValueError):
                pin_update("s", **bad)
        put_text("updated")

    with open_app(app) as page:
        page.wait_for_text("updated")
        item = pin_items(page)["s"]
        assert item["label"] == "new" and item["help_text"] == "help" and "placeholder" not in item
        assert item["options"] == [{"label": "x", "value": "x", "selected": False, "disabled": False},
                                   {"label": "Y", "value": "y", "selected": True, "disabled": False}]


def test_pin_wait_change_without_timeout():
    def app():
        put_input("a")
        put_slider("b")
        changed = pin_wait_change("a", "b")
        put_text("changed", changed["name"], changed["value"])
        changed = pin_wait_change(["a", "b"])
        put_text("then", changed["name"], changed["value"])

    with open_app(app) as page:
        page.settle()
        page.set_pin("b", 42)
        page.wait_for_text("changed b 42")
        page.set_pin("a", "hi")
        page.wait_for_text("then a hi")


def test_pin_wait_change_with_timeout_returns_none():
    def app():
        put_input("a")
        put_text("result", pin_wait_change("a", timeout=0.05))

    with open_app(app) as page:
        page.wait_for_text("result None")


def test_pin_wait_change_argument_rules():
    def app():
        put_input("a")
        with pytest.raises(ValueError, match="at least one"):
            pin_wait_change()
        with pytest.raises(TypeError, match="timeout"):
            pin_wait_change("a", timeout="soon")
        changed = pin_wait_change("a", timeout=0)  # <= 0 means no limit, as PyWebIO
        put_text("got", changed["value"])

    with open_app(app) as page:
        page.settle()
        page.set_pin("a", "x")
        page.wait_for_text("got x")


def test_pin_wait_ignores_other_events_and_malformed_answers(caplog):
    def app():
        put_input("a")
        changed = pin_wait_change("a")
        put_text("got", changed["name"], changed["value"])

    with open_app(app) as page, caplog.at_level(logging.INFO):
        page.settle()
        task_id = page.session.tasks()[0].id
        page.send("input_event", task_id, {"event_name": "blur", "name": "x", "value": 1})
        page.send("js_yield", task_id, {"name": "not-asked", "value": 1})
        page.send("js_yield", task_id, None)
        assert "got" not in page.text
        page.set_pin("a", "real")
        page.wait_for_text("got a real")
    assert "ignored a input_event event" in caplog.text and "malformed answer" in caplog.text


def test_pin_on_change_callbacks_init_run_and_clear():
    seen = []

    def app():
        put_slider("level", value=3)
        pin_on_change("level", onchange=lambda v: seen.append(("cb", v)), init_run=True)
        put_text("ready")

    with open_app(app) as page:
        page.wait_for_text("ready")
        assert seen == [("cb", 3)]
        page.set_pin("level", 7)
        page.set_pin("level", 8)
        assert seen == [("cb", 3), ("cb", 7), ("cb", 8)]


def test_pin_on_change_clear_and_argument_rules():
    seen = []

    def app():
        put_input("a")
        with pytest.raises(ValueError, match="clear=True"):
            pin_on_change("a")
        with pytest.raises(TypeError, match="callable"):
            pin_on_change("a", onchange=5)
        pin_on_change("a", onchange=seen.append, serial_mode=True)
        put_text("ready")
        pin_wait_change("a")
        pin_on_change("a", clear=True)
        put_text("cleared")

    with open_app(app) as page:
        page.wait_for_text("ready")
        page.set_pin("a", "1")
        page.wait_for_text("cleared")
        page.set_pin("a", "2")
        page.settle()
    assert seen == ["1"]


def test_pin_on_change_ignores_malformed_events():
    seen = []

    def app():
        put_input("a")
        pin_on_change("a", onchange=seen.append)
        put_text("ready")

    with open_app(app) as page:
        page.wait_for_text("ready")
        callback_id = page.pin_listeners["a"]
        page.send("callback", callback_id, "no dict")
        page.send("callback", callback_id, {"other": 1})
        page.set_pin("a", "ok")
    assert seen == ["ok"]


def _binary(event, files):
    segments = [json.dumps(event).encode()]
    for name, content, input_name in files:
        segments += [json.dumps({"filename": name, "size": len(content), "mime_type": "text/plain",
                                 "last_modified": 1, "input_name": input_name}).encode(), content]
    return b"".join(len(s).to_bytes(8, "big") + s for s in segments)


def test_file_pin_values_arrive_as_file_dicts():
    got = []

    def app():
        put_file_upload("f", multiple=True)
        pin_on_change("f", onchange=got.append)
        got.append(pin_wait_change("f"))

    with open_app(app) as page:
        page.settle()
        task_id = page.session.tasks()[0].id
        page.send_binary(_binary({"event": "js_yield", "task_id": task_id, "data": {"name": "f", "value": []}},
                                 [("a.txt", b"A", "value"), ("b.txt", b"B", "value")]))
        page.send_binary(_binary({"event": "callback", "task_id": page.pin_listeners["f"],
                                  "data": {"value": []}}, [("c.txt", b"C", "value")]))
    assert got[0]["name"] == "f"
    assert [(f["filename"], f["content"], f["mime_type"]) for f in got[0]["value"]] == [
        ("a.txt", b"A", "text/plain"), ("b.txt", b"B", "text/plain")]
    assert [f["content"] for f in got[1]] == [b"C"]


def test_widgets_are_outputs_that_nest_and_style():
    from wsgi_webio.output import Output, put_row

    def app():
        widget = put_input("styled", label="S").style("width: 50%")
        assert isinstance(widget, Output)
        put_row([put_select("inner", ["a"]), put_text("beside")])
        put_text("read", pin.inner)  # the pending row reaches the page before pin_values

    with open_app(app) as page:
        page.wait_for_text("read a")
        styled = next(n for n in page.find(type="pin") if n.spec["input"]["name"] == "styled")
        assert styled.spec["style"] == "width: 50%"
        row = page.find(type="row")[0]
        assert [c.type for c in row.children] == ["pin", "text"]


def test_async_pin_on_change_callback_runs():
    async def later(value):
        await asyncio.sleep(0)
        put_text(f"async saw {value}")

    def app():
        put_input("a")
        pin_on_change("a", onchange=later)
        put_text("ready")

    with open_app(app) as page:
        page.wait_for_text("ready")
        page.set_pin("a", "x")
        page.wait_for_text("async saw x")
