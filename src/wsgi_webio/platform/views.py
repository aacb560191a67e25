"""Serving a wsgi_webio app from a view of a web framework (Flask, Django).

Owns :class:`ViewAdapter`: the part of PyWebIO's ``webio_view`` that does not depend on
the framework. Given the WSGI environ of the request the framework routed to the view,
and the sub-path its URL rule captured (if any), it mounts the app at the route's path
(SCRIPT_NAME grows by it, PATH_INFO keeps the rest), runs the app and returns its status,
headers and body for the framework to wrap in its own response. Its page loads assets
from ``<route>/_webio/static/``; a page whose route does not send those paths to the same
view is answered with an error that says which route to add, never a blank page.

Views serve the HTTP transport, as PyWebIO's ``webio_view`` does: a WebSocket upgrade gets
426 and the page falls back to long-polling. Holds the app it serves and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.test import run_wsgi_app

from ..app import AppFunc, WebIOApp, make_applications
from ..options import WebIOConfig
from ..page import STATIC_PREFIX
from ..transports.http import SESSION_HEADER
from ..transports.wshandler import is_websocket_request

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["ViewAdapter", "ViewResult", "sub_path_of"]

ViewResult = tuple[int, list[tuple[str, str]], bytes]
#: The asset a page loads first: if its URL reaches the view, all of them do.
PROBE_ASSET = STATIC_PREFIX + "webio.js"

_WS_REFUSED = (
    "webio_view serves the HTTP transport (as PyWebIO's does); the page falls back to it. "
    "For WebSocket, mount the app with wsgi_webio.WebIOMiddleware (docs/deploy.md)."
)


def sub_path_of(kwargs: Mapping[str, Any]) -> str:
    """The sub-path a URL rule captured for the view: its one string argument, else ''."""
    values = [v for v in kwargs.values() if isinstance(v, str)]
    return values[0] if len(values) == 1 else ""


def _text(status: int, message: str) -> ViewResult:
    return status, [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")], \
        (message + "\n").encode("utf-8")


class ViewAdapter:
    """Runs one app for a framework's view.

    :param applications: as for :func:`wsgi_webio.wsgi_app`.
    :param framework: the framework's name, for messages.
    :param route_hint: ``route_hint(mount) -> str``: how to route the assets, for the
        message a page gets when they are not routed to the view.
    """

    def __init__(self, applications: AppFunc | Mapping[str, AppFunc] | Iterable[AppFunc], options: dict[str, Any],
                 framework: str, route_hint: Callable[[str], str]) -> None:
        self.app = WebIOApp(make_applications(applications), WebIOConfig.from_options(options))
        self.framework = framework
        self.route_hint = route_hint

    def split(self, environ: WSGIEnvironment, sub_path: str) -> tuple[str, str]:
        """(mount, inner): the route's own path in WSGI form, and the rest for the app."""
        raw = environ.get("PATH_INFO") or "/"
        raw_sub = sub_path.lstrip("/").encode("utf-8").decode("latin-1")
        if raw_sub and raw.endswith(raw_sub):
            return raw[: len(raw) - len(raw_sub)].rstrip("/"), "/" + raw_sub
        return raw.rstrip("/"), ""

    def is_page_request(self, environ: WSGIEnvironment, inner: str) -> bool:
        header = "HTTP_" + SESSION_HEADER.upper().replace("-", "_")
        return inner in ("", "/") and environ.get("REQUEST_METHOD") == "GET" and header not in environ

    def __call__(self, environ: WSGIEnvironment, sub_path: str,
                 assets_routed: Callable[[str], bool]) -> ViewResult:
        """Answer one request the framework routed to the view.

        :param assets_routed: ``assets_routed(path_info) -> bool``: whether the framework
            sends a request for ``path_info`` to this same view.
        """
        if is_websocket_request(environ):
            return _text(HTTPStatus.UPGRADE_REQUIRED, _WS_REFUSED)
        mount, inner = self.split(environ, sub_path)
        if self.is_page_request(environ, inner) and not assets_routed(mount + PROBE_ASSET):
            route = mount or "/"
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR, (
                f"{self.framework} webio_view: this page loads its scripts from {route.rstrip('/')}"
                f"{STATIC_PREFIX}, and no URL rule sends that path to this view. wsgi_webio serves its "
                f"assets itself (there is no CDN): route the sub-paths of {route} to the same view, "
                f"e.g. {self.route_hint(route)}"))
        sub = dict(environ)
        sub["SCRIPT_NAME"] = (environ.get("SCRIPT_NAME") or "") + mount
        sub["PATH_INFO"] = inner
        app_iter, status, headers = run_wsgi_app(self.app, sub, buffered=True)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return int(status.split(" ", 1)[0]), list(headers.items()), body
