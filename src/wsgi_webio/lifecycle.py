"""Graceful shutdown: how a server tells the apps it serves that it is stopping.

Owns :class:`ShutdownHooks`, which a server (wsgi_webio's gunicorn worker, or anything
embedding wsgi_webio) puts in every request's environ under :data:`SHUTDOWN_KEY`.
Each :class:`~wsgi_webio.app.WebIOApp` that sees it registers itself once; on SIGTERM the
server calls :meth:`ShutdownHooks.shutdown`, which makes every registered app tell its
open sessions (their pages show the message) and close them. No module-level state and
no signal handling here: the server owns both the hooks object and its signals.
"""

from __future__ import annotations

import logging
import weakref
from typing import Protocol

import gevent

__all__ = ["DEFAULT_MESSAGE", "SHUTDOWN_KEY", "ShutdownHooks", "Stoppable"]

logger = logging.getLogger(__name__)

#: environ key of the server's :class:`ShutdownHooks`.
SHUTDOWN_KEY = "wsgi_webio.shutdown"
#: What open sessions' pages show when the server stops.
DEFAULT_MESSAGE = "The server is restarting. Reload the page in a moment to start again."


class Stoppable(Protocol):
    def shutdown(self, message: str = DEFAULT_MESSAGE, timeout: float = 5.0) -> None: ...


class ShutdownHooks:
    """The apps one server process serves, held weakly, to be shut down together."""

    def __init__(self) -> None:
        self._apps: weakref.WeakSet[Stoppable] = weakref.WeakSet()
        self.stopping = False

    def register(self, app: Stoppable) -> None:
        """Add ``app`` (idempotent). An app registered after shutdown began is shut down at once."""
        if app in self._apps:
            return
        self._apps.add(app)
        if self.stopping:
            gevent.spawn(app.shutdown, DEFAULT_MESSAGE, 0.5)

    def __len__(self) -> int:
        return len(self._apps)

    def shutdown(self, message: str = DEFAULT_MESSAGE, timeout: float = 5.0) -> None:
        """Shut every registered app down in parallel; returns within about ``timeout`` seconds."""
        self.stopping = True
        apps = list(self._apps)
        if not apps:
            return
        logger.info("telling the sessions of %d app(s) that the server stops", len(apps))
        jobs = [gevent.spawn(app.shutdown, message, timeout) for app in apps]
        gevent.joinall(jobs, timeout=timeout + 1)
        for job in jobs:
            if not job.dead:
                job.kill(block=False)
            elif job.exception is not None:
                logger.error("shutting an app down failed: %r", job.exception)
