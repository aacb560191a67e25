"""A gunicorn worker that serves wsgi_webio apps over both transports, and stops gracefully.

``gunicorn -k wsgi_webio.gunicorn.GeventWebSocketWorker -w 1 module:application``

Owns :class:`GeventWebSocketWorker`: gunicorn's gevent pywsgi worker with wsgi_webio's
hardened, lazily upgrading :class:`~wsgi_webio.transports.wshandler.WebSocketHandler`
(Origin decided before any 101), gunicorn's access log, a refusal to start with more
than one worker (sessions live in one process), and a graceful stop on SIGTERM: every
open session's page is told that the server restarts before the worker exits, within
gunicorn's ``graceful_timeout`` (also when a session task holds the hub: it is
interrupted, see :mod:`wsgi_webio.watchdog`). Importing this module imports gunicorn, so only
gunicorn should: nothing else in wsgi_webio imports it, and gunicorn is not a
dependency. Monkey-patching is gunicorn's (the gevent worker patches first thing in
each worker process); this module patches nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import gevent
import gunicorn
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer
from gunicorn.http.wsgi import base_environ
from gunicorn.sock import ssl_context
from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler

from ._env import ONE_PROCESS_FIX
from .lifecycle import DEFAULT_MESSAGE, SHUTDOWN_KEY, WORKERS_KEY, ShutdownHooks
from .transports.wshandler import WebSocketHandler

__all__ = ["GeventWebSocketWorker"]

logger = logging.getLogger(__name__)

#: How often the run loop checks for a stop and tells the arbiter it is alive.
_TICK_S = 0.5
#: Stop waiting for requests in progress this long before gunicorn's graceful timeout,
#: so the worker exits by itself rather than being killed by the arbiter.
_STOP_MARGIN_S = 1.5
#: Most of the grace period spent letting clients fetch the "server restarting" message.
_MAX_SESSION_DRAIN_S = 10.0


class GeventWebSocketHandler(WebSocketHandler, PyWSGIHandler):  # type: ignore[misc]
    """Our WebSocket handler with gunicorn's access log and environ, counting requests in
    progress so a stop can tell them from idle keep-alive connections."""

    def log_request(self) -> None:
        if getattr(self, "response_headers", None) is None:  # an upgrade: the 101 was written raw
            self.response_headers = [("Upgrade", "websocket"), ("Connection", "Upgrade")]
        PyWSGIHandler.log_request(self)

    def handle_one_response(self) -> Any:
        server: _Server = self.server  # type: ignore[assignment]  # the worker serves with _Server
        server.active_requests += 1
        try:
            return super().handle_one_response()
        finally:
            server.active_requests -= 1


class _Server(WSGIServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.active_requests = 0


class GeventWebSocketWorker(GeventPyWSGIWorker):  # type: ignore[misc]
    """``-k wsgi_webio.gunicorn.GeventWebSocketWorker``: long-poll and WebSocket on one port.

    Starts only with one worker (``-w 1``; gunicorn then exits with a message naming the
    fix). On SIGTERM: stop creating sessions, show every open session's page the
    "server restarting" message and close it, wait (at most half the graceful timeout,
    10 s at most) for the clients to fetch it, stop accepting, let requests in progress
    finish within the graceful timeout, and exit.
    """

    wsgi_handler = GeventWebSocketHandler
    server_class = _Server
    #: Tells :func:`wsgi_webio.hosting.post_worker_init` that this worker hooks itself.
    hosts_wsgi_webio = True

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        """Called by gunicorn's arbiter before it binds. :raises RuntimeError: for -w > 1."""
        parent = getattr(super(), "check_config", None)
        if parent is not None:
            parent(cfg, log)
        if cfg.workers > 1:
            raise RuntimeError(
                f"{cls.__module__}.{cls.__name__} runs wsgi_webio sessions, which live in the memory "
                f"of one process, but {cfg.workers} workers were asked for (-w/--workers or "
                f"WEB_CONCURRENCY): the requests of one session would reach workers that do not know "
                f"it. {ONE_PROCESS_FIX}"
            )

    def init_process(self) -> None:
        self.shutdown_hooks = ShutdownHooks()
        super().init_process()  # patches, reinitialises the hub, loads the app, runs

    def handle_exit(self, sig: int, frame: Any) -> None:
        """gunicorn's SIGTERM handler (Python-level: it runs between two bytecodes even while
        a task holds the hub): mark the worker as stopping, end a session task that holds
        the hub so that the stop can run, and exit by the graceful timeout if still held."""
        super().handle_exit(sig, frame)
        self.shutdown_hooks.interrupt_if_blocked(time.monotonic() + float(self.cfg.graceful_timeout))

    def run(self) -> None:
        environ = base_environ(self.cfg)
        environ.update({
            "wsgi.multithread": True,
            "SERVER_SOFTWARE": f"gunicorn/{gunicorn.__version__} gevent/{gevent.__version__}",
            SHUTDOWN_KEY: self.shutdown_hooks,
            WORKERS_KEY: self.cfg.workers,
        })
        ssl_args = {"ssl_context": ssl_context(self.cfg)} if self.cfg.is_ssl else {}
        servers = []
        for sock in self.sockets:
            sock.setblocking(1)
            server = self.server_class(sock, application=self.wsgi, spawn=Pool(self.worker_connections),
                                       log=self.log, handler_class=self.wsgi_handler, environ=environ,
                                       **ssl_args)
            server.start()
            servers.append(server)
        while self.alive:
            self.notify()
            gevent.sleep(_TICK_S)
        self._stop(servers)

    def _stop(self, servers: list[_Server]) -> None:
        grace = float(self.cfg.graceful_timeout)
        deadline = time.monotonic() + grace
        self.log.info("Worker stopping (pid: %s): telling open sessions", self.pid)
        # Still accepting: a long-poll client between two requests comes back for the message.
        drain = gevent.spawn(self.shutdown_hooks.shutdown, DEFAULT_MESSAGE,
                             max(0.5, min(grace / 2, _MAX_SESSION_DRAIN_S)))
        while not drain.dead:
            self.notify()
            drain.join(_TICK_S)
        for server in servers:
            server.close()
        # Requests in progress (a host app's pages, say) get the rest of the grace period;
        # idle keep-alive connections are not waited for.
        while time.monotonic() < deadline - _STOP_MARGIN_S and any(s.active_requests for s in servers):
            self.notify()
            gevent.sleep(0.05)
        for server in servers:
            server.stop(timeout=max(0.1, min(0.5, deadline - time.monotonic() - 1)))
