"""Graceful shutdown: how a server tells the apps it serves that it is stopping.

Owns the contract between a server and the apps below it: :class:`ShutdownHooks`, which
a server puts in every request's environ under :data:`SHUTDOWN_KEY` (with the number of
its worker processes under :data:`WORKERS_KEY`), and :class:`HostEnviron`, the WSGI
wrapper that adds both for a server that cannot (gunicorn's stock workers, uWSGI). Each
:class:`~wsgi_webio.app.WebIOApp` that sees the hooks registers itself once; on SIGTERM
the server calls :meth:`ShutdownHooks.shutdown`, which makes every registered app tell
its open sessions (their pages show the message) and close them, and, from its
Python-level signal handler, :meth:`ShutdownHooks.interrupt_if_blocked`, which ends a
session task that holds the hub so that the stop can run at all.

It also owns the two ties to servers that do not know wsgi_webio, which their
integration (:mod:`wsgi_webio.hosting`) makes once, when a worker starts, never from a
request: :func:`tie_to_uwsgi` and :func:`tie_to_sigterm`. Holds no module-level state.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import gevent
import gevent.event

from .errors import TaskInterrupted

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "DEFAULT_MESSAGE",
    "SHUTDOWN_KEY",
    "WORKERS_KEY",
    "HostEnviron",
    "ShutdownHooks",
    "Stoppable",
    "tie_to_sigterm",
    "tie_to_uwsgi",
]

logger = logging.getLogger(__name__)

#: environ key of the server's :class:`ShutdownHooks`.
SHUTDOWN_KEY = "wsgi_webio.shutdown"
#: environ key of the number of worker processes the server runs (an int).
WORKERS_KEY = "wsgi_webio.workers"
#: What open sessions' pages show when the server stops.
DEFAULT_MESSAGE = "The server is restarting. Reload the page in a moment to start again."
#: Under uWSGI, how long the sessions' clients get to fetch the message before the worker
#: exits (well inside uWSGI's --worker-reload-mercy, 60 s by default).
UWSGI_DRAIN_S = 5.0


class Stoppable(Protocol):
    def shutdown(self, message: str = DEFAULT_MESSAGE, timeout: float = 5.0) -> None: ...

    def interrupt_if_blocked(self, exit_by: float | None = None) -> None: ...


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

    def interrupt_if_blocked(self, exit_by: float | None = None) -> None:
        """From a server's Python-level SIGTERM/SIGINT handler, which runs between two
        bytecodes of whatever holds the hub: a task of a registered app that holds it ends
        here, and a process still held at ``exit_by`` (monotonic) exits by itself.

        :raises TaskInterrupted: into the holding task.
        """
        interrupted: TaskInterrupted | None = None
        for app in list(self._apps):
            try:
                app.interrupt_if_blocked(exit_by)
            except TaskInterrupted as exc:  # every app still gets its deadline
                interrupted = exc
        if interrupted is not None:
            raise interrupted


class HostEnviron:
    """A WSGI wrapper that tells the app below about its host: adds the server's
    :class:`ShutdownHooks` (under :data:`SHUTDOWN_KEY`) and its number of worker
    processes (under :data:`WORKERS_KEY`, when known) to every request's environ."""

    def __init__(self, app: WSGIApplication, hooks: ShutdownHooks, workers: int | None = None) -> None:
        self.app = app
        self.hooks = hooks
        self.workers = workers

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ.setdefault(SHUTDOWN_KEY, self.hooks)
        if self.workers is not None:
            environ.setdefault(WORKERS_KEY, self.workers)
        return self.app(environ, start_response)


# --------------------------------------------------------------------------- ties to servers
def tie_to_uwsgi(api: Any, hooks: ShutdownHooks) -> None:
    """Tell ``hooks``' apps when this uWSGI worker stops (``api`` is the ``uwsgi`` module).

    uWSGI's gevent loop calls ``uwsgi.atexit`` from the worker's main greenlet once it has
    stopped accepting on SIGINT/SIGTERM (``--die-on-term``), and after the last request of
    a graceful stop or reload (SIGHUP): there the sessions are told and closed, with up to
    :data:`UWSGI_DRAIN_S` for their clients, before the worker exits. A previous
    ``uwsgi.atexit`` still runs after. SIGHUP also starts it at once, or open WebSockets
    would hold a graceful reload until ``--worker-reload-mercy``: that watcher is
    registered in each worker when it starts (on its first loop turns; reached through
    ``uwsgi.post_fork_hook`` when the master loads the app). Only a worker that
    holds the clients' connections can deliver the message: not behind ``--http``, whose
    router process the master kills at once on SIGTERM (docs/deploy.md).
    """
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

    def on_sighup() -> None:
        hooks.shutdown(DEFAULT_MESSAGE, UWSGI_DRAIN_S)

    def watch_sighup() -> None:
        try:  # runs in a greenlet of its own; kept with the hooks so it lives as long
            hooks.server_hook = gevent.signal_handler(signal.SIGHUP, on_sighup)
        except Exception as exc:  # not the main thread, or no SIGHUP: atexit still works
            logger.debug("no SIGHUP hook under uWSGI: %r", exc)

    def in_worker() -> None:
        # After uWSGI's gevent loop has registered its own signal watchers, which it does
        # from a greenlet of the worker's first loop turn: libev installs the process's
        # handler for a signal with its first watcher only, and a watcher registered
        # earlier would leave SIGHUP at its default there (the worker killed outright).
        loop = gevent.get_hub().loop
        loop.run_callback(loop.run_callback, watch_sighup)

    worker_id = getattr(api, "worker_id", None)
    if callable(worker_id) and worker_id() > 0:  # --lazy-apps: loaded in the worker
        in_worker()
        return
    chained = getattr(api, "post_fork_hook", None)

    def post_fork() -> None:
        if callable(chained):
            chained()
        in_worker()

    api.post_fork_hook = post_fork


def tie_to_sigterm(hooks: ShutdownHooks, drain: float, grace: float, then: Callable[[int], None],
                   log: Any = None) -> None:
    """Replace this process's SIGTERM handler (call it when the worker starts, in its main
    thread): first tell the sessions (up to ``drain`` seconds, in a greenlet: a signal
    handler must not block), then call ``then(signum)``, the server's own stop. The
    handler is Python-level, so it also runs while a task holds the hub: that task is
    interrupted, and a process still held ``grace`` seconds later exits by itself.
    """

    def stop(signum: int) -> None:
        try:
            if log is not None:
                log.info("Worker stopping (pid: %s): telling open sessions", os.getpid())
            hooks.shutdown(DEFAULT_MESSAGE, drain)
        except Exception:
            logger.exception("telling the sessions that the server stops failed")
        finally:
            then(signum)

    def on_sigterm(signum: int, frame: object) -> None:
        gevent.spawn(stop, signum)
        hooks.interrupt_if_blocked(time.monotonic() + grace)

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: no EINTR in requests
