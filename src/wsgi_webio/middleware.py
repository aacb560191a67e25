"""WebIOMiddleware: wsgi_webio apps mounted under paths of an existing WSGI app.

.. code-block:: python

    flask_app.wsgi_app = WebIOMiddleware(flask_app.wsgi_app, {"/tools/calc": calc},
                                         authorize=logged_in, login_url="/login")

Owns the routing between the host app and the mounted apps (longest mount path first;
SCRIPT_NAME grows by the mount path and PATH_INFO loses it, so the page, the static
assets and both transports work under it), the ``authorize`` gate in front of them, and
checking its configuration at construction. Everything that is not under a mount path
reaches the host app untouched (the very same environ). Knows nothing of sessions: each
mount is a :class:`~wsgi_webio.app.WebIOApp`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from . import page
from .app import AppFunc, WebIOApp, make_applications, release_request, request_of
from .options import WebIOConfig
from .transports.http import SESSION_HEADER
from .transports.wshandler import is_websocket_request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["USER_KEY", "WebIOMiddleware"]

logger = logging.getLogger(__name__)

#: environ key where a truthy, non-``True`` result of ``authorize`` is kept for the app:
#: ``session.info.request.environ[USER_KEY]``.
USER_KEY = "wsgi_webio.user"

Mountable = AppFunc | Mapping[str, AppFunc] | Iterable[AppFunc] | WebIOApp


def _mount_path(path: Any) -> str:
    """The normalised mount path, in the WSGI (latin-1) form of PATH_INFO.

    :raises TypeError: for a non-string. :raises ValueError: for a path that does not start
        with "/", is "/" itself, or carries a query, a fragment or empty or dot segments.
    """
    if not isinstance(path, str):
        raise TypeError(f"WebIOMiddleware: a mount path must be a str, got {path!r}")
    if not path.startswith("/"):
        raise ValueError(f"WebIOMiddleware: mount path {path!r} must start with '/', e.g. '/{path}'")
    trimmed = path.rstrip("/")
    if not trimmed:
        raise ValueError("WebIOMiddleware: cannot mount at '/': that is the whole host app; "
                         "serve wsgi_webio.wsgi_app(...) on its own instead")
    if any(c in trimmed for c in "?#") or any(seg in ("", ".", "..") for seg in trimmed[1:].split("/")):
        raise ValueError(f"WebIOMiddleware: mount path {path!r} must be a plain path like '/tools/calc'")
    return trimmed.encode("utf-8").decode("latin-1")


class WebIOMiddleware:
    """Serve wsgi_webio apps under paths of ``app``; everything else goes to ``app``.

    :param app: the host WSGI application.
    :param mounts: mount path -> what to serve there: an app function, a dict or list of
        them (as for :func:`wsgi_webio.wsgi_app`), or a ready :class:`WebIOApp`.
    :param authorize: ``authorize(request) -> value`` for every request under a mount
        (static assets excepted), with the werkzeug request of the host's environ (its
        cookies, ``REMOTE_USER``, ...). Falsy refuses (403, or a redirect to
        ``login_url`` for a page); any other value other than ``True`` is kept in
        ``environ[USER_KEY]``, so the app reads it as
        ``session.info.request.environ[USER_KEY]``.
    :param login_url: where a refused page request is redirected, with ``?next=<path>``.
    :param options: options of the apps built here (see :class:`~wsgi_webio.options.WebIOConfig`).
    :raises TypeError: a host app or an app that is not callable, an unknown option.
    :raises ValueError: a bad mount path (see :func:`_mount_path`), a duplicate, no mounts.
    """

    def __init__(
        self,
        app: WSGIApplication,
        mounts: Mapping[str, Mountable],
        *,
        authorize: Callable[[Request], Any] | None = None,
        login_url: str | None = None,
        **options: Any,
    ) -> None:
        if not callable(app):
            raise TypeError(f"WebIOMiddleware: the host app must be a WSGI callable, got {app!r}")
        if not isinstance(mounts, Mapping):
            raise TypeError(f"WebIOMiddleware: mounts must be a dict of path -> app, got {mounts!r}")
        if not mounts:
            raise ValueError("WebIOMiddleware: no mounts given")
        if authorize is not None and not callable(authorize):
            raise TypeError(f"WebIOMiddleware: authorize must be callable, got {authorize!r}")
        if login_url is not None and not isinstance(login_url, str):
            raise TypeError(f"WebIOMiddleware: login_url must be a str, got {login_url!r}")
        config = WebIOConfig.from_options(options)  # unknown options fail even if unused
        self.app = app
        self.authorize = authorize
        self.login_url = login_url
        self.apps: dict[str, WebIOApp] = {}
        for raw_path, target in mounts.items():
            path = _mount_path(raw_path)
            if path in self.apps:
                raise ValueError(f"WebIOMiddleware: {raw_path!r} is mounted twice")
            if isinstance(target, WebIOApp):
                self.apps[path] = target
            else:
                try:
                    applications = make_applications(target)
                except (TypeError, ValueError) as exc:
                    raise type(exc)(f"WebIOMiddleware: mount {raw_path!r}: {exc}") from None
                self.apps[path] = WebIOApp(applications, config)
        self._routes = sorted(self.apps.items(), key=lambda item: len(item[0]), reverse=True)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        for prefix, webio in self._routes:  # noqa: B007 - the match is used after the loop
            if path == prefix or path.startswith(prefix + "/"):
                break
        else:
            return self.app(environ, start_response)
        sub = dict(environ)
        sub["SCRIPT_NAME"] = (environ.get("SCRIPT_NAME") or "") + prefix
        sub["PATH_INFO"] = path[len(prefix):]
        if self.authorize is not None and not sub["PATH_INFO"].startswith(page.STATIC_PREFIX):
            refusal = self._gate(sub)
            if refusal is not None:
                return refusal(sub, start_response)
        return webio(sub, start_response)

    def _gate(self, environ: WSGIEnvironment) -> Response | None:
        assert self.authorize is not None
        request, outer = request_of(environ)
        try:
            return self._check(environ, request)
        finally:
            release_request(environ, request, outer)

    def _check(self, environ: WSGIEnvironment, request: Request) -> Response | None:
        assert self.authorize is not None
        user = self.authorize(request)
        if not user:
            is_page = (request.method in ("GET", "HEAD") and SESSION_HEADER not in request.headers
                       and not is_websocket_request(environ))
            if is_page and self.login_url is not None:
                target = quote(request.script_root + request.path) + (
                    "?" + request.query_string.decode("latin-1") if request.query_string else "")
                sep = "&" if "?" in self.login_url else "?"
                response = Response(status=HTTPStatus.FOUND)
                response.headers["Location"] = f"{self.login_url}{sep}{urlencode({'next': target})}"
                response.headers["Cache-Control"] = "no-store"
                return response
            logger.info("refused %s %s%s: not authorized", request.method, request.script_root, request.path)
            response = Response("login required\n", status=HTTPStatus.FORBIDDEN,
                                content_type="text/plain; charset=utf-8")
            response.headers["Cache-Control"] = "no-store"
            return response
        if user is not True:
            environ[USER_KEY] = user
        return None

    # ------------------------------------------------------------------ lifecycle
    def shutdown(self, message: str | None = None, timeout: float = 5.0) -> None:
        """Shut every mounted app down (see :meth:`WebIOApp.shutdown`)."""
        for webio in self.apps.values():
            if message is None:
                webio.shutdown(timeout=timeout)
            else:
                webio.shutdown(message, timeout)

    def close(self) -> None:
        """Close every session of every mounted app."""
        for webio in self.apps.values():
            webio.close()
