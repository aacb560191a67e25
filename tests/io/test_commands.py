"""One source of commands: ``core/commands.py`` names every command the server sends,
and the browser client and the test harness handle exactly those."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from tests.io.client_tables import _top_level_keys, client_tables
from wsgi_webio.core import commands
from wsgi_webio.protocol import encode_command
from wsgi_webio.testing import Page


def test_the_client_handles_exactly_the_commands_the_server_sends():
    handled, _ = client_tables()
    assert handled == commands.COMMANDS


def test_the_client_renders_exactly_the_output_types_the_api_builds():
    _, rendered = client_tables()
    assert rendered == commands.OUTPUT_TYPES


def test_the_api_builds_exactly_the_output_types_the_client_renders():
    ui = Path(commands.__file__).resolve().parents[1] / "ui"
    built: set[str] = set()
    for path in ui.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant):
                        built.add(value.value)
    # Every {"type": "..."} literal of ui/ is an output spec; put_row/put_column pass theirs as an argument.
    assert built | {"row", "column"} == commands.OUTPUT_TYPES


def test_the_harness_handles_exactly_the_session_commands():
    handled = {name.removeprefix("_cmd_") for name in dir(Page) if name.startswith("_cmd_")}
    assert handled == commands.SESSION_COMMANDS


def test_the_table_reader_sees_every_kind_of_entry():
    # Control for the reader: methods, arrows, shorthand, quoted keys; nothing nested, no strings or comments.
    source = """const OUTPUTS = { text: (s) => el("p", { inner: 1 }), markdown(spec) { return "{ no: 1 }"; },
      table, // comment: notakey
      "quoted-key": 1, /* skipped, */ grid, tpl: `a ${ {x: 1} } b`, };"""
    assert _top_level_keys(source, source.index("{")) == {"text", "markdown", "table", "quoted-key", "grid", "tpl"}


def test_builders_make_what_the_client_reads():
    name, spec = commands.toast("hi", 2000, "right", "info", "CB-1")
    assert json.loads(encode_command(name, spec, "T1")) == {
        "command": "toast", "task_id": "T1",
        "spec": {"content": "hi", "duration": 2000, "position": "right", "color": "info", "callback_id": "CB-1"},
    }
    assert commands.notice_toast("bye").spec == {"content": "bye", "duration": 0, "position": "center",
                                                 "color": "warning", "callback_id": None}
    assert commands.error_toast("oops").spec["color"] == commands.ERROR_COLOR
    assert commands.output({"type": "text", "content": "a"}, "#pywebio-scope-ROOT", -1).spec == {
        "type": "text", "content": "a", "scope": "#pywebio-scope-ROOT", "position": -1}
    assert commands.destroy_form() == ("destroy_form", None)
    assert {commands.run_script("1", {}, True).name, commands.pin_wait(["a"], None).name} <= commands.COMMANDS
