"""wsgi_webio: interactive web apps written as plain blocking scripts, served by WSGI.

Nothing runs at import time: no monkey-patching, no threads, no servers. The names
below load lazily (PEP 562), so importing a pure submodule such as
``wsgi_webio.protocol`` does not import gevent. The one thing done here: script mode
(``wsgi_webio.script``, loaded on first use) is injected into the runtime's context as
what to ask when I/O runs with no session, in the context that imports the package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .runtime import context as _context

__version__ = "0.1.0"

_EXPORTS = (
    ("WebIOApp", "app"),
    ("wsgi_app", "app"),
    ("WebIOConfig", "options"),
    ("config", "platform.pageconf"),
    ("WebIOMiddleware", "middleware"),
    ("NoSessionError", "errors"),
    ("SessionClosed", "errors"),
    ("WebIOError", "errors"),
    ("make_server", "server"),
    ("start_server", "server"),
    # PyWebIO's top-level names (issue 13).
    ("SessionException", "errors"),
    ("SessionClosedException", "errors"),
    ("SessionNotFoundException", "errors"),
    ("enable_debug", "platform.toplevel"),
    ("STATIC_PATH", "platform.toplevel"),
)

__all__ = [
    "STATIC_PATH",
    "NoSessionError",
    "SessionClosed",
    "SessionClosedException",
    "SessionException",
    "SessionNotFoundException",
    "WebIOApp",
    "WebIOConfig",
    "WebIOError",
    "WebIOMiddleware",
    "__version__",
    "config",
    "enable_debug",
    "make_server",
    "start_server",
    "wsgi_app",
]

if TYPE_CHECKING:
    from .app import WebIOApp, wsgi_app
    from .errors import (
        NoSessionError,
        SessionClosed,
        SessionClosedException,
        SessionException,
        SessionNotFoundException,
        WebIOError,
    )
    from .middleware import WebIOMiddleware
    from .options import WebIOConfig
    from .platform.pageconf import config
    from .platform.toplevel import STATIC_PATH, enable_debug
    from .server import make_server, start_server


#: Submodules that ``wsgi_webio.<name>`` reaches without an import, as in PyWebIO.
_SUBMODULES = ("input", "output", "pin", "session", "platform")


def _script_session() -> Any:
    from .script import session_for_caller

    return session_for_caller()


_context.when_unbound(_script_session)


def __getattr__(name: str) -> Any:
    for export, module in _EXPORTS:
        if export == name:
            return getattr(importlib.import_module(f".{module}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'wsgi_webio' has no attribute {name!r}")
