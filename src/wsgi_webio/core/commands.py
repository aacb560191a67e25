"""Every command the server sends to the browser: its name, its fields, its builder.

Owns the server-to-client vocabulary of docs/ui-spec.md in one place: the command
names (``SESSION_COMMANDS`` go through a session's outbox; ``SET_SESSION_ID`` is the
WebSocket transport's greeting), the output types the client renders
(``OUTPUT_TYPES``), and one builder per command that returns a ``Command`` with the
spec shaped as the client reads it. The runtime, the I/O API, the app and script
mode build commands here and nowhere else; ``tests/io/test_commands.py`` checks
that the JS client and ``wsgi_webio.testing`` handle exactly these names.

Pure: no gevent, no WSGI, no session. Builders shape data; they must not check an
app's arguments (the I/O API does, with messages in its own terms), encode JSON
(``protocol.encode_command`` does) or send anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

__all__ = [
    "COMMANDS",
    "OUTPUT_TYPES",
    "SESSION_COMMANDS",
    "Command",
    "close_popup",
    "close_session",
    "destroy_form",
    "download",
    "error_popup",
    "error_toast",
    "input_group",
    "notice_toast",
    "output",
    "output_ctl",
    "pin_onchange",
    "pin_update",
    "pin_values",
    "pin_wait",
    "popup",
    "run_script",
    "set_env",
    "set_processbar",
    "set_session_id",
    "toast",
    "update_input",
]

OUTPUT: Final = "output"
OUTPUT_CTL: Final = "output_ctl"
SET_PROCESSBAR: Final = "set_processbar"
INPUT_GROUP: Final = "input_group"
UPDATE_INPUT: Final = "update_input"
DESTROY_FORM: Final = "destroy_form"
POPUP: Final = "popup"
CLOSE_POPUP: Final = "close_popup"
TOAST: Final = "toast"
SET_ENV: Final = "set_env"
RUN_SCRIPT: Final = "run_script"
DOWNLOAD: Final = "download"
PIN_VALUES: Final = "pin_values"
PIN_UPDATE: Final = "pin_update"
PIN_WAIT: Final = "pin_wait"
PIN_ONCHANGE: Final = "pin_onchange"
CLOSE_SESSION: Final = "close_session"
#: Not a session command: the WebSocket transport's first message, carrying the session id.
SET_SESSION_ID: Final = "set_session_id"

#: The commands a session queues for its client (what ``wsgi_webio.testing`` handles).
SESSION_COMMANDS: Final = frozenset({
    OUTPUT, OUTPUT_CTL, SET_PROCESSBAR, INPUT_GROUP, UPDATE_INPUT, DESTROY_FORM, POPUP, CLOSE_POPUP, TOAST,
    SET_ENV, RUN_SCRIPT, DOWNLOAD, PIN_VALUES, PIN_UPDATE, PIN_WAIT, PIN_ONCHANGE, CLOSE_SESSION,
})
#: Every command a browser client receives (what ``static/`` handles).
COMMANDS: Final = SESSION_COMMANDS | {SET_SESSION_ID}

#: The ``type`` of every output spec the I/O API builds (docs/ui-spec.md, outputs).
OUTPUT_TYPES: Final = frozenset({
    "text", "markdown", "html", "code", "table", "buttons", "image", "file", "link", "processbar", "loading",
    "collapse", "scrollable", "tabs", "row", "column", "grid", "scope", "alert", "widget", "pin",
})

#: The colour of the toast that reports an app's error (Bootstrap's danger red).
ERROR_COLOR: Final = "#dc3545"


class Command(NamedTuple):
    """One command for the client: its name and its spec (JSON data, or None)."""

    name: str
    spec: Any = None


# ---------------------------------------------------------------------------- outputs
def output(spec: Mapping[str, Any], scope: str, position: int) -> Command:
    """Show the output ``spec`` in the element ``scope`` (a CSS selector) at ``position``."""
    return Command(OUTPUT, dict(spec, scope=scope, position=position))


def output_ctl(**spec: Any) -> Command:
    """Act on scopes: one of ``set_scope`` (with ``container``, ``position``,
    ``if_exist``), ``clear``, ``remove``, ``scroll_to`` (with ``position``) or ``loose``,
    each a CSS selector (``set_scope``: an element id)."""
    return Command(OUTPUT_CTL, spec)


def set_processbar(name: str, value: float, label: str | None) -> Command:
    return Command(SET_PROCESSBAR, {"name": name, "value": value, "label": label})


def popup(title: str, content: list[Any], size: str, implicit_close: bool, closable: bool,
          dom_id: str | None = None) -> Command:
    """A modal dialog; its body is the element ``dom_id`` (a scope), when given."""
    spec = {"title": title, "content": content, "size": size, "implicit_close": implicit_close,
            "closable": closable}
    if dom_id is not None:
        spec["dom_id"] = dom_id
    return Command(POPUP, spec)


def close_popup() -> Command:
    return Command(CLOSE_POPUP, None)


def toast(content: str, duration_ms: int, position: str, color: str, callback_id: str | None = None) -> Command:
    """A notification; ``duration_ms`` 0 keeps it until clicked."""
    return Command(TOAST, {"content": content, "duration": duration_ms, "position": position, "color": color,
                           "callback_id": callback_id})


def notice_toast(content: str) -> Command:
    """A warning from the server itself (shutting down, script already running) that
    stays until the user clicks it."""
    return toast(content, 0, "center", "warning")


def error_toast(content: str) -> Command:
    """The toast that tells a user their app failed."""
    return toast(content, 4000, "center", ERROR_COLOR)


def error_popup(title: str, details: str) -> Command:
    """The debug-mode report of an app's error: ``details`` (a traceback) as text."""
    return popup(title, [{"type": "text", "content": details, "inline": False}], "large", True, True)


# ---------------------------------------------------------------------------- forms
def input_group(label: str, inputs: Sequence[Mapping[str, Any]], cancelable: bool) -> Command:
    return Command(INPUT_GROUP, {"label": label, "inputs": list(inputs), "cancelable": cancelable})


def update_input(target_name: str, attributes: Mapping[str, Any]) -> Command:
    return Command(UPDATE_INPUT, {"target_name": target_name, "attributes": attributes})


def destroy_form() -> Command:
    return Command(DESTROY_FORM, None)


# ---------------------------------------------------------------------------- page
def set_env(env: Mapping[str, Any]) -> Command:
    return Command(SET_ENV, dict(env))


def run_script(code: str, args: Mapping[str, Any], evaluate: bool) -> Command:
    """Run ``code`` with ``args`` as variables; with ``evaluate``, the page answers
    its value with a ``js_yield`` event."""
    return Command(RUN_SCRIPT, {"code": code, "args": args, "eval": evaluate})


def download(name: str, content_base64: str) -> Command:
    return Command(DOWNLOAD, {"name": name, "content": content_base64})


def close_session() -> Command:
    return Command(CLOSE_SESSION, None)


def set_session_id(session_id: str) -> Command:
    return Command(SET_SESSION_ID, session_id)


# ---------------------------------------------------------------------------- pins
def pin_values(names: Sequence[str]) -> Command:
    """Ask the page for these pin widgets' values (answered by ``js_yield``)."""
    return Command(PIN_VALUES, {"names": list(names)})


def pin_update(name: str, attributes: Mapping[str, Any]) -> Command:
    return Command(PIN_UPDATE, {"name": name, "attributes": attributes})


def pin_wait(names: Sequence[str], timeout: float | None) -> Command:
    """Ask the page for the first change of these widgets (``js_yield``; null after ``timeout`` s)."""
    return Command(PIN_WAIT, {"names": list(names), "timeout": timeout})


def pin_onchange(name: str, callback_id: str | None, clear: bool) -> Command:
    return Command(PIN_ONCHANGE, {"name": name, "callback_id": callback_id, "clear": clear})
