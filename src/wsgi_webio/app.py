"""WebIOApp: the WSGI callable that serves apps over both transports.

Owns routing of one mount point (the page, static assets, ``?test``, CORS
preflight, the HTTP API and the WebSocket upgrade, under whatever SCRIPT_NAME the
server or a middleware gives it), the Origin check applied to all of them, the
app's SessionRegistry, the server checks of its first request (``_env``) and its
graceful shutdown. Holds no module-level state: two WebIOApps in one process
share nothing.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import gevent
from werkzeug.wrappers import Request, Response

from . import _env, page
from .core import commands
from .core.state import CloseReason
from .errors import RemoteProtocolError, SessionClosed
from .info import make_session_info, request_scheme
from .lifecycle import DEFAULT_MESSAGE, SHUTDOWN_KEY
from .options import WebIOConfig
from .origin import OriginPolicy, host_allowed
from .runtime.registry import SessionRegistry
from .transports import http, uwsgi, websocket
from .transports.httpcontext import WerkzeugHttpContext
from .transports.wshandler import is_websocket_request, open_channel
from .watchdog import HubWatchdog

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .runtime.session import Session

__all__ = ["WebIOApp", "make_applications", "wsgi_app"]

logger = logging.getLogger(__name__)

AppFunc = Callable[[], Any]

#: How long shutdown() waits for long-poll clients that were between two requests.
_HTTP_STRAGGLER_S = 0.5
#: After shutdown, how long a WebSocket peer has to answer our close frame.
_CLOSE_ANSWER_S = 2.0

_CORS_HEADERS = (
    ("Access-Control-Allow-Methods", "GET, POST"),
    ("Access-Control-Allow-Headers", "content-type, webio-session-id"),
    ("Access-Control-Expose-Headers", "webio-session-id"),
    ("Access-Control-Max-Age", "86400"),
)


def _unwrap(fn: Any) -> Any:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def make_applications(applications: AppFunc | Mapping[str, AppFunc] | Iterable[AppFunc]) -> dict[str, AppFunc]:
    """Normalise ``applications``: a function becomes ``{"index": f}``; a list is keyed
    by function name; a dict is kept.

    :raises TypeError: for an app that is not callable or is a generator function.
    :raises ValueError: for an empty collection or duplicate names.
    """
    if callable(applications):
        apps: dict[str, AppFunc] = {"index": applications}
    elif isinstance(applications, Mapping):
        apps = {str(k): v for k, v in applications.items()}
    elif isinstance(applications, Iterable) and not isinstance(applications, str | bytes):  # type: ignore[unreachable]
        apps = {}
        for fn in applications:
            name = getattr(_unwrap(fn), "__name__", repr(fn))
            if name in apps:
                raise ValueError(f"two applications are named {name!r}; pass a dict to name them")
            apps[name] = fn
    else:
        raise TypeError(f"applications must be a function, a dict or a list of functions, got {applications!r}")
    if not apps:
        raise ValueError("no applications given")
    for name, fn in apps.items():
        if not callable(fn):
            raise TypeError(f"application {name!r} is not callable: {fn!r}")
        target = _unwrap(fn)
        if inspect.isasyncgenfunction(target) or inspect.isgeneratorfunction(target):
            raise TypeError(
                f"application {name!r} is a generator function; wsgi_webio runs plain functions and "
                "async def functions (docs/async.md). Make it `def` or `async def`."
            )
    return apps


class WebIOApp:
    """A WSGI application serving ``applications``.

    :param applications: see ``make_applications``.
    :param config: validated options.
    :param clock: monotonic time source for expiry (tests inject one).
    """

    def __init__(
        self,
        applications: AppFunc | Mapping[str, AppFunc] | Iterable[AppFunc],
        config: WebIOConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.applications = make_applications(applications)
        self.config = config or WebIOConfig()
        self.origins = OriginPolicy(self.config.allowed_origins, self.config.check_origin)
        self.registry = SessionRegistry(self.config, clock)
        #: True once shutdown() began: new sessions are refused with 503.
        self.stopping = False
        self._created_patched = _env.is_patched()
        self._env_report: _env.EnvReport | None = None
        self._hooks: Any = None
        registry = self.registry
        #: Watches the hub that serves this app for a task that holds it (started by the first request).
        self.watchdog = HubWatchdog(lambda session: registry.get(session.id) is session,
                                    self.config.max_blocking_seconds)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response = page.secure_start_response(start_response, self.config)  # every response
        report = self._env_report or self._check_environment(environ)
        if report.fatal is not None:
            return _text(report.fatal, HTTPStatus.INTERNAL_SERVER_ERROR)(environ, start_response)
        hooks = environ.get(SHUTDOWN_KEY)
        if hooks is not None and hooks is not self._hooks:
            hooks.register(self)
            self._hooks = hooks
        request, outer = request_of(environ)
        try:
            try:
                request.args  # noqa: B018  parsed once here: the routing below reads it
            except UnicodeDecodeError:  # raw bytes that are not UTF-8 (a browser sends %XX)
                return _text("the query string is not valid UTF-8", HTTPStatus.BAD_REQUEST)(environ, start_response)
            if not host_allowed(request.host, self.config.allowed_hosts):
                logger.warning("refused request for host %r (allowed_hosts)", request.host)
                return _text(f"host {request.host!r} is not allowed", HTTPStatus.BAD_REQUEST)(environ, start_response)
            if is_websocket_request(environ) and request.path in ("", "/"):
                result = self._websocket(request)
                if result is None:
                    return []
                return result(environ, start_response)
            return self.dispatch(request)(environ, start_response)
        finally:
            release_request(environ, request, outer)

    def _check_environment(self, environ: WSGIEnvironment) -> _env.EnvReport:
        """Check the server on the first request; refuse for good, or warn once."""
        report = _env.check_environment(environ, self._created_patched)
        self._env_report = report
        if report.fatal is not None:
            logger.error("%s", report.fatal)
        for warning in report.warnings:
            logger.warning("%s", warning)
        if report.fatal is None and not self.stopping:
            self.watchdog.start()  # in the thread of the hub that serves this app
        return report

    def dispatch(self, request: Request) -> Response:
        """Answer one plain HTTP request."""
        path = request.path
        if path.startswith(page.STATIC_PREFIX):
            return page.static_response(request, path[len(page.STATIC_PREFIX) :])
        if path not in ("", "/"):
            return _text(f"no such page: {path}", HTTPStatus.NOT_FOUND)
        api = http.SESSION_HEADER in request.headers or request.method not in ("GET", "HEAD")
        origin = request.headers.get("Origin")
        fetch_site = request.headers.get("Sec-Fetch-Site") if api else None
        scheme = self._scheme(request)
        if not self.origins.is_allowed(origin, request.host, fetch_site, scheme):
            logger.warning("refused %s from origin %r (Sec-Fetch-Site %r)", request.method, origin, fetch_site)
            return _text(f"origin {origin or '(cross-site)'} is not allowed", HTTPStatus.FORBIDDEN)
        response = self._route(request, api)
        if origin and origin != f"{scheme}://{request.host}":
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            response.headers.extend(_CORS_HEADERS)
        return response

    def _route(self, request: Request, api: bool) -> Response:
        if request.method == "OPTIONS":
            return Response(status=HTTPStatus.NO_CONTENT)
        if request.args.get("test"):
            return Response("ok", content_type="text/plain")  # PyWebIO's client compares exactly
        if api:
            if self.stopping and request.headers.get(http.SESSION_HEADER, "").startswith("NEW"):
                return _text(DEFAULT_MESSAGE, HTTPStatus.SERVICE_UNAVAILABLE)
            ctx = WerkzeugHttpContext(request)
            http.handle_http(ctx, self.registry, self.config, self.choose_app)
            return ctx.get_response()
        if request.method not in ("GET", "HEAD"):
            return _text(f"method {request.method} not allowed", HTTPStatus.METHOD_NOT_ALLOWED)
        name = request.args.get("app", "index")
        if name not in self.applications:
            if name == "index":
                return page.index_response(request, self.applications, self.config)
            return _text(f"no application named {name!r}", HTTPStatus.NOT_FOUND)
        return page.page_response(request, name, self.applications[name], self.config)

    def choose_app(self, name: str | None) -> AppFunc:
        """The app named by ``?app=`` (default ``index``). :raises RemoteProtocolError: (404) when unknown."""
        name = name or "index"
        try:
            return self.applications[name]
        except KeyError:
            raise RemoteProtocolError(f"no application named {name!r}", status_hint=HTTPStatus.NOT_FOUND) from None

    def _scheme(self, request: Request) -> str:
        """The scheme the page was loaded with: behind a TLS-terminating proxy listed in
        ``trusted_proxies``, its ``X-Forwarded-Proto``."""
        return request_scheme(request.scheme, request.remote_addr, request.headers.get("X-Forwarded-Proto"),
                              self.config.trusted_networks)

    def _websocket(self, request: Request) -> Response | None:
        origin = request.headers.get("Origin")
        if not self.origins.is_allowed(origin, request.host, request.headers.get("Sec-Fetch-Site"),
                                       self._scheme(request)):
            logger.warning("refused WebSocket from origin %r", origin)
            return _text(f"origin {origin or '(cross-site)'} is not allowed", HTTPStatus.FORBIDDEN)
        creating = request.args.get("session", "NEW").startswith("NEW")
        if creating and self.stopping:
            return _text(DEFAULT_MESSAGE, HTTPStatus.SERVICE_UNAVAILABLE)
        try:
            if creating:
                self.choose_app(request.args.get("app"))
        except RemoteProtocolError as exc:
            return _text(exc.message, exc.status_hint)
        channel = open_channel(request.environ, self.config.max_message_size)
        if channel is not None:
            websocket.serve_websocket(request, channel, self.registry, self._create_ws_session)
            return None
        api = _env.under_uwsgi(request.environ)
        if api is None:
            return _text(
                "this server cannot upgrade to WebSocket; serve the app with "
                "wsgi_webio.transports.wshandler.WebSocketHandler (start_server and "
                "wsgi_webio.gunicorn.GeventWebSocketWorker do), under uWSGI with "
                "--http-websockets, or use the HTTP transport",
                HTTPStatus.UPGRADE_REQUIRED,
            )
        try:
            uwsgi_channel = uwsgi.open_uwsgi_channel(request.environ, self.config.max_message_size, api)
        except uwsgi.UpgradeRefused as exc:
            return _text(exc.message, exc.status)
        try:
            websocket.serve_websocket(request, uwsgi_channel, self.registry, self._create_ws_session)
        finally:
            uwsgi_channel.finish()
        return None

    def _create_ws_session(self, request: Request) -> Session:
        info = make_session_info(request, "websocket", self.config.trusted_networks)
        session = self.registry.create(self.choose_app(request.args.get("app")), info)
        session.transport_state = websocket.make_ws_state()
        return session

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close every session (their pages are told) and stop housekeeping and the watchdog."""
        self.watchdog.stop()
        self.registry.close_all(CloseReason.SHUTDOWN)

    def interrupt_if_blocked(self, exit_by: float | None = None) -> None:
        """For a server's Python-level SIGTERM/SIGINT handler (it runs between two bytecodes
        of whatever holds the hub): a task of this app holding the hub ends at once, so the
        graceful stop can run; a process still held at ``exit_by`` (monotonic time; inside
        one C call, where no exception lands) exits by itself.

        :raises TaskInterrupted: into that task.
        """
        if exit_by is not None:
            self.watchdog.exit_if_blocked_by(exit_by)
        self.watchdog.interrupt_if_blocked()

    def shutdown(self, message: str | None = DEFAULT_MESSAGE, timeout: float = 5.0) -> None:
        """Graceful stop: refuse new sessions, show ``message`` in every open session's page
        (a toast that stays until clicked; None: no message), close the sessions, and wait
        at most ``timeout`` seconds for their clients to fetch their last commands. Then
        stop housekeeping. Idempotent.
        """
        if self.stopping:
            return
        self.stopping = True
        # The registry keeps its sessions private; this is its owner reading them.
        sessions = [s for s in self.registry.sessions() if not s.is_closed]
        notice = commands.notice_toast(message or "")
        for session in sessions:
            if message:
                try:
                    session.send_command(notice.name, notice.spec, task_id="server")
                except SessionClosed:
                    pass
            session.close(CloseReason.SHUTDOWN)
        clock = time.monotonic
        deadline = clock() + max(timeout, 0.0)
        # Held long-polls return, and WebSockets close once their last commands are out.
        while clock() < deadline and any(_still_delivering(s) for s in sessions):
            gevent.sleep(0.05)
        for session in sessions:  # a peer that does not answer our close is not waited for long
            websocket.bound_close_wait(session, _CLOSE_ANSWER_S)
        if any(s.info.protocol == "http" for s in sessions):
            # A long-poll client between two requests comes back within a round trip.
            gevent.sleep(max(0.0, min(_HTTP_STRAGGLER_S, deadline - clock())))
        self.registry.close_all(CloseReason.SHUTDOWN)
        self.watchdog.stop()
        if sessions:
            logger.info("shut down: told %d session(s) that the server stops", len(sessions))


def _still_delivering(session: Session) -> bool:
    """A closed session whose client is attached and not yet given every command."""
    if not session.link.attached:
        return False
    return websocket.connection_open(session) is not False


def request_of(environ: WSGIEnvironment) -> tuple[Request, Any]:
    """A Werkzeug request for ``environ``, and the ``werkzeug.request`` entry it replaced
    (a host framework's): give both to :func:`release_request` when done."""
    outer = environ.get("werkzeug.request")
    return Request(environ), outer


def release_request(environ: WSGIEnvironment, request: Request, outer: Any) -> None:
    """Undo Werkzeug's ``environ["werkzeug.request"] = request``: that reference cycle
    would leave every request to the cyclic garbage collector, whose full collections
    stall every session of the worker (hundreds of milliseconds with many sessions)."""
    if environ.get("werkzeug.request") is request:
        if outer is None:
            del environ["werkzeug.request"]
        else:
            environ["werkzeug.request"] = outer


def _text(body: str, status: int = HTTPStatus.OK) -> Response:
    response = Response(body + ("\n" if body and not body.endswith("\n") else ""), status=status,
                        content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def wsgi_app(applications: AppFunc | Mapping[str, AppFunc] | Iterable[AppFunc], **options: Any) -> WebIOApp:
    """A WSGI callable serving ``applications`` over long-poll HTTP and WebSocket.

    :param applications: a function (served as ``index``), a dict name -> function
        chosen by ``?app=``, or a list of functions keyed by name.
    :param options: see :class:`wsgi_webio.options.WebIOConfig`.
    :raises TypeError: for unknown options or an app that is not a plain function.
    :raises ValueError: for bad option values.
    """
    return WebIOApp(applications, WebIOConfig.from_options(options))
