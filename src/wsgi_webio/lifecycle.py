"""Graceful shutdown: how a server tells the apps it serves that it is stopping.

Owns :class:`ShutdownHooks`, which a server (wsgi_webio's gunicorn worker, or anything
embedding wsgi_webio) puts in every request's environ under :data:`SHUTDOWN_KEY`.
Each :class:`~wsgi_webio.app.WebIOApp` that sees it registers itself once; on SIGTERM the
server calls :meth:`ShutdownHooks.shutdown`, which makes every registered app tell its
open sessions (their pages show the message) and close them.

Servers that do not know about wsgi_webio get one hooks object per process from
:func:`uwsgi_hooks` (tied to ``uwsgi.atexit``, which uWSGI's gevent loop calls on SIGINT
or SIGTERM after it stopped accepting and before the worker exits, and to SIGHUP, its
graceful reload) or :func:`gunicorn_hooks` (gunicorn's stock gevent workers: SIGTERM
first tells the sessions, then lets gunicorn stop the worker as usual). That per-process
table is the only module-level state here; :mod:`wsgi_webio._env` asks for it on an app's
first request.
"""

from __future__ import annotations

import logging
import os
import signal
import weakref
from collections.abc import Callable
from typing import Any, Protocol

import gevent
import gevent.event

__all__ = ["DEFAULT_MESSAGE", "SHUTDOWN_KEY", "ShutdownHooks", "Stoppable", "gunicorn_hooks", "uwsgi_hooks"]

logger = logging.getLogger(__name__)

#: environ key of the server's :class:`ShutdownHooks`.
SHUTDOWN_KEY = "wsgi_webio.shutdown"
#: What open sessions' pages show when the server stops.
DEFAULT_MESSAGE = "The server is restarting. Reload the page in a moment to start again."
#: Under uWSGI, how long the sessions' clients get to fetch the message before the worker
#: exits (well inside uWSGI's --worker-reload-mercy, 60 s by default).
UWSGI_DRAIN_S = 5.0
#: Under gunicorn's stock gevent workers, the most of the graceful timeout spent on it.
GUNICORN_MAX_DRAIN_S = 10.0


class Stoppable(Protocol):
    def shutdown(self, message: str = DEFAULT_MESSAGE, timeout: float = 5.0) -> None: ...


class ShutdownHooks:
    """The apps one server process serves, held weakly, to be shut down together."""

    def __init__(self) -> None:
        self._apps: weakref.WeakSet[Stoppable] = weakref.WeakSet()
        self.stopping = False
        self._done: gevent.event.Event | None = None
        #: Whatever ties these hooks to a server's stop, kept alive with them.
        self.server_hook: Any = None

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
        """Shut every registered app down in parallel; returns within about ``timeout`` seconds.

        A second call while the first runs waits for it (as long), then returns.
        """
        if self._done is not None:
            self._done.wait(timeout + 1)
            return
        self._done = gevent.event.Event()
        self.stopping = True
        try:
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
        finally:
            self._done.set()


# --------------------------------------------------------------------------- servers
#: The attribute holding ``(pid, hooks)`` on the server object the hooks belong to (the
#: uwsgi module, the gunicorn worker): per process, since a forked child starts afresh.
_HOOKS_ATTR = "_wsgi_webio_shutdown_hooks"


def _hooks_of(owner: Any) -> ShutdownHooks | None:
    held = getattr(owner, _HOOKS_ATTR, None)
    return held[1] if held is not None and held[0] == os.getpid() else None


def _hooks_tied_to(owner: Any, tie: Callable[[Any, ShutdownHooks], None]) -> ShutdownHooks:
    """``owner``'s hooks in this process, made and tied to its stop by ``tie`` on first use."""
    hooks = _hooks_of(owner)
    if hooks is None:
        hooks = ShutdownHooks()
        setattr(owner, _HOOKS_ATTR, (os.getpid(), hooks))
        tie(owner, hooks)
    return hooks


def uwsgi_hooks(api: Any) -> ShutdownHooks:
    """This uWSGI worker's hooks (``api`` is the ``uwsgi`` module), tied to its stop on first use.

    uWSGI's gevent loop calls ``uwsgi.atexit`` from the worker's main greenlet once it has
    stopped accepting on SIGINT/SIGTERM (``--die-on-term``), and after the last request of
    a graceful stop or reload (SIGHUP): there the sessions are told and closed, with up to
    :data:`UWSGI_DRAIN_S` for their clients, before the worker exits. A previous
    ``uwsgi.atexit`` still runs after. SIGHUP also starts it at once, or open WebSockets
    would hold a graceful reload until ``--worker-reload-mercy``. Only a worker that
    holds the clients' connections can deliver the message: not behind ``--http``, whose
    router process the master kills at once on SIGTERM (docs/deploy.md).
    """
    return _hooks_tied_to(api, _tie_to_uwsgi)


def _tie_to_uwsgi(api: Any, hooks: ShutdownHooks) -> None:
    previous = getattr(api, "atexit", None)

    def atexit() -> None:
        try:
            if gevent.getcurrent() is not gevent.get_hub():  # the hub cannot wait
                hooks.shutdown(DEFAULT_MESSAGE, UWSGI_DRAIN_S)
        except Exception:
            logger.exception("telling the sessions that uWSGI stops failed")
        finally:
            if callable(previous):
                previous()

    api.atexit = atexit
    try:  # run in a greenlet of its own; kept with the hooks so it lives as long
        hooks.server_hook = gevent.signal_handler(signal.SIGHUP, hooks.shutdown, DEFAULT_MESSAGE, UWSGI_DRAIN_S)
    except Exception as exc:  # not the main thread, or no SIGHUP: atexit still works
        logger.debug("no SIGHUP hook under uWSGI: %r", exc)


def gunicorn_hooks(worker: Any) -> ShutdownHooks:
    """The hooks of this process's gunicorn worker (a stock gevent one), tied to SIGTERM on first use.

    gunicorn's SIGTERM handler only marks the worker as stopping; its run loop then stops
    accepting and waits up to ``--graceful-timeout`` for open connections, so held
    long-polls would just be dropped. Here SIGTERM first tells the sessions (still
    accepting, so a long-poll client between two requests comes back for the message; up
    to half the graceful timeout, :data:`GUNICORN_MAX_DRAIN_S` at most), then runs
    gunicorn's own handler. Installed from a request greenlet, which runs in the main
    thread as signal handlers must.
    """
    return _hooks_tied_to(worker, _tie_to_gunicorn)


def _tie_to_gunicorn(worker: Any, hooks: ShutdownHooks) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    grace = float(getattr(getattr(worker, "cfg", None), "graceful_timeout", 30) or 30)
    drain = max(0.5, min(grace / 2, GUNICORN_MAX_DRAIN_S))

    def stop(signum: int) -> None:
        try:
            log = getattr(worker, "log", None)
            if log is not None:
                log.info("Worker stopping (pid: %s): telling open sessions", os.getpid())
            hooks.shutdown(DEFAULT_MESSAGE, drain)
        except Exception:
            logger.exception("telling the sessions that gunicorn stops failed")
        finally:
            if callable(previous):
                previous(signum, None)
            else:
                worker.alive = False

    def on_sigterm(signum: int, frame: object) -> None:
        gevent.spawn(stop, signum)  # a signal handler must not block: the stop waits for clients

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
        signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn had it: no EINTR in requests
    except ValueError as exc:  # not the main thread: gunicorn's plain stop remains
        logger.warning("cannot hook gunicorn's SIGTERM to tell sessions the server stops: %s", exc)
