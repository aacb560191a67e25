"""PyWebIO's ``path_deploy``: every app module of a directory, served at its path.

Owns :class:`PathDeployApp` (a WSGI app) and PyWebIO 1.8's ``path_deploy`` /
``path_deploy_http`` entry points. What is served, as in PyWebIO:

- ``/a/b`` runs the ``main`` of ``<base>/a/b.py`` (``main`` may be a function, or a dict
  or list of them chosen by ``?app=``); ``/a/`` runs ``<base>/a/index.py`` if there is
  one, else shows the index of the directory (``index=True``), the HTML of
  ``index(directory)`` (a function), or 403 (``index=False``);
- a path with a part that starts with ``.`` or ``_`` is refused (403), so are paths that
  leave ``base``; a file without ``main`` is 404;
- a module is run once, on its first request, with ``__name__ == "__pywebio__"`` and its
  own directory on ``sys.path`` while it runs; a page request with ``?reload`` runs it
  again (open sessions keep the code they started with).

Each module gets its own :class:`~wsgi_webio.app.WebIOApp` (own sessions, own registry),
mounted at its path; the packaged assets are served under any path. Holds its state in
the instance; never imports a module outside ``base``.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..app import WebIOApp, make_applications
from ..options import WebIOConfig
from ..page import STATIC_PREFIX
from ..transports.http import SESSION_HEADER
from ..transports.wshandler import is_websocket_request
from .options import translate
from .serve import app_options, patch, serve

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["MODULE_NAME", "PathDeployApp", "path_deploy", "path_deploy_http"]

logger = logging.getLogger(__name__)

#: ``__name__`` of an app module while it runs (PyWebIO's, so its apps' checks still hold).
MODULE_NAME = "__pywebio__"
_ASSETS = STATIC_PREFIX.rstrip("/").rsplit("/", 1)[0] + "/"  # "/_webio/": never an app path (starts with _)


def _forbidden(part: str) -> bool:
    return part.startswith((".", "_")) or "\\" in part or "\x00" in part


def _main_title(source: str) -> str | None:
    """The first docstring paragraph of a top-level ``main`` ('' if it has none); None: no ``main``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == "main":
            return (ast.get_docstring(node) or "").split("\n\n", 1)[0].strip()
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "main" for t in targets):
            return ""
    return None


def index_page(directory: str, base: str) -> str:
    """PyWebIO's default index: the sub-directories and the app modules of ``directory``."""
    rel = os.path.relpath(directory, base).replace(os.sep, "/")
    title = "Index of /" + ("" if rel == "." else rel + "/")
    items: list[tuple[str, str]] = [] if rel == "." else [("../", "")]
    for name in sorted(os.listdir(directory)):
        full = os.path.join(directory, name)
        if _forbidden(name):
            continue
        if os.path.isdir(full):
            items.append((name + "/", ""))
        elif name.endswith(".py") and os.path.isfile(full):
            try:
                with open(full, encoding="utf-8") as f:
                    doc = _main_title(f.read())
            except (OSError, UnicodeDecodeError):
                continue
            if doc is not None:
                items.append((name[:-3], doc))
    rows = "\n".join(
        f'<li><a href="{html.escape(name, quote=True)}">{html.escape(name)}</a> <span>{html.escape(doc)}</span></li>'
        for name, doc in items
    )
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1><ul>\n{rows}\n</ul></body></html>")


class PathDeployApp:
    """A WSGI app serving the app modules under ``base`` (see the module docstring).

    :param index: True (default listing), False (403) or ``index(directory) -> html``.
    :param options: options of the apps (see :class:`~wsgi_webio.options.WebIOConfig`).
    :raises ValueError: when ``base`` is not a directory. :raises TypeError: a bad option.
    """

    def __init__(self, base: str | os.PathLike[str], index: bool | Callable[[str], str] = True,
                 **options: Any) -> None:
        self.base = os.path.realpath(os.fspath(base))
        if not os.path.isdir(self.base):
            raise ValueError(f"path_deploy: {os.fspath(base)!r} is not a directory")
        if not isinstance(index, bool) and not callable(index):
            raise TypeError(f"path_deploy: index must be True, False or a function, got {index!r}")
        self.index = index
        self.config = WebIOConfig.from_options(options)
        self.apps: dict[str, WebIOApp] = {}  # module file -> its app
        self._assets = WebIOApp({"index": _no_app}, self.config)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("PATH_INFO") or "/"
        head, sep, tail = raw.partition(_ASSETS)
        mount, inner = (head, sep + tail) if sep else (raw, "")
        if inner.startswith(STATIC_PREFIX):
            return self._assets(_mounted(environ, mount, inner), start_response)
        try:
            path = mount.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return _text("no such page", HTTPStatus.NOT_FOUND)(environ, start_response)
        parts = path.strip("/").split("/") if path.strip("/") else []
        if any(_forbidden(p) or p in ("", "..") for p in parts):
            return _text("forbidden path", HTTPStatus.FORBIDDEN)(environ, start_response)
        target = os.path.normpath(os.path.join(self.base, *parts))
        if os.path.commonpath([self.base, target]) != self.base:
            return _text("forbidden path", HTTPStatus.FORBIDDEN)(environ, start_response)
        if os.path.isdir(target):
            if not path.endswith("/"):
                location = (environ.get("SCRIPT_NAME") or "") + mount + "/"
                query = environ.get("QUERY_STRING")
                response = Response(status=HTTPStatus.FOUND)
                response.headers["Location"] = location + ("?" + query if query else "")
                return response(environ, start_response)
            module_file = os.path.join(target, "index.py")
            if not os.path.isfile(module_file):
                return self._index(target)(environ, start_response)
        else:
            module_file = target + ".py"
            if not os.path.isfile(module_file):
                return _text(f"no such app: {path}", HTTPStatus.NOT_FOUND)(environ, start_response)
        reload = _is_page_request(environ) and "reload" in Request(environ).args
        try:
            app = self._app_for(module_file, reload)
        except LookupError as exc:
            return _text(str(exc.args[0]), HTTPStatus.NOT_FOUND)(environ, start_response)
        except Exception as exc:  # the app module failed to run: the developer's error, shown short
            logger.exception("path_deploy: cannot load %s", module_file)
            return _text(f"cannot load app {path}: {type(exc).__name__}: {exc}",
                         HTTPStatus.INTERNAL_SERVER_ERROR)(environ, start_response)
        return app(_mounted(environ, mount, inner), start_response)

    def _index(self, directory: str) -> Response:
        if self.index is False:
            return _text("forbidden: no index here", HTTPStatus.FORBIDDEN)
        try:
            body = index_page(directory, self.base) if self.index is True else self.index(directory)
        except Exception:
            logger.exception("path_deploy: the index function failed for %s", directory)
            return _text("the index page failed", HTTPStatus.INTERNAL_SERVER_ERROR)
        response = Response(str(body), content_type="text/html; charset=utf-8")
        response.headers["Cache-Control"] = "no-store"
        return response

    def _app_for(self, module_file: str, reload: bool) -> WebIOApp:
        app = self.apps.get(module_file)
        if app is not None and not reload:
            return app
        applications = make_applications(_load_main(module_file))
        if app is None:
            app = self.apps[module_file] = WebIOApp(applications, self.config)
        else:  # new sessions run the new code; open ones keep theirs
            app.applications = applications
        return app

    def shutdown(self, message: str | None = None, timeout: float = 5.0) -> None:
        """Shut every app down (see :meth:`WebIOApp.shutdown`)."""
        for app in [*self.apps.values(), self._assets]:
            if message is None:
                app.shutdown(timeout=timeout)
            else:
                app.shutdown(message, timeout)

    def close(self) -> None:
        """Close every session of every app."""
        for app in [*self.apps.values(), self._assets]:
            app.close()


def _no_app() -> None:
    """Serves only the packaged assets; never opened."""


def _is_page_request(environ: WSGIEnvironment) -> bool:
    return (environ.get("REQUEST_METHOD") == "GET" and "HTTP_" + SESSION_HEADER.upper().replace("-", "_")
            not in environ and not is_websocket_request(environ))


def _mounted(environ: WSGIEnvironment, mount: str, inner: str) -> WSGIEnvironment:
    sub = dict(environ)
    sub["SCRIPT_NAME"] = (environ.get("SCRIPT_NAME") or "") + mount.rstrip("/")
    sub["PATH_INFO"] = inner or ("/" if mount.endswith("/") else "")
    return sub


def _load_main(module_file: str) -> Any:
    """Run ``module_file`` as a fresh module (from its source; no .pyc is read or written)
    and return its ``main``.

    :raises LookupError: when it has no ``main``. Anything the module raises propagates.
    """
    spec = importlib.util.spec_from_file_location(MODULE_NAME, module_file)
    if spec is None:
        raise LookupError(f"cannot load {os.path.basename(module_file)}")
    module = importlib.util.module_from_spec(spec)
    directory = os.path.dirname(module_file)
    previous = sys.modules.get(MODULE_NAME)
    sys.path.insert(0, directory)  # so that the app imports its neighbours, as under PyWebIO
    sys.modules[MODULE_NAME] = module  # dataclasses and typing look their module up while it runs
    try:
        with open(module_file, "rb") as f:  # compiled from source: a cached .pyc may predate a ?reload
            code = compile(f.read(), module_file, "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - running the app module is path_deploy's job
    finally:
        sys.path.remove(directory)
        if previous is None:
            sys.modules.pop(MODULE_NAME, None)
        else:
            sys.modules[MODULE_NAME] = previous
    main = getattr(module, "main", None)
    if main is None:
        raise LookupError(f"{os.path.basename(module_file)} has no main()")
    return main


def _text(body: str, status: int) -> Response:
    response = Response(body + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def path_deploy(
    base: str,
    port: int = 0,
    host: str = "",
    index: bool | Callable[[str], str] = True,
    static_dir: str | None = None,
    reconnect_timeout: int = 0,
    cdn: bool | str = True,
    debug: bool = False,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    max_payload_size: int | str = "200M",
    **tornado_app_settings: Any,
) -> None:
    """Serve every app module under ``base`` until SIGINT/SIGTERM (PyWebIO 1.8's signature).

    The other options mean what they mean for :func:`wsgi_webio.platform.start_server`.
    """
    options = translate(debug=debug, cdn=cdn, reconnect_timeout=reconnect_timeout, allowed_origins=allowed_origins,
                        check_origin=check_origin, max_payload_size=max_payload_size,
                        settings=tornado_app_settings, caller="path_deploy")
    patch()
    app = PathDeployApp(base, index, **app_options(host, options))
    serve(app, host, port, static_dir=static_dir)


def path_deploy_http(
    base: str,
    port: int = 0,
    host: str = "",
    index: bool | Callable[[str], str] = True,
    static_dir: str | None = None,
    cdn: bool | str = True,
    debug: bool = False,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    max_payload_size: int | str = "200M",
    **tornado_app_settings: Any,
) -> None:
    """:func:`path_deploy` with PyWebIO's HTTP options. wsgi_webio serves both transports on
    one URL, and the page uses WebSocket when it can: both functions serve the same thing."""
    options = translate(debug=debug, cdn=cdn, allowed_origins=allowed_origins, check_origin=check_origin,
                        session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, max_payload_size=max_payload_size,
                        settings=tornado_app_settings, caller="path_deploy_http")
    patch()
    app = PathDeployApp(base, index, **app_options(host, options))
    serve(app, host, port, static_dir=static_dir)
