"""Serve the browser tests' apps in a process of its own (gevent lives here, not in pytest).

Prints ``PORT <n>`` on stdout once listening, then serves until SIGTERM/SIGINT.

Except ``index`` (the gallery) and ``room`` (an async chat room), which use the Python
I/O API, the apps speak docs/ui-spec.md directly: they send raw
commands with ``session.send_command`` and read raw events with
``session.next_client_event``, so they test the client against the wire contract
without depending on the Python I/O API. Each app reports what it received as text
outputs ("label: <JSON>"), which the tests parse and compare.

    python tests/browser/serve_app.py
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event

import wsgi_webio
from wsgi_webio.gallery import main as gallery
from wsgi_webio.input import input as ask
from wsgi_webio.output import put_markdown, put_scope, put_scrollable, put_text
from wsgi_webio.runtime import context
from wsgi_webio.session import run_async

ROOT = "#pywebio-scope-ROOT"
#: A 1x1 transparent PNG.
PIXEL = ("data:image/png;base64,"
         "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


# ---------------------------------------------------------------------- raw protocol helpers
def _send(command: str, spec: Any = None, task_id: str | None = None) -> None:
    """Send a raw command, by default from (and for) the current task."""
    session, task = context.current_task()
    session.send_command(command, spec, task_id or task.id)


def _output(spec: dict[str, Any], scope: str = ROOT, position: int = -1) -> None:
    _send("output", {**spec, "scope": scope, "position": position})


def _text(content: str, scope: str = ROOT, position: int = -1) -> None:
    _output({"type": "text", "content": content, "inline": False}, scope, position)


def _plain(value: Any) -> Any:
    """JSON for what an app receives: uploaded files become {filename, size, mime_type, text}."""
    if hasattr(value, "as_dict"):
        d = value.as_dict()
        return {"filename": d["filename"], "size": d["size"], "mime_type": d["mime_type"],
                "text": d["content"].decode("utf-8", "replace")}
    raise TypeError(f"not JSON: {value!r}")


def _echo(label: str, value: Any) -> None:
    """Report a received value as ``label: <JSON>`` (sorted keys)."""
    _text(f"{label}: {json.dumps(value, sort_keys=True, default=_plain)}")


def _callback(fn: Callable[[Any], Any]) -> str:
    return context.get_current_session().register_callback(fn)


def _next(*names: str) -> Any:
    """The current task's next event named one of ``names`` (others are reported and skipped)."""
    session = context.get_current_session()
    while True:
        event = session.next_client_event()
        if not names or event.event in names:
            return event
        _echo(f"ignored {event.event}", event.data)


def _buttons(labels: list[str], onclick: Callable[[int], Any], scope: str = ROOT) -> None:
    _output({"type": "buttons", "callback_id": _callback(onclick),
             "buttons": [{"label": label, "value": i} for i, label in enumerate(labels)]}, scope)


def _text_item(name: str, label: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "text", "name": name, "label": label, **extra}


def _ask(label: str, item: dict[str, Any] | None = None) -> Any:
    """A single input: send the form, wait for its submit, destroy it, return the value."""
    item = item or _text_item("data", auto_focus=True)
    _send("input_group", {"label": label, "inputs": [item], "cancelable": False})
    event = _next("from_submit")
    _send("destroy_form")
    return event.data[item["name"]]


def _hold() -> None:
    """Keep the main task (and so the session) alive, reporting stray events."""
    _next("no such event")


# ---------------------------------------------------------------------- apps
def widgets() -> None:
    """client corner cases"""
    _text("B")
    _text("A", position=0)  # prepend: A B
    _text("C")  # append: A B C
    _text("A2", position=1)  # before child 1: A A2 B C
    _text("C0", position=-2)  # after child len-2: A A2 B C0 C
    _text("<b>not bold</b>")
    _output({"type": "html", "content": '<b id="opt-in">bold</b>'})
    _output({"type": "hologram", "content": "?"})
    _output({"type": "text", "content": "lost"}, scope="#pywebio-scope-nowhere")
    _output({"type": "buttons", "buttons": None, "callback_id": "x"})  # throws in the client
    _send("no_such_command", {})
    _text("after the bad ones")
    _send("toast", {"content": "toast until clicked", "duration": 0, "position": "right", "color": "#155724",
                    "callback_id": None})
    _send("popup", {"title": "Popup title", "content": ["plain string", {"type": "text", "content": "<i>spec</i>"}],
                    "size": "normal", "implicit_close": True, "closable": True, "dom_id": "pywebio-scope-popup1"})
    _ask("Close the popup, then press Submit")
    _send("close_popup")
    _text("bye")


def stack() -> None:
    """stacked forms"""
    _buttons(["Interrupt"], lambda _: _text("second: " + _ask("Second?")))
    _text("first: " + _ask("First?"))


def chat() -> None:
    """two questions (for the transport tests)"""
    _text("Hello from the chat app.")
    name = _ask("Your name?")
    _text(f"Hello, {name}!")
    _buttons(["Count"], lambda _: _text("counted"))
    age = _ask("Your age?", {"type": "number", "name": "data", "label": "", "auto_focus": True})
    _echo(f"{name} is", age)


def outputs() -> None:
    """every output type"""
    _output({"type": "text", "content": "<b>plain</b> & text", "inline": False, "dom_id": "t-plain"})
    _output({"type": "text", "content": "click me", "inline": True, "click_callback_id": _callback(
        lambda _: _text("text clicked")), "style": "color: rgb(200, 0, 0)", "dom_id": "t-click"})
    _output({"type": "markdown", "html": '<h3 id="md-h">Title</h3><p><em>em</em> &lt;raw&gt;</p>'})
    _output({"type": "html", "content": (
        '<div id="html-target">not yet</div>'
        '<script src="data:text/javascript,window.__lib={v:42};(window.__order=window.__order||[]).push(\'src\')">'
        '</script>'
        "<script>(window.__order=window.__order||[]).push('inline');"
        "document.getElementById('html-target').textContent='lib ' + window.__lib.v;</script>")})
    _output({"type": "code", "content": "x = '<tag>' & 1\nline 2\nline 3\nline 4", "language": "python",
             "rows": 2})
    _buttons(["One", "Two"], lambda i: _echo("clicked", i))
    _output({"type": "table", "header": 1,
             "data": [["H1", "H2", "H3"],
                      [{"type": "text", "content": "nested <i>", "inline": True}, "<b>b</b>", "c"],
                      ["wide", "x"]],
             "span": {"2,0": {"row": 1, "col": 2}}, "dom_id": "tbl"})
    _output({"type": "image", "src": PIXEL, "alt": "tiny pixel", "width": "24px", "height": None})
    _output({"type": "file", "name": "hello.txt", "label": "Get file",
             "content": base64.b64encode(b"hello file").decode()})
    _output({"type": "link", "name": "Docs", "url": "https://example.com/docs", "app": None, "new_window": True})
    _output({"type": "link", "name": "Other app", "url": None, "app": "stack", "new_window": False})
    _output({"type": "processbar", "name": "bar", "value": 0.25, "label": None, "auto_close": False})
    _output({"type": "loading", "shape": "grow", "color": "primary"})
    _output({"type": "collapse", "title": "More", "contents": ["hidden text"], "open": False})
    _output({"type": "scrollable", "height": 80, "min_height": None, "max_height": None, "keep_bottom": True,
             "border": True, "contents": [f"line {i}" for i in range(20)], "dom_id": "scroller"})
    _output({"type": "tabs", "tabs": [{"title": "First", "content": ["first body"]},
                                      {"title": "Second", "content": [{"type": "text", "content": "second body"}]}]})
    _output({"type": "row", "contents": ["r1", None, "r2"], "size": "1fr 10px 1fr", "dom_id": "row1"})
    _output({"type": "column", "contents": ["c1", "c2"], "size": None})
    _output({"type": "grid", "cells": [["g1", "g2"], ["g3"]], "cell_width": "5rem", "cell_height": None,
             "cell_widths": None, "cell_heights": None, "direction": "row", "dom_id": "grid1"})
    _output({"type": "scope", "dom_id": "pywebio-scope-box", "contents": ["in box"]})
    _output({"type": "scope", "dom_id": "pywebio-scope-gone", "contents": ["to be removed"]})
    _output({"type": "alert", "kind": "warning", "contents": ["careful", {"type": "text", "content": "twice"}],
             "closable": True, "dom_id": "the-alert"})
    _output({"type": "widget", "dom_id": "wid", "template": (
        '<div class="w"><h4>{{title}}</h4><ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>'
        '{{^empty}}<p class="none">no empties</p>{{/empty}}{{#empty}}<p class="some">some</p>{{/empty}}'
        '<div class="embed">{{& body}}</div><span class="dot">{{user.name}}</span>'
        '<span class="raw">{{{title}}}</span>{{! a comment }}</div>'),
        "data": {"title": "<script>window.__pwned=1</script>", "items": [{"name": "<i>a</i>"}, {"name": "b"}],
                 "empty": [], "body": [{"type": "text", "content": "embedded"}, "also"],
                 "user": {"name": "dotted"}}})

    def step(_: Any) -> None:
        _send("set_processbar", {"name": "bar", "value": 0.75, "label": "three quarters"})
        _send("output_ctl", {"set_scope": "pywebio-scope-made", "container": ROOT, "position": 0, "if_exist": None})
        _text("in made scope", scope="#pywebio-scope-made")
        _send("output_ctl", {"set_scope": "pywebio-scope-made", "container": ROOT, "position": -1, "if_exist": None})
        _send("output_ctl", {"set_scope": "pywebio-scope-box", "container": ROOT, "position": -1, "if_exist": "blank"})
        _text("refilled", scope="#pywebio-scope-box")
        _send("output_ctl", {"loose": "#pywebio-scope-box"})
        _send("output_ctl", {"remove": "#pywebio-scope-gone"})
        fresh = {"set_scope": "pywebio-scope-fresh", "container": ROOT, "position": -1}
        _send("output_ctl", {**fresh, "if_exist": None})
        _text("fresh 1", scope="#pywebio-scope-fresh")
        _send("output_ctl", {**fresh, "if_exist": "remove"})
        _text("fresh 2", scope="#pywebio-scope-fresh")
        _send("output_ctl", {**fresh, "if_exist": "clear"})
        _text("fresh 3", scope="#pywebio-scope-fresh")
        _send("output_ctl", {"clear": "#pywebio-scope-fresh"})
        _text("fresh 4", scope="#pywebio-scope-fresh")
        _text("line 20", scope="#scroller")
        _send("output_ctl", {"remove": ROOT})  # refused by the client
        _text("r3", scope="#row1")
        _text("step done")
        _send("output_ctl", {"scroll_to": "#pywebio-scope-made", "position": "top"})

    _buttons(["Step"], step)
    _text("outputs ready")
    _hold()


def form() -> None:
    """every input type"""
    session, main_task = context.current_task()

    def generate(_: Any) -> None:  # an input's action button: set the field from another task
        _send("update_input", {"target_name": "code", "attributes": {"value": "XYZ"}}, main_task.id)

    inputs = [
        _text_item("name", "Name", help_text="Your full name", placeholder="Ada Lovelace", datalist=["Ada", "Alan"],
                   onblur=True, auto_focus=True),
        {"type": "number", "name": "age", "label": "Age", "onblur": True},
        {"type": "float", "name": "ratio", "label": "Ratio"},
        {"type": "password", "name": "secret", "label": "Secret"},
        {"type": "url", "name": "site", "label": "Site"},
        {"type": "date", "name": "day", "label": "Day"},
        {"type": "time", "name": "clock", "label": "Clock"},
        {"type": "color", "name": "shade", "label": "Shade", "value": "#336699"},
        {"type": "datetime-local", "name": "when", "label": "When"},
        _text_item("code", "Code", action={"label": "Generate", "callback_id": _callback(generate)},
                   readonly=True, value="?"),
        {"type": "textarea", "name": "bio", "label": "Bio", "rows": 3, "maxlength": 200},
        {"type": "select", "name": "pet", "label": "Pet", "onchange": True,
         "options": [{"label": "Cat", "value": {"kind": "cat"}}, {"label": "Dog", "value": 2, "selected": True}]},
        {"type": "select", "name": "langs", "label": "Languages", "multiple": True,
         "options": [{"label": "Python", "value": "py"}, {"label": "Pair", "value": [1, 2]}]},
        {"type": "checkbox", "name": "extras", "label": "Extras", "inline": True,
         "options": [{"label": "Alpha", "value": "a"}, {"label": "Beta", "value": {"b": True}, "selected": True},
                     {"label": "Gamma", "value": None, "disabled": True}]},
        {"type": "radio", "name": "size", "label": "Size",
         "options": [{"label": "Small", "value": "s"}, {"label": "Medium", "value": 1.5}]},
        {"type": "slider", "name": "level", "label": "Level", "min_value": 0, "max_value": 10, "step": 1, "value": 3,
         "float": False},
        {"type": "actions", "name": "choice", "label": "",
         "buttons": [{"label": "Save", "value": {"v": 1}, "type": "submit"},
                     {"label": "Start over", "value": None, "type": "reset"},
                     {"label": "Give up", "value": None, "type": "cancel"}]},
    ]
    _send("input_group", {"label": "Everything", "inputs": inputs, "cancelable": False})
    submits = 0
    while True:
        event = _next("from_submit", "from_cancel", "input_event")
        if event.event == "input_event":
            _echo(f"event {event.data['name']} {event.data['event_name']}", event.data["value"])
            if event.data["name"] == "pet" and event.data["event_name"] == "change":
                _send("update_input", {"target_name": "langs", "attributes": {
                    "options": [{"label": "Rust", "value": "rs"}, {"label": "Go", "value": {"go": 1}}],
                    "help_text": "options replaced"}})
            continue
        if event.event == "from_cancel":
            _echo("cancelled", event.data)
            break
        submits += 1
        _echo(f"submit {submits}", event.data)
        if submits == 1:
            _send("update_input", {"target_name": "age", "attributes": {
                "valid_status": False, "invalid_feedback": "Too young"}})
        else:
            break
    _send("destroy_form")
    _send("input_group", {"label": "Second form", "inputs": [_text_item("again", "Again")], "cancelable": True})
    _echo("second", _next("from_submit", "from_cancel").event)
    _send("destroy_form")
    _text("form done")


def upload() -> None:
    """file uploads"""
    inputs = [
        {"type": "file", "name": "one", "label": "One file", "accept": ".txt,text/plain", "multiple": False,
         "max_size": 0, "max_total_size": 0, "help_text": "any text file"},
        {"type": "file", "name": "many", "label": "Many files", "multiple": True, "max_size": 100,
         "max_total_size": 150},
        _text_item("note", "Note"),
    ]
    main_task = context.current_task()[1]

    def finish(_: Any) -> None:  # the form stays, showing its finished progress bar, until "Finish"
        _send("destroy_form", None, main_task.id)
        _text("upload done")

    _buttons(["Finish"], finish)
    _send("input_group", {"label": "Upload", "inputs": inputs, "cancelable": False})
    event = _next("from_submit")
    _echo("upload", event.data)
    _hold()


def pins() -> None:
    """pin widgets"""
    _output({"type": "pin", "input": _text_item("p_text", "Pin text", value="start")})
    _output({"type": "pin", "input": {"type": "textarea", "name": "p_area", "label": "Pin area", "value": "a\nb"}})
    _output({"type": "pin", "input": {"type": "select", "name": "p_sel", "label": "Pin select",
                                      "options": [{"label": "X", "value": "x"}, {"label": "Y", "value": [1]}]}})
    _output({"type": "pin", "input": {"type": "checkbox", "name": "p_box", "label": "Pin boxes",
                                      "options": [{"label": "On", "value": True}]}})
    _output({"type": "pin", "input": {"type": "radio", "name": "p_radio", "label": "Pin radio",
                                      "options": [{"label": "R1", "value": 1}, {"label": "R2", "value": 2}]}})
    _output({"type": "pin", "input": {"type": "slider", "name": "p_slider", "label": "Pin slider", "value": 5,
                                      "min_value": 0, "max_value": 10, "step": 1}})
    _output({"type": "pin", "input": {"type": "actions", "name": "p_act", "label": "Pin actions",
                                      "buttons": [{"label": "Act A", "value": "A", "type": "submit"}]}})
    _output({"type": "pin", "input": {"type": "file", "name": "p_file", "label": "Pin file", "multiple": True,
                                      "max_size": 0, "max_total_size": 0}})
    names = ["p_text", "p_area", "p_sel", "p_box", "p_radio", "p_slider", "p_act", "p_file", "p_missing"]

    def read(_: Any) -> None:
        _send("pin_values", {"names": names})
        _echo("values", _next("js_yield").data)

    def update(_: Any) -> None:
        _send("pin_update", {"name": "p_text", "attributes": {"value": "from server", "help_text": "new help"}})
        _send("pin_update", {"name": "p_sel", "attributes": {
            "options": [{"label": "Z", "value": {"z": 1}}, {"label": "W", "value": "w", "selected": True}]}})
        _send("pin_update", {"name": "p_slider", "attributes": {"value": 8}})
        _send("pin_update", {"name": "p_radio", "attributes": {
            "options": [{"label": "R1", "value": 1}, {"label": "R2", "value": 2}, {"label": "R3", "value": [3]}],
            "label": "Pin radio, three"}})
        _send("pin_update", {"name": "p_box", "attributes": {
            "options": [{"label": "On", "value": True}, {"label": "Off", "value": False, "selected": True}]}})
        _text("updated")

    def wait(_: Any) -> None:
        _send("pin_wait", {"names": ["p_text", "p_radio"], "timeout": None})
        _text("waiting")
        _echo("changed", _next("js_yield").data)

    def wait_briefly(_: Any) -> None:
        _send("pin_wait", {"names": ["p_area"], "timeout": 0.3})
        _echo("timeout", _next("js_yield").data)

    on_change = _callback(lambda data: _echo("onchange", data))

    def listen(_: Any) -> None:
        _send("pin_onchange", {"name": "p_sel", "callback_id": on_change, "clear": False})
        _send("pin_onchange", {"name": "p_act", "callback_id": on_change, "clear": False})
        _text("listening")

    def unlisten(_: Any) -> None:
        _send("pin_onchange", {"name": "p_sel", "callback_id": None, "clear": True})
        _text("not listening")

    _buttons(["Read", "Update", "Wait", "Wait briefly", "Listen", "Unlisten"],
             lambda i: [read, update, wait, wait_briefly, listen, unlisten][i](None))
    _text("pins ready")
    _hold()


def flood() -> None:
    """more output than flow control lets out unacknowledged (2.5 MiB against 1 MiB)"""
    def run(_: Any) -> None:
        for i in range(40):
            _text(f"block {i} " + "x" * 65536)
        _text("flood done")

    _buttons(["Flood"], run)
    _hold()


def overlays() -> None:
    """popup, toast, download, run_script, eval"""
    _output({"type": "html", "content": "<script>window.__helper = (x) => x * 2;</script>"})
    toast_cb = _callback(lambda _: _text("toast clicked"))

    def show_popup(_: Any) -> None:
        _send("popup", {"title": "Big popup", "size": "large", "implicit_close": False, "closable": True,
                        "dom_id": "pywebio-scope-pop", "content": [
                            {"type": "text", "content": "popup body"},
                            {"type": "html", "content": "<script>document.currentScript.after('popup script ran')"
                                                        "</script>"}]})
        _text("later in popup", scope="#pywebio-scope-pop")

    def modal(_: Any) -> None:
        _send("popup", {"title": "Stuck", "size": "small", "implicit_close": True, "closable": False,
                        "content": ["only the app closes this", {
                            "type": "buttons", "callback_id": _callback(close),
                            "buttons": [{"label": "Done", "value": 0}]}]})

    def toasts(_: Any) -> None:
        _send("toast", {"content": "click this toast", "duration": 0, "position": "left", "color": "success",
                        "callback_id": toast_cb})
        _send("toast", {"content": "short toast", "duration": 300, "position": "center", "color": "error",
                        "callback_id": None})

    def scripts(_: Any) -> None:
        _send("run_script", {"code": "document.title = prefix + __helper(n)", "args": {"prefix": "T", "n": 21},
                             "eval": False})
        for label, code, args in [
            ("sum", "a + b", {"a": 2, "b": 3}),
            ("promise", "new Promise(r => setTimeout(() => r({ok: [1, 'two']}), 50))", {}),
            ("throws", "undefinedThing.x", {}),
            ("rejects", "Promise.reject(new Error('no'))", {}),
            ("undefined", "void 0", {}),
            ("title", "document.title", {}),
        ]:
            _send("run_script", {"code": code, "args": args, "eval": True})
            _echo(f"eval {label}", _next("js_yield").data)

    def close(_: Any) -> None:
        _send("close_popup")

    def env(_: Any) -> None:
        _send("set_env", {"title": "Env title", "output_max_width": "600px", "auto_scroll_bottom": True,
                          "output_animation": False, "input_panel_fixed": True})
        for i in range(60):
            _text(f"filler {i}")
        _text("bottom line")

    _buttons(["Popup", "Modal", "Toasts", "Download", "Scripts", "Env"],
             lambda i: [show_popup, modal, toasts, lambda _: _send("download", {
                 "name": "report.txt", "content": base64.b64encode(b"report body").decode()}), scripts, env][i](None))
    pushed = _callback(lambda data: _echo("pushed", data))
    _output({"type": "html", "content": (
        "<button type='button' id='push'>Push</button><script>document.getElementById('push').addEventListener("
        f"'click', () => WebIO.pushData({{from: 'html'}}, '{pushed}'))</script>")})  # no onclick="": the CSP forbids it
    _text("overlays ready")
    _hold()


#: Script URLs as browsers accept them (tab, CR and LF removed anywhere, leading controls
#: dropped), and data:/vbscript: ones: none may run, however a URL reaches the page.
SCRIPT_URLS = ["javascript:window.__pwned=1", "java\tscript:window.__pwned=2", "java\nscript:window.__pwned=3",
               "java\rscript:window.__pwned=4", "\x01javascript:window.__pwned=5", " JaVaScRiPt:window.__pwned=6",
               "data:text/html,<script>opener.__pwned=7</script>", "vbscript:msgbox(8)"]


def xss() -> None:
    """script URLs sent raw, around the server's own URL checks"""
    for i, url in enumerate(SCRIPT_URLS):
        _output({"type": "link", "name": f"link {i}", "url": url, "app": None, "new_window": False})
        _output({"type": "image", "src": url, "alt": f"image {i}"})
        _output({"type": "markdown", "html": f'<p><a href="{url}">md {i}</a><img alt="mdimg {i}" src="{url}"></p>'})
    _output({"type": "link", "name": "safe link", "url": "https://example.invalid/x", "app": None,
             "new_window": False})
    _output({"type": "image", "src": PIXEL, "alt": "safe image"})
    _text(f"xss urls: {len(SCRIPT_URLS)}")
    _hold()


@wsgi_webio.config(title="Configured app", description="An app with config()",
                   css_style="#pywebio-scope-ROOT { border-top: 3px solid rgb(1, 2, 3); }",
                   js_code="window.__configured = 'yes';")
def configured() -> None:
    """the docstring's title, which config() overrides"""
    _text("configured ready")
    _hold()


def make_room() -> Callable[[], Any]:
    """An ``async def`` chat room: every session sees every message (PyWebIO's chat
    demo, in miniature). Its state lives in this closure, shared by its sessions."""
    messages: list[str] = []
    listeners: set[asyncio.Event] = set()

    async def show_new(seen: int) -> None:
        wake = asyncio.Event()
        listeners.add(wake)
        try:
            while True:
                while seen < len(messages):
                    put_text(messages[seen], scope="room-messages")
                    seen += 1
                await wake.wait()
                wake.clear()
        finally:
            listeners.discard(wake)

    async def room() -> None:
        name = await ask("Your nickname?", required=True)
        put_markdown(f"## Chat room\nYou are **{name}**.")
        put_scrollable(put_scope("room-messages"), height=200, keep_bottom=True)
        run_async(show_new(0))
        while True:
            text = await ask("Message", placeholder="say something")
            messages.append(f"{name}: {text}")
            for wake in listeners:
                wake.set()

    return room


# ---------------------------------------------------------------------- PyWebIO fidelity (issue 13)
def fidelity() -> None:
    """PyWebIO idioms through the Python API: put_widget's output parse, a header cell
    spanning rows, markdown task lists and sanitized HTML, pin names, a lone file_upload"""
    from wsgi_webio.input import file_upload
    from wsgi_webio.output import put_table, put_widget, span
    from wsgi_webio.pin import put_checkbox, put_radio

    put_widget('<div id="w-idiom">{{#contents}}<section class="w-item">{{& pywebio_output_parse}}</section>'
               "{{/contents}}</div>",
               {"contents": [put_text("first embedded"), put_markdown("**second embedded**")]})
    put_scope("tbl-span", put_table([["C"], [span("E", col=2)], ["F", "G"]], header=[span("A", row=2), "B"]))
    put_scope("md-tasks", put_markdown("- [ ] todo\n- [x] done\n\n<b onclick=\"window.__pwned=1\">bold</b>"
                                       f'<img alt="pixel" src="{PIXEL}" onload="window.__pwned=2">'
                                       '<a href="java&#9;script:window.__pwned=3">link</a>'))
    put_checkbox("pin_box", ["a", "b"], label="Pin box")
    put_radio("pin_radio", ["x", "y"], label="Pin radio")
    put_text("fidelity ready")
    put_text(f"uploaded: {(file_upload('Your avatar') or {}).get('filename')}")
    _hold()


FIDELITY_APPS = {"fidelity": fidelity}


#: What every vector runs if it gets to run: the canary the XSS corpus test reads.
XSS_RUN = "top.__xss=1;alert(1)"


def _entities(text: str, fmt: str) -> str:
    return "".join(fmt % ord(c) for c in text)


def xss_vectors() -> list[str]:
    """Filter-evasion vectors in the manner of OWASP's XSS filter evasion cheat sheet
    (written out here, not copied), each running ``XSS_RUN`` if it ever runs."""
    x = XSS_RUN
    js = "javascript:" + x
    svg = base64.b64encode(f'<svg xmlns="http://www.w3.org/2000/svg" onload="{x}"/>'.encode()).decode()
    page = base64.b64encode(f"<script>{x}</script>".encode()).decode()
    return [
        # URLs, however a browser reads a scheme
        js, "JaVaScRiPt:" + x, " javascript:" + x, "java\tscript:" + x, "java\nscript:" + x, "java\rscript:" + x,
        "\x01javascript:" + x, "\x00javascript:" + x, "jav&#x09;ascript:" + x, "javascript&colon;" + x,
        "javascript://%0a" + x, "data:text/html,<script>" + x + "</script>", "data:text/html;base64," + page,
        "data:image/svg+xml;base64," + svg, "vbscript:msgbox(1)", "\u2028javascript:" + x,
        # markup
        f"<script>{x}</script>", f"<SCRIPT SRC=data:text/javascript,{x}></SCRIPT>", f'<IMG SRC="{js}">',
        f"<IMG SRC=JaVaScRiPt:{x}>", f"<IMG SRC=`{js}`>", f'<a onmouseover="{x}">link</a>',
        f'<IMG """><SCRIPT>{x}</SCRIPT>">', f'<IMG SRC=# onmouseover="{x}">', f'<IMG SRC=/ onerror="{x}"></img>',
        "<IMG SRC=" + _entities(js, "&#%07d") + ">", "<IMG SRC=" + _entities(js, "&#x%X") + ">",
        f'<IMG SRC="jav&#x09;ascript:{x}">', f'<IMG SRC="jav&#x0A;ascript:{x}">', f'<IMG SRC=" &#14;  {js}">',
        f'<SCRIPT/XSS SRC="data:text/javascript,{x}"></SCRIPT>', f"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`={x}>",
        f"<<SCRIPT>{x}//<</SCRIPT>", f"<iframe src={js} <", f"</TITLE><SCRIPT>{x}</SCRIPT>",
        f'<INPUT TYPE="IMAGE" SRC="{js}">', f'<BODY BACKGROUND="{js}">', f"<svg/onload={x}>",
        f"<svg><script>{x}</script></svg>", f'<LINK REL="stylesheet" HREF="{js}">',
        f'<META HTTP-EQUIV="refresh" CONTENT="0;url={js}">', f'<IFRAME SRC="{js}"></IFRAME>',
        f'<IFRAME SRC=# onmouseover="{x}"></IFRAME>', f'<TABLE BACKGROUND="{js}">',
        f'<DIV STYLE="background-image: url({js})">', f'<DIV STYLE="width: expression({x});">',
        f'<OBJECT TYPE="text/x-scriptlet" DATA="data:text/html,<script>{x}</script>"></OBJECT>',
        f'<EMBED SRC="data:image/svg+xml;base64,{svg}" type="image/svg+xml">', f'<a href="{js}">click</a>',
        f'<a href="java&#x09;script:{x}">tab</a>', f'<a href="&#x01;{js}">ctl</a>', f"<details open ontoggle={x}>",
        f"<math><mtext><table><mglyph><style><img src=x onerror={x}>",
        f'<noscript><p title="</noscript><img src=x onerror={x}>">', f'"><img src=x onerror={x}>',
        f"'-{x}-'", f'";{x};//', f"{{{{constructor.constructor('{x}')()}}}}", f"{{{{{{x}}}}}}<img src=x onerror={x}>",
        f"<form><button formaction={js}>x</button></form>", f"<video><source onerror={x}></video>",
        f"<style>@import'{js}';</style>", f'<base href="{js}//">', f"<img src=x onerror={x}//",
        f"<scr<script>ipt>{x}</scr</script>ipt>", f"<![CDATA[<script>{x}</script>]]>",
        f"<!--<img src=--><img src=x onerror={x}//>", f"<a href=\"{js}\"\x00>nul</a>",
    ]


def xss_corpus() -> None:
    """every output, label, toast, popup and URL-taking function, fed filter-evasion vectors"""
    import wsgi_webio.input as inp
    import wsgi_webio.output as out

    vectors = xss_vectors()
    refused: list[str] = []

    def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            call(*args, **kwargs)
        except (ValueError, TypeError) as exc:  # a refusal is a pass
            refused.append(f"{getattr(call, '__name__', call)}: {exc}"[:80])

    for i, v in enumerate(vectors):
        attempt(out.put_text, v)
        attempt(out.put_markdown, v)
        attempt(out.put_markdown, f"[md {i}]({v}) ![mdimg {i}]({v}) <{v}>")
        attempt(out.put_html, v, sanitize=True)
        attempt(out.put_link, v, url=v)
        attempt(out.put_link, f"app link {i}", app=v)
        attempt(out.put_image, v, title=v)
        attempt(out.put_table, [[v, out.put_text(v)]], header=[v, f"h{i}"])
        attempt(out.put_buttons, [v, {"label": v, "value": i}], onclick=lambda _: None)
        attempt(out.put_file, v, b"x", label=v)
        attempt(out.put_processbar, f"bar{i}", label=v)
        attempt(out.put_collapse, v, [v])
        attempt(out.put_tabs, [{"title": v, "content": v}])
        attempt(out.put_info, v)
        attempt(out.put_code, v)
        attempt(out.put_row, [out.put_text(v), None, out.put_text(v)])
        attempt(out.put_grid, [[out.put_text(v)]])
        attempt(out.put_scope, v)
        attempt(out.put_scope, f"s{i}", [v])
        attempt(out.put_widget, "<p>{{x}}</p><p>{{& y}}</p>", {"x": v, "y": [v]})
        attempt(out.toast, v, duration=0)
        attempt(out.popup, v, [v, out.put_text(v)])
    _text(f"xss corpus: {len(vectors)} vectors, {len(refused)} refused")
    inputs: list[Any] = []
    for i, v in enumerate(vectors):
        inputs += [inp.input(v, name=f"t{i}", help_text=v, placeholder=v),
                   inp.textarea(v, name=f"a{i}", placeholder=v, help_text=v),
                   inp.select(v, options=[(v, 1), (f"o{i}", 2)], name=f"s{i}"),
                   inp.checkbox(v, options=[(v, 1)], name=f"c{i}"),
                   inp.radio(v, options=[(v, 1)], name=f"r{i}"),
                   inp.actions(v, buttons=[{"label": v, "value": 1, "type": "submit"}], name=f"b{i}")]
    inp.input_group(vectors[16], inputs)  # the form's label too


def _main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="server %(levelname)s %(name)s: %(message)s")
    apps = {"index": gallery, "room": make_room(), "widgets": widgets, "stack": stack, "chat": chat,
            "outputs": outputs, "form": form, "upload": upload, "pins": pins, "overlays": overlays,
            "flood": flood, "xss": xss, "configured": configured, "xss_corpus": xss_corpus}
    apps.update(FIDELITY_APPS)
    server, app = wsgi_webio.make_server(apps, "127.0.0.1", 0)
    server.start()
    print(f"PORT {server.server_port}", flush=True)
    stop = gevent.event.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(sig, stop.set)
    stop.wait()
    app.close()
    server.stop(timeout=1)


if __name__ == "__main__":
    _main()
