"""The exact commands each output function puts on the wire (docs/ui-spec.md),
read straight from the session's outbox of an app that runs to its end."""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

import pytest

from tests.runtime.conftest import FakeClock, make_info
from wsgi_webio.options import WebIOConfig
from wsgi_webio.output import (
    JSFunction,
    Output,
    OutputPosition,
    PopupSize,
    clear,
    close_popup,
    datatable_insert,
    datatable_remove,
    datatable_update,
    get_scope,
    output,
    popup,
    put_button,
    put_buttons,
    put_code,
    put_collapse,
    put_column,
    put_datatable,
    put_error,
    put_file,
    put_grid,
    put_html,
    put_image,
    put_info,
    put_link,
    put_loading,
    put_markdown,
    put_processbar,
    put_progressbar,
    put_row,
    put_scope,
    put_scrollable,
    put_success,
    put_table,
    put_tabs,
    put_text,
    put_warning,
    put_widget,
    remove,
    scroll_to,
    set_processbar,
    set_scope,
    span,
    style,
    toast,
    use_scope,
)
from wsgi_webio.runtime.registry import SessionRegistry

ROOT = "#pywebio-scope-ROOT"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8


def wire(app) -> list[dict[str, Any]]:
    """Every command an app sends, once it has run to its end."""
    registry = SessionRegistry(WebIOConfig(), FakeClock())
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            app()
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's greenlet
            errors.append(exc)

    try:
        session = registry.create(guarded, make_info())
        # Apps with callbacks keep their session open: wait for the tasks, not the close.
        assert session.wait_settled(session.tasks(), 2) and not session.tasks(), "the app did not finish"
        if errors:
            raise errors[0]
        commands = [json.loads(c) for c in session.link.since(session.link.first_seq)]
        return [c for c in commands if c["command"] != "close_session"]
    finally:
        registry.close_all()


def specs(app) -> list[dict[str, Any]]:
    """The specs of the output commands an app sends, without scope/position."""
    out = []
    for c in wire(app):
        assert c["command"] == "output", c
        spec = dict(c["spec"])
        assert spec.pop("scope") == ROOT and spec.pop("position") == -1
        out.append(spec)
    return out


def one(app) -> dict[str, Any]:
    (spec,) = specs(app)
    return spec


TEXT_A = {"type": "text", "content": "a", "inline": False}


@pytest.mark.parametrize(("call", "spec"), [
    pytest.param(lambda: put_text("a", 1, None), {"type": "text", "content": "a 1 None", "inline": False},
                 id="text joins str() of each"),
    pytest.param(lambda: put_text("a", "b", sep="-", inline=True), {"type": "text", "content": "a-b", "inline": True},
                 id="text sep and inline"),
    pytest.param(lambda: put_html("<b>x</b>"), {"type": "html", "content": "<b>x</b>"}, id="html"),
    pytest.param(lambda: put_code("x = 1", "python", rows=3),
                 {"type": "code", "content": "x = 1", "language": "python", "rows": 3}, id="code"),
    pytest.param(lambda: put_code(42), {"type": "code", "content": "42", "language": "", "rows": None},
                 id="code defaults"),
    pytest.param(lambda: put_markdown("**b**"), {"type": "markdown", "html": "<p><strong>b</strong></p>\n",
                                                 "content": "**b**", "sanitize": True},
                 id="markdown"),
    pytest.param(lambda: put_file("a.txt", b"hi"),
                 {"type": "file", "name": "a.txt", "label": "a.txt", "content": "aGk="}, id="file"),
    pytest.param(lambda: put_file("a.txt", b"hi", "get it"),
                 {"type": "file", "name": "a.txt", "label": "get it", "content": "aGk="}, id="file label"),
    pytest.param(lambda: put_link("docs", url="https://x.org"),
                 {"type": "link", "name": "docs", "url": "https://x.org", "app": None, "new_window": False},
                 id="link url"),
    pytest.param(lambda: put_link("admin", app="admin", new_window=True),
                 {"type": "link", "name": "admin", "url": None, "app": "admin", "new_window": True}, id="link app"),
    pytest.param(lambda: put_processbar("bar", 0.25),
                 {"type": "processbar", "name": "bar", "value": 0.25, "label": "25.0%", "auto_close": False},
                 id="processbar"),
    pytest.param(lambda: put_progressbar("bar", label="go", auto_close=True),
                 {"type": "processbar", "name": "bar", "value": 0.0, "label": "go", "auto_close": True},
                 id="progressbar alias"),
    pytest.param(lambda: put_loading(), {"type": "loading", "shape": "border", "color": "dark"}, id="loading"),
    pytest.param(lambda: put_loading("grow", "primary"), {"type": "loading", "shape": "grow", "color": "primary"},
                 id="loading grow"),
    pytest.param(lambda: put_image("https://x.org/a.png", title="logo", width="50px", height=20),
                 {"type": "image", "src": "https://x.org/a.png", "alt": "logo", "width": "50px", "height": "20px"},
                 id="image url"),
    pytest.param(lambda: put_collapse("t", [put_text("a"), "b"], open=True),
                 {"type": "collapse", "title": "t", "contents": [TEXT_A, "b"], "open": True}, id="collapse"),
    pytest.param(lambda: put_scrollable(put_text("a"), height=200, keep_bottom=True),
                 {"type": "scrollable", "contents": [TEXT_A], "height": "200px", "min_height": None,
                  "max_height": None, "keep_bottom": True, "border": True}, id="scrollable fixed"),
    pytest.param(lambda: put_scrollable(["x"], height=(100, "50vh"), border=False),
                 {"type": "scrollable", "contents": ["x"], "height": None, "min_height": "100px",
                  "max_height": "50vh", "keep_bottom": False, "border": False}, id="scrollable range"),
    pytest.param(lambda: put_tabs([{"title": "T", "content": put_text("a")}, {"title": "U", "content": ["x", 2]}]),
                 {"type": "tabs", "tabs": [{"title": "T", "content": [TEXT_A]}, {"title": "U", "content": ["x", "2"]}]},
                 id="tabs"),
    pytest.param(lambda: put_row([put_text("a"), None, "b"]),
                 {"type": "row", "contents": [TEXT_A, {"type": "html", "content": ""}, "b"], "size": "1fr 10px 1fr"},
                 id="row with gap"),
    pytest.param(lambda: put_row([put_text("a")], size="40%"), {"type": "row", "contents": [TEXT_A], "size": "40%"},
                 id="row size"),
    pytest.param(lambda: put_column([put_text("a")]), {"type": "column", "contents": [TEXT_A], "size": None},
                 id="column"),
    pytest.param(lambda: put_scope("box", put_text("a")),
                 {"type": "scope", "dom_id": "pywebio-scope-box", "contents": [TEXT_A]}, id="scope"),
    pytest.param(lambda: put_info("a", put_text("a"), closable=True),
                 {"type": "alert", "kind": "info", "contents": ["a", TEXT_A], "closable": True}, id="info"),
    pytest.param(lambda: put_success("ok"), {"type": "alert", "kind": "success", "contents": ["ok"], "closable": False},
                 id="success"),
    pytest.param(lambda: put_warning("w"), {"type": "alert", "kind": "warning", "contents": ["w"], "closable": False},
                 id="warning"),
    pytest.param(lambda: put_error("e"), {"type": "alert", "kind": "error", "contents": ["e"], "closable": False},
                 id="error"),
    pytest.param(lambda: put_widget("<b>{{x}}</b>{{& o}}", {"x": 1, "o": [put_text("a")], "n": {"k": [True]}}),
                 {"type": "widget", "template": "<b>{{x}}</b>{{& o}}",
                  "data": {"x": 1, "o": [TEXT_A], "n": {"k": [True]}}}, id="widget"),
    pytest.param(lambda: Output({"type": "pin", "input": {"type": "text", "name": "n"}}),
                 {"type": "pin", "input": {"type": "text", "name": "n"}}, id="Output for pin"),
    pytest.param(lambda: put_text("a").style("color: red").style("margin: 0"),
                 {"type": "text", "content": "a", "inline": False, "style": "color: red;margin: 0"}, id="style"),
])
def test_output_spec(call, spec):
    assert one(call) == spec


def test_table_header_rows_and_spans():
    def app():
        put_table([[span("Name", row=2), span("Address", col=2)], ["City", "Country"], ["Wang", 3, put_text("a")]])

    spans = {"0,0": {"row": 2, "col": 1}, "0,1": {"row": 1, "col": 2}}
    assert one(app) == {"type": "table", "header": 1, "span": spans,
                        "data": [["Name", "Address"], ["City", "Country"], ["Wang", "3", TEXT_A]]}


def test_table_of_dicts_orders_by_header_and_fills_missing_keys():
    def app():
        put_table([{"a": 1, "b": 2}, {"b": 3}], header=[("A", "a"), (put_text("a"), "b")])
        put_table([{"x": 1, "y": 2}])
        put_table([["r"]], header=["h"])

    tables = specs(app)
    assert tables[0]["data"] == [["A", TEXT_A], ["1", "2"], ["", "3"]]
    assert tables[1]["data"] == [["X", "Y"], ["1", "2"]]
    assert tables[2]["data"] == [["h"], ["r"]] and tables[2]["header"] == 1


def test_buttons_carry_indexes_not_values():
    def app():
        put_buttons(["a", ("B", {"v": 1}), {"label": "C", "value": 3, "color": "danger", "disabled": True}],
                    onclick=print, small=True, link_style=True, outline=True, group=True)
        put_button("go", onclick=lambda: None, color="success")

    buttons, button = specs(app)
    assert buttons.pop("callback_id").startswith("CB-")
    assert buttons == {"type": "buttons", "small": True, "group": True, "link": True, "outline": True, "buttons": [
        {"label": "a", "value": 0, "color": "primary", "disabled": False},
        {"label": "B", "value": 1, "color": "primary", "disabled": False},
        {"label": "C", "value": 2, "color": "danger", "disabled": True}]}
    assert button["buttons"] == [{"label": "go", "value": 0, "color": "success", "disabled": False}]
    assert (button["small"], button["link"], button["outline"], button["group"]) == (False, False, False, False)


@pytest.mark.parametrize(("data", "fmt", "mime"), [
    pytest.param(PNG, None, "image/png", id="png"),
    pytest.param(b"\xff\xd8\xff\xe0" + b"\0" * 8, None, "image/jpeg", id="jpeg"),
    pytest.param(b"GIF89a" + b"\0" * 8, None, "image/gif", id="gif"),
    pytest.param(b"RIFF\0\0\0\0WEBPVP8 ", None, "image/webp", id="webp"),
    pytest.param(b"BM" + b"\0" * 10, None, "image/bmp", id="bmp"),
    pytest.param(b"  <svg xmlns='http://www.w3.org/2000/svg'/>", None, "image/svg+xml", id="svg"),
    pytest.param(b"<?xml version='1.0'?><svg/>", None, "image/svg+xml", id="svg with xml declaration"),
    pytest.param(b"whatever", "jpg", "image/jpeg", id="format given"),
    pytest.param(bytearray(PNG), "svg", "image/svg+xml", id="format wins"),
])
def test_image_bytes_become_data_urls(data, fmt, mime):
    spec = one(lambda: put_image(data, format=fmt))
    assert spec["src"] == f"data:{mime};base64,{base64.b64encode(bytes(data)).decode()}"
    assert (spec["alt"], spec["width"], spec["height"]) == ("", None, None)


@pytest.mark.parametrize("url", ["java\tscript:alert(1)", "\x01javascript:alert(1)", "vbscript:x",
                                 "data:text/html,<script>x</script>", "JAVA\nSCRIPT:x", "file:///etc/passwd"])
def test_script_urls_are_dropped_from_links_and_images(url, caplog):
    assert one(lambda: put_link("x", url=url))["url"] == ""
    assert one(lambda: put_image(url))["src"] == ""
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("wsgi_webio")]
    assert len(warnings) == 2 and all("dropped a" in w and "allowed schemes" in w for w in warnings), warnings
    assert not any("alert" in w or "passwd" in w for w in warnings)  # the scheme only, never the URL


@pytest.mark.parametrize("url", ["/page?x=a:b", "#top", "https://x.org", "mailto:a@b.c", "?app=other"])
def test_safe_urls_are_kept(url):
    assert one(lambda: put_link("x", url=url))["url"] == url


def test_grid_pads_rows_and_spans_cells():
    def app():
        put_grid([[put_text("a"), "b", "c"], [None, span(put_text("a"), col=2)], ["e"]], cell_width="100px")

    gap = {"type": "html", "content": ""}
    assert one(app) == {
        "type": "grid", "direction": "row", "cell_width": "100px", "cell_height": "auto",
        "cell_widths": "repeat(3, 100px)", "cell_heights": "repeat(3, auto)",
        "cells": [[TEXT_A, "b", "c"],
                  [gap, dict(TEXT_A, style="grid-row-start: span 1; grid-column-start: span 2")],
                  ["e", gap, gap]]}


def test_scope_commands():
    def app():
        set_scope("a")
        set_scope("b", container_scope="a", position=OutputPosition.TOP, if_exist="remove")
        with use_scope("c", clear=True):
            put_text("in c")
            clear()
            scroll_to(position="middle")
        clear("a")
        remove("b")
        with use_scope("a", create_scope=False):
            put_text("in a", scope=0)

    sent = wire(app)
    assert [(c["command"], c["spec"]) for c in sent] == [
        ("output_ctl", {"set_scope": "pywebio-scope-a", "container": ROOT, "position": -1, "if_exist": None}),
        ("output_ctl", {"set_scope": "pywebio-scope-b", "container": "#pywebio-scope-a", "position": 0,
                        "if_exist": "remove"}),
        ("output_ctl", {"set_scope": "pywebio-scope-c", "container": ROOT, "position": -1, "if_exist": "blank"}),
        ("output", dict(TEXT_A, content="in c", scope="#pywebio-scope-c", position=-1)),
        ("output_ctl", {"clear": "#pywebio-scope-c"}),
        ("output_ctl", {"scroll_to": "#pywebio-scope-c", "position": "middle"}),
        ("output_ctl", {"loose": "#pywebio-scope-c"}),
        ("output_ctl", {"clear": "#pywebio-scope-a"}),
        ("output_ctl", {"remove": "#pywebio-scope-b"}),
        ("output", dict(TEXT_A, content="in a", scope=ROOT, position=-1)),
        ("output_ctl", {"loose": "#pywebio-scope-a"}),
    ]


def test_get_scope_reads_the_task_stack():
    seen = []

    def app():
        with use_scope("a"), use_scope("b"):
            seen.append((get_scope(), get_scope(-2), get_scope(0), get_scope(5)))
        seen.append(get_scope())

    wire(app)
    assert seen == [("b", "a", "ROOT", None), "ROOT"]


def test_popup_toast_processbar_commands():
    def app():
        popup("T", [put_text("a"), "b"], size=PopupSize.LARGE, closable=False)
        close_popup()
        toast("hi", duration=0, position="right", color="warn")
        toast("x", color="#2188ff", onclick=lambda: None)
        set_processbar("bar", 0.5)
        set_processbar("bar", 1, label="done")

    pop, close, toast1, toast2, bar1, bar2 = wire(app)
    dom_id = pop["spec"].pop("dom_id")
    assert dom_id.startswith("pywebio-scope-")
    assert pop["spec"] == {"title": "T", "content": [TEXT_A, "b"], "size": "large", "implicit_close": False,
                           "closable": False}
    assert close == {"command": "close_popup", "spec": None, "task_id": close["task_id"]}
    assert toast1["spec"] == {"content": "hi", "duration": 0, "position": "right", "color": "warning",
                              "callback_id": None}
    assert toast2["spec"]["color"] == "#2188ff" and toast2["spec"]["duration"] == 2000
    assert toast2["spec"]["callback_id"].startswith("CB-")
    assert bar1["spec"] == {"name": "bar", "value": 0.5, "label": "50.0%"}
    assert bar2["spec"] == {"name": "bar", "value": 1.0, "label": "done"}


def test_positions_and_explicit_scopes_are_resolved_when_created():
    def app():
        set_scope("s")
        a = put_text("a", scope="s")
        put_text("b", scope="ROOT", position=0)
        put_row([a])  # embedded: its scope no longer matters
        with use_scope("s"):
            c = put_text("c", position=-2)
        put_column([c])  # sent when use_scope's exit sent its command: the column holds a copy

    outs = [(c["spec"]["type"], c["spec"]["scope"], c["spec"]["position"]) for c in wire(app)
            if c["command"] == "output"]
    assert outs == [("text", ROOT, 0), ("row", ROOT, -1), ("text", "#pywebio-scope-s", -2), ("column", ROOT, -1)]


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: put_text("a", scope="bad name"), ValueError, "bad name", id="scope name"),
    pytest.param(lambda: put_text("a", position="0"), TypeError, "position", id="position type"),
    pytest.param(lambda: put_code("x", rows=0), ValueError, "rows", id="code rows"),
    pytest.param(lambda: put_buttons([{"value": 1}], onclick=print), ValueError, "label", id="button dict"),
    pytest.param(lambda: put_buttons(["a"], onclick=[print, print]), ValueError, "1 buttons but 2", id="onclick count"),
    pytest.param(lambda: put_buttons(["a"], onclick=print, mutex=True), TypeError, "mutex", id="option"),
    pytest.param(lambda: put_buttons(["a"], onclick=1), TypeError, "onclick", id="onclick type"),
    pytest.param(lambda: put_button("a", onclick=print, color="pink"), ValueError, "pink", id="color"),
    pytest.param(lambda: put_image(b"????"), ValueError, "format", id="unknown image bytes"),
    pytest.param(lambda: put_image(42), TypeError, "int", id="image type"),
    pytest.param(lambda: put_file("a", "text"), TypeError, "bytes", id="file content"),
    pytest.param(lambda: put_link("a"), ValueError, "exactly one", id="link neither"),
    pytest.param(lambda: put_link("a", url="u", app="b"), ValueError, "exactly one", id="link both"),
    pytest.param(lambda: put_processbar("a b"), ValueError, "a b", id="processbar name"),
    pytest.param(lambda: put_processbar("a", 1.5), ValueError, "1.5", id="processbar value"),
    pytest.param(lambda: set_processbar("a", float("nan")), ValueError, "nan", id="processbar nan"),
    pytest.param(lambda: put_loading("spin"), ValueError, "spin", id="loading shape"),
    pytest.param(lambda: put_scrollable(height=(1, 2, 3)), ValueError, "height", id="scrollable height"),
    pytest.param(lambda: put_tabs([{"title": "x"}]), ValueError, "content", id="tabs"),
    pytest.param(lambda: put_grid([], direction="diagonal"), ValueError, "diagonal", id="grid direction"),
    pytest.param(lambda: span("a", row=0), ValueError, "row", id="span"),
    pytest.param(lambda: put_widget("t", {"d": object()}), TypeError, "object", id="widget data"),
    pytest.param(lambda: put_widget("t", {"d": float("inf")}), ValueError, "inf", id="widget inf"),
    pytest.param(lambda: Output({"content": "no type"}), TypeError, "type", id="Output spec"),
    pytest.param(lambda: Output({"type": "x", "v": {1: 2}}), TypeError, "key", id="Output keys"),
    pytest.param(lambda: put_markdown("x", options={"nope": 1}), ValueError, "nope", id="markdown option"),
    pytest.param(lambda: put_markdown("x", unknown=1), TypeError, "unknown", id="markdown kwarg"),
    pytest.param(lambda: put_markdown("x", options={"baseUrl": object()}), TypeError, "options", id="markdown options"),
    pytest.param(lambda: put_html(3), TypeError, "put_html", id="html type"),
    pytest.param(lambda: set_scope("a", if_exist="keep"), ValueError, "keep", id="if_exist"),
    pytest.param(lambda: remove("ROOT"), ValueError, "ROOT", id="remove ROOT"),
    pytest.param(lambda: scroll_to("a", position="left"), ValueError, "left", id="scroll position"),
    pytest.param(lambda: use_scope("a", colour=1), TypeError, "colour", id="use_scope kwarg"),
    pytest.param(lambda: popup("t", size="huge"), ValueError, "huge", id="popup size"),
    pytest.param(lambda: toast("t", position="top"), ValueError, "top", id="toast position"),
    pytest.param(lambda: toast("t", duration=-1), ValueError, "duration", id="toast duration"),
])
def test_bad_arguments_raise_naming_the_value(call, error, match):
    def app():
        with pytest.raises(error, match=match):
            call()

    assert wire(app) == []


def test_markdown_options_and_deprecated_strip_indent():
    def app():
        put_markdown("a\nb", options={"breaks": True, "gfm": True})
        with pytest.warns(DeprecationWarning, match="strip_indent"):
            put_markdown("  # T\n  x", lstrip=False, strip_indent=2)

    breaks, stripped = specs(app)
    assert breaks["html"] == "<p>a<br>\nb</p>\n"
    assert stripped["html"] == "<h1>T</h1>\n<p>x</p>\n"


def test_pil_images_are_saved_in_their_format(monkeypatch):
    saved = []

    class Image:  # the shape of PIL.Image.Image that put_image relies on
        format = "GIF"

        def save(self, fp, format):
            saved.append(format)
            fp.write(b"GIF89a...")

    fake = type(sys)("PIL.Image")
    fake.Image = Image
    monkeypatch.setitem(sys.modules, "PIL.Image", fake)

    def app():
        put_image(Image())
        put_image(Image(), format="png")

    gif, png = specs(app)
    assert gif["src"] == "data:image/gif;base64," + base64.b64encode(b"GIF89a...").decode()
    assert png["src"].startswith("data:image/png;base64,")
    assert saved == ["GIF", "png"]


def test_deprecated_style_and_output_handle():
    def app():
        with pytest.warns(DeprecationWarning, match="style"):
            red = style(put_text("Red"), "color:red")
        with pytest.warns(DeprecationWarning, match="style"):
            pair = style([put_text("a"), put_text("b")], "margin:0")
        put_table([["A", red], pair])
        with pytest.warns(DeprecationWarning, match="output"):
            hobby = output("Coding")
        put_table([["Hobbies", hobby]])
        hobby.append("Music", put_text("Drama"))
        hobby.insert(0, put_text("first"))
        hobby.reset("Movie")

    table, hobbies, music, drama, first, clear_cmd, movie = wire(app)
    assert table["spec"]["data"] == [["A", dict(TEXT_A, content="Red", style="color:red")],
                                     [dict(TEXT_A, style="margin:0"), dict(TEXT_A, content="b", style="margin:0")]]
    scope = hobbies["spec"]["data"][0][1]
    assert scope["type"] == "scope" and scope["contents"] == ["Coding"]
    selector = "#" + scope["dom_id"]
    assert (music["spec"]["content"], music["spec"]["scope"], music["spec"]["position"]) == ("Music", selector, -1)
    assert (drama["spec"]["content"], drama["spec"]["position"]) == ("Drama", -1)
    assert (first["spec"]["content"], first["spec"]["position"]) == ("first", 0)
    assert clear_cmd["spec"] == {"clear": selector}
    assert movie["spec"]["content"] == "Movie"


@pytest.mark.parametrize("call", [
    lambda: put_datatable([{"a": 1}]),
    lambda: datatable_update("t", {}),
    lambda: datatable_insert("t", []),
    lambda: datatable_remove("t", [1]),
    lambda: JSFunction("return 1"),
])
def test_datatable_is_refused_with_a_reason(call):
    with pytest.raises(NotImplementedError, match="put_table"):
        call()


def test_output_handle_reset_and_append_show_new_outputs_once():
    # PyWebIO's idiom passes fresh put_xxx() calls: each goes into the handle's scope only.
    def app():
        with pytest.warns(DeprecationWarning, match="output"):
            box = output("old")
        put_text("before")
        box.send()
        box.reset(put_text("new"), put_markdown("*md*"))
        box.append(put_text("two"), put_text("three"))
        box.insert(0, put_text("zero"), put_text("one"))
        put_text("after")

    shown = wire(app)
    texts = [(cmd["spec"].get("content"), cmd["spec"]["scope"]) for cmd in shown
             if cmd["command"] == "output" and cmd["spec"]["type"] in ("text", "markdown")]
    box_scope = next(cmd["spec"]["dom_id"] for cmd in shown if cmd["spec"].get("type") == "scope")
    inside = "#" + box_scope
    assert texts == [("before", ROOT), ("new", inside), ("*md*", inside), ("two", inside), ("three", inside),
                     ("zero", inside), ("one", inside), ("after", ROOT)]


def test_put_widget_pywebio_idiom_embeds_its_outputs_once():
    def app():
        put_widget("{{#contents}}{{& pywebio_output_parse}}{{/contents}}",
                   {"contents": [put_text("a"), put_markdown("**b**")]})

    (widget,) = specs(app)
    first, second = widget["data"]["contents"]
    assert first == TEXT_A and (second["type"], second["content"]) == ("markdown", "**b**")
