"""The development server: gevent.pywsgi with wsgi_webio's WebSocket handler.

Owns ``make_server`` (returns a server, for tests and embedding) and
``start_server`` (patches, serves, blocks). Development and small internal tools
only: for production, run ``wsgi_app`` under gunicorn or uWSGI with gevent.
Binds 127.0.0.1 by default.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import gevent
import gevent.event
from gevent.pywsgi import WSGIServer

from .app import WebIOApp, wsgi_app
from .lifecycle import DEFAULT_MESSAGE, WORKERS_KEY
from .origin import LOOPBACK_HOSTS
from .transports.wshandler import WebSocketHandler

__all__ = ["make_server", "start_server"]

logger = logging.getLogger(__name__)

#: On SIGTERM, longest wait for open sessions' pages to fetch the "restarting" message.
SHUTDOWN_GRACE_S = 5.0

AppSpec = Callable[[], Any] | Mapping[str, Callable[[], Any]] | Iterable[Callable[[], Any]]


def make_server(
    applications: AppSpec | WebIOApp,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    log: Any = None,
    **options: Any,
) -> tuple[WSGIServer, WebIOApp]:
    """Build (not start) a server for ``applications``.

    :param port: 0 picks a free port; read it from ``server.server_port`` after ``start()``.
    :param log: pywsgi's access log (a file-like, a logger, or None for none).
    :param options: app options, see ``WebIOConfig``.
    :returns: ``(server, app)``.
    """
    if isinstance(applications, WebIOApp):
        if options:
            raise TypeError("pass options to wsgi_app() when giving a ready WebIOApp")
        app = applications
    else:
        if _is_loopback(host):
            options.setdefault("allowed_hosts", LOOPBACK_HOSTS)
        app = wsgi_app(applications, **options)
    # One process: said in every request's environ, so the app need not find out.
    server = WSGIServer((host, port), app, handler_class=WebSocketHandler, log=log, error_log=logger,
                        environ={WORKERS_KEY: 1})
    return server, app


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _patch() -> None:
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


def start_server(
    applications: AppSpec,
    host: str = "127.0.0.1",
    port: int = 8080,
    **options: Any,
) -> None:
    """Serve ``applications`` until SIGINT/SIGTERM.

    .. warning:: A development server. It binds 127.0.0.1 unless told otherwise.

    The standard library is monkey-patched first (so ``time.sleep`` and blocking
    sockets in apps yield to other sessions). On SIGTERM/SIGINT every open session's
    page shows that the server is restarting, the sessions close, and the server stops
    within about ``SHUTDOWN_GRACE_S`` seconds, also when a task holds the hub with a
    CPU loop (it is interrupted; see :class:`~wsgi_webio.watchdog.HubWatchdog`).

    :raises OSError: when the port is in use (with a message naming it).
    """
    _patch()
    server, app = make_server(applications, host, port, log=None, **options)
    try:
        server.start()
    except OSError as exc:
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    url = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}/"
    print(f"wsgi_webio serving on {url}", flush=True)
    stop = gevent.event.Event()
    previous = {sig: signal.signal(sig, _stop_handler(app, stop)) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop.wait()
    finally:
        try:
            app.shutdown(DEFAULT_MESSAGE, timeout=SHUTDOWN_GRACE_S)
            server.stop(timeout=1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print("wsgi_webio stopped", file=sys.stderr, flush=True)


def _stop_handler(app: WebIOApp, stop: gevent.event.Event) -> Callable[[int, Any], None]:
    """A Python-level SIGTERM/SIGINT handler (not gevent's, which runs on the hub and so
    never while a task holds it): it runs between two bytecodes of whatever runs, asks
    the server to stop, and ends a task of the app that holds the hub. A process held
    inside one C call exits once the stop's grace period is over (the app's watchdog)."""
    loop = gevent.get_hub().loop

    def on_signal(signum: int, frame: Any) -> None:
        loop.run_callback_threadsafe(stop.set)
        app.interrupt_if_blocked(exit_by=time.monotonic() + SHUTDOWN_GRACE_S + 2)

    return on_signal
