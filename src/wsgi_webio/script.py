"""Script mode: a plain script that calls ``input()`` / ``put_*()`` at its top level.

.. code-block:: python

    # hello.py -- run with: python hello.py
    from wsgi_webio.input import input
    from wsgi_webio.output import put_text

    name = input("Your name?")
    put_text(f"Hello, {name}")

Owns :func:`session_for_caller`, which the package's entry (``wsgi_webio/__init__.py``)
injects into the runtime's context as what to ask when an I/O function runs with no
session bound (the runtime never imports this module). It answers only for the main greenlet of the main thread
called from code of the ``__main__`` module (a script, ``python -m module`` or
``python -c``): then it patches the standard library, starts the development server on
127.0.0.1 (a free port, or ``WSGI_WEBIO_PORT``), opens the browser (unless
``WSGI_WEBIO_NO_BROWSER=1``), waits for the page, and binds the script to that single
session. When the script ends its last outputs are delivered and the server stops;
when the page goes away for good the script gets SessionClosed. Everywhere else
(served apps, tests, libraries) it returns None, so NoSessionError keeps its meaning.
Holds no module-level state: what a running script needs lives in the closures of
the one :class:`_ScriptMode` the main greenlet made.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import webbrowser
from types import FrameType
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event
import greenlet

from .core import commands
from .errors import SessionClosed
from .runtime import context

if TYPE_CHECKING:
    from .runtime.session import Session, Task

__all__ = ["ENV_DISABLE", "ENV_NO_BROWSER", "ENV_PORT", "session_for_caller"]

logger = logging.getLogger(__name__)

#: Set to 1 (or true/yes) to serve the script without opening a browser.
ENV_NO_BROWSER = "WSGI_WEBIO_NO_BROWSER"
#: The port to serve on (default: a free one).
ENV_PORT = "WSGI_WEBIO_PORT"
#: Set to 0 to turn script mode off: I/O outside a session then raises NoSessionError.
ENV_DISABLE = "WSGI_WEBIO_SCRIPT_MODE"
#: When the script ends, longest wait for the page to fetch its last outputs.
FLUSH_TIMEOUT_S = 5.0

_PACKAGE = __name__.split(".")[0]


def _flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    return value not in ("0", "false", "no", "off")


def _called_from_main_module() -> bool:
    """Whether the first frame outside this package runs code of the ``__main__`` module."""
    main = sys.modules.get("__main__")
    if main is None:
        return False
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name != _PACKAGE and not name.startswith(_PACKAGE + "."):
            return frame.f_globals is vars(main)
        frame = frame.f_back
    return False


def session_for_caller() -> tuple[Session, Task] | None:
    """The script's session when the caller is a script's top level, else None."""
    if greenlet.getcurrent().parent is not None or threading.current_thread() is not threading.main_thread():
        return None
    if _flag(ENV_DISABLE) is False or not _called_from_main_module():
        return None
    return _ScriptMode().start()


class _ScriptMode:
    """The server and the single session of one running script."""

    def __init__(self) -> None:
        self.main = greenlet.getcurrent()
        self.ready: gevent.event.AsyncResult[tuple[Session, Task]] = gevent.event.AsyncResult()
        self.done = gevent.event.Event()
        self.finishing = False
        self.server: Any = None
        self.app: Any = None

    def start(self) -> tuple[Session, Task]:
        from .server import _patch, make_server  # the dev server, on this path only

        _patch()
        script = os.path.basename(getattr(sys.modules.get("__main__"), "__file__", None) or "script")
        port = int(os.environ.get(ENV_PORT) or 0)
        self.server, self.app = make_server(self._session_main, "127.0.0.1", port, title=script)
        try:
            self.server.start()
        except OSError as exc:
            raise OSError(exc.errno, f"script mode cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        url = f"http://127.0.0.1:{self.server.server_port}/"
        atexit.register(self._finish)
        print(f"wsgi_webio: {script} runs at {url}", file=sys.stderr, flush=True)
        if not _flag(ENV_NO_BROWSER):
            try:
                webbrowser.open(url)
            except (webbrowser.Error, OSError) as exc:  # no browser is not an error: the URL is printed
                logger.info("could not open a browser: %s", exc)
        bound = self.ready.get()
        assert bound is not None  # get() without a timeout returns the value
        context.set_current(*bound)
        return bound

    def _session_main(self) -> None:
        """Each session's main task: the first one lends its identity to the script."""
        session, task = context.current_task()
        if self.ready.ready() or self.finishing:
            notice = commands.notice_toast("This script already runs in another tab.")
            session.send_command(notice.name, notice.spec, task.id)
            return
        self.ready.set((session, task))
        try:
            self.done.wait()
        except SessionClosed:
            # The page is gone for good: end the script where it waits, as input() would.
            if not self.finishing and not self.main.dead:
                gevent.get_hub().loop.run_callback(self._interrupt_script)
            raise

    def _interrupt_script(self) -> None:
        if not self.finishing and not self.main.dead:
            self.main.throw(SessionClosed())

    def _finish(self) -> None:
        """At exit: deliver the last outputs, close the session, stop the server."""
        self.finishing = True
        self.done.set()
        try:
            if self.app is not None:
                self.app.shutdown(None, timeout=FLUSH_TIMEOUT_S)
        finally:
            if self.server is not None:
                self.server.stop(timeout=1)
