"""PyWebIO's top-level helpers that are not I/O: ``enable_debug``, ``STATIC_PATH``,
``run_event_loop``.

Owns the three: ``enable_debug`` sends wsgi_webio's log to stderr (PyWebIO's sends its
own and Tornado's), ``STATIC_PATH`` is the folder of the packaged browser client, and
``run_event_loop`` is the no-op that PyWebIO's Flask/Django coroutine apps call (here
``async def`` apps run on gevent's hub, docs/async.md). Only ``enable_debug`` changes
anything, and only when called: the ``wsgi_webio`` logger's handlers, as asked.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Final

__all__ = ["STATIC_PATH", "enable_debug", "run_event_loop"]

logger = logging.getLogger(__name__)

#: The folder of the packaged browser client (PyWebIO's ``STATIC_PATH``): what an app
#: serves under ``<mount>/_webio/static/``.
STATIC_PATH: Final = str(resources.files("wsgi_webio").joinpath("static"))

_FORMAT = "[%(levelname)s %(asctime)s %(name)s:%(lineno)d %(funcName)s] %(message)s"


def enable_debug(level: int | None = None) -> None:
    """Log wsgi_webio's messages at ``level`` (default DEBUG) and above to stderr.

    Replaces the handlers of the ``wsgi_webio`` logger (so calling it twice logs once) and
    stops its records from also reaching the root logger, as PyWebIO does for its own.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%y%m%d %H:%M:%S"))
    package = logging.getLogger("wsgi_webio")
    package.handlers = [handler]
    package.setLevel(level or logging.DEBUG)
    package.propagate = False


def run_event_loop(debug: bool = False) -> None:
    """PyWebIO's ``run_event_loop``: not needed here, so it returns at once.

    PyWebIO's Flask and Django backends run coroutine apps on an asyncio loop that the
    developer starts in a thread with this function. wsgi_webio runs ``async def`` apps on
    gevent's hub under every server (docs/async.md); there is no loop to start.
    """
    logger.info("run_event_loop() is not needed with wsgi_webio: async apps run on gevent's hub; returning")
