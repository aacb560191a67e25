"""Serve the browser tests' apps in a process of its own (gevent lives here, not in pytest).

Prints ``PORT <n>`` on stdout once listening, then serves until SIGTERM/SIGINT.
Apps: ``index`` (the demo), ``widgets`` (client rendering corner cases) and
``stack`` (concurrent forms).

    python tests/browser/serve_app.py
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import gevent
import gevent.event

import wsgi_webio
from wsgi_webio.demo import main as demo
from wsgi_webio.input import input
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.runtime import context


def _send(command: str, spec: Any = None) -> None:
    """Send a raw command from the current task (what later put_* functions will do)."""
    session, task = context.current_task()
    session.send_command(command, spec, task.id)


def _output(spec: dict[str, Any], scope: str = "#pywebio-scope-ROOT", position: int = -1) -> None:
    _send("output", {**spec, "scope": scope, "position": position})


def widgets() -> None:
    """client corner cases"""
    put_text("B")
    put_text("A", position=0)  # prepend: A B
    put_text("C")  # append: A B C
    put_text("A2", position=1)  # before child 1: A A2 B C
    put_text("C0", position=-2)  # after child len-2: A A2 B C0 C
    put_text("<b>not bold</b>")
    _output({"type": "html", "content": '<b id="opt-in">bold</b>'})
    _output({"type": "hologram", "content": "?"})
    _output({"type": "text", "content": "lost"}, scope="#pywebio-scope-nowhere")
    _output({"type": "buttons", "buttons": None, "callback_id": "x"})  # throws in the client
    _send("no_such_command", {})
    put_text("after the bad ones")
    _send("toast", {"content": "toast until clicked", "duration": 0, "position": "right", "color": "#155724",
                    "callback_id": None})
    _send("popup", {"title": "Popup title", "content": ["plain string", {"type": "text", "content": "<i>spec</i>"}],
                    "size": "normal", "implicit_close": True, "closable": True, "dom_id": "pywebio-scope-popup1"})
    input("Close the popup, then press Submit")
    _send("close_popup")
    put_text("bye")


def stack() -> None:
    """stacked forms"""
    put_buttons(["Interrupt"], onclick=lambda _: put_text("second: " + input("Second?")))
    put_text("first: " + input("First?"))


def _main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="server %(levelname)s %(name)s: %(message)s")
    server, app = wsgi_webio.make_server({"index": demo, "widgets": widgets, "stack": stack}, "127.0.0.1", 0)
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
