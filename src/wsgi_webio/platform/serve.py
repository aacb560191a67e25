"""PyWebIO's ``start_server`` on wsgi_webio's gevent development server.

Owns :func:`start_server` with PyWebIO 1.8's signature (``pywebio.start_server``:
``applications, port=0, host=''``, ...) and :func:`serve`, the blocking loop that the
platform entry points share: patch the standard library, listen, serve ``static_dir`` at
``/static/``, print the URL (and open a browser if asked), and on SIGINT/SIGTERM tell
every open session that the server stops. A development server, as PyWebIO's is: for
production serve ``wsgi_app(...)`` under gunicorn or uWSGI with gevent (docs/deploy.md).
Holds no state outside the call.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import webbrowser
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .options import translate

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["Servable", "listen_url", "serve", "start_server", "with_static_dir"]

logger = logging.getLogger(__name__)

#: On SIGTERM, longest wait for open sessions' pages to fetch the "restarting" message.
SHUTDOWN_GRACE_S = 5.0


class Servable(Protocol):
    """A WSGI app that can tell its sessions the server stops (WebIOApp, PathDeployApp)."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...

    def shutdown(self, message: str | None = ..., timeout: float = ...) -> None: ...


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def listen_url(host: str, port: int) -> str:
    """The URL to print for a server bound to ``host`` ('' and 0.0.0.0: every interface)."""
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def app_options(host: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the dev server's default ``allowed_hosts`` for a loopback ``host``."""
    if is_loopback(host):
        from ..origin import LOOPBACK_HOSTS

        options.setdefault("allowed_hosts", LOOPBACK_HOSTS)
    return options


def patch() -> None:
    """Monkey-patch the standard library, as ``wsgi_webio.start_server`` does: an entry point."""
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


def with_static_dir(app: Any, static_dir: str | None) -> Any:
    """``app``, with ``static_dir`` served at ``/static/`` when given."""
    if static_dir is None:
        return app
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    return SharedDataMiddleware(app, {"/static": str(static_dir)}, cache=False)


def serve(
    app: Servable,
    host: str,
    port: int,
    *,
    static_dir: str | None = None,
    auto_open_webbrowser: bool = False,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM; call :func:`patch` before building ``app``.

    :param host: '' listens on every interface, as PyWebIO does.
    :param port: 0 picks a free port (printed).
    :param static_dir: a directory served at ``/static/`` (PyWebIO's ``static_dir``).
    :raises OSError: when the port is in use (with a message naming it).
    """
    import gevent
    import gevent.event
    from gevent.pywsgi import WSGIServer

    from ..lifecycle import DEFAULT_MESSAGE
    from ..transports.wshandler import WebSocketHandler

    server = WSGIServer((host, port), with_static_dir(app, static_dir), handler_class=WebSocketHandler,
                        log=None, error_log=logger)
    try:
        server.start()
    except OSError as exc:
        raise OSError(exc.errno, f"cannot listen on {host or '*'}:{port}: {exc.strerror}") from None
    url = listen_url(host, server.server_port or port)
    print(f"wsgi_webio serving on {url}" + (" (every interface)" if host in ("", "0.0.0.0", "::") else ""),
          flush=True)
    if auto_open_webbrowser:
        gevent.spawn(webbrowser.open, url)
    stop = gevent.event.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(sig, stop.set)
    try:
        stop.wait()
    finally:
        app.shutdown(DEFAULT_MESSAGE, timeout=SHUTDOWN_GRACE_S)
        server.stop(timeout=1)
        print("wsgi_webio stopped", file=sys.stderr, flush=True)


AppSpec = Callable[[], Any] | Mapping[str, Callable[[], Any]] | Iterable[Callable[[], Any]]


def start_server(
    applications: AppSpec,
    port: int = 0,
    host: str = "",
    debug: bool = False,
    cdn: bool | str = True,
    static_dir: str | None = None,
    remote_access: bool = False,
    reconnect_timeout: int = 0,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    auto_open_webbrowser: bool = False,
    max_payload_size: int | str = "200M",
    **tornado_app_settings: Any,
) -> None:
    """Serve ``applications`` until SIGINT/SIGTERM, with PyWebIO 1.8's signature.

    Both transports (WebSocket and HTTP long-polling) are served, on gevent. As in PyWebIO,
    ``host=''`` listens on every interface and ``port=0`` picks a free port; pass
    ``host="127.0.0.1"`` for a tool only you should reach. ``cdn`` is ignored (assets are
    packaged), ``remote_access=True`` is refused, ``max_payload_size`` bounds every message and
    request body (default 200 MiB, PyWebIO's), ``debug`` shows tracebacks in the page (there is
    no auto-reload). ``websocket_ping_interval`` and ``websocket_max_message_size`` are honoured,
    wsgi_webio's own options (docs/configuration.md) pass through, and other Tornado settings
    are ignored with a warning. docs/pywebio-compat.md lists every difference.
    """
    from ..app import wsgi_app

    options = translate(debug=debug, cdn=cdn, remote_access=remote_access, reconnect_timeout=reconnect_timeout,
                        allowed_origins=allowed_origins, check_origin=check_origin,
                        max_payload_size=max_payload_size, settings=tornado_app_settings)
    patch()
    app = wsgi_app(applications, **app_options(host, options))
    serve(app, host, port, static_dir=static_dir, auto_open_webbrowser=auto_open_webbrowser)
