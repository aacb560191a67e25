"""wsgi_webio: interactive web apps written as plain blocking scripts, served by WSGI.

Nothing runs at import time: no monkey-patching, no threads, no servers.
"""

from __future__ import annotations

from .app import WebIOApp, wsgi_app
from .config import WebIOConfig
from .errors import NoSessionError, SessionClosed, WebIOError
from .server import make_server, start_server

__version__ = "0.1.0"

__all__ = [
    "NoSessionError",
    "SessionClosed",
    "WebIOApp",
    "WebIOConfig",
    "WebIOError",
    "__version__",
    "make_server",
    "start_server",
    "wsgi_app",
]
