"""PyWebIO's ``pywebio.platform.flask``: ``webio_view``, ``wsgi_app``, ``start_server``.

Owns the Flask view that serves an app inside a Flask site, and PyWebIO 1.8's two other
Flask entry points, which need no Flask here: ``wsgi_app`` returns wsgi_webio's own WSGI
app, and ``start_server`` serves it on the gevent development server. Imports Flask
only when a view runs. The site must run on a gevent server (gunicorn with
``wsgi_webio.gunicorn.GeventWebSocketWorker``, docs/deploy.md): Flask's own development
server is thread-based, and the app refuses it with a message saying so.

.. code-block:: python

    view = webio_view(main)
    app.add_url_rule("/tool", "webio_view", view, methods=["GET", "POST", "OPTIONS"])
    app.add_url_rule("/tool/<path:sub>", "webio_assets", view, methods=["GET", "POST", "OPTIONS"])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .options import translate
from .serve import AppSpec, app_options, patch, serve, with_static_dir
from .views import ViewAdapter, sub_path_of

__all__ = ["start_server", "webio_view", "wsgi_app"]


def _route_hint(route: str) -> str:
    return (f"app.add_url_rule('{route.rstrip('/')}/<path:sub>', 'webio_assets', view, "
            "methods=['GET', 'POST', 'OPTIONS'])")


def webio_view(
    applications: AppSpec,
    cdn: bool | str = True,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
) -> Callable[..., Any]:
    """A Flask view serving ``applications`` (PyWebIO 1.8's signature).

    Register it for ``GET``, ``POST`` and ``OPTIONS`` on its path and, for the page's
    assets, on the sub-paths of that path (one ``<path:...>`` rule, as in the module
    docstring). Serves the HTTP transport.
    """
    options = translate(cdn=cdn, session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, allowed_origins=allowed_origins,
                        check_origin=check_origin, caller="webio_view")
    adapter = ViewAdapter(applications, options, "Flask", _route_hint)

    def view(**kwargs: Any) -> Any:
        from flask import current_app, request

        def assets_routed(path: str) -> bool:
            adapter_ = current_app.url_map.bind_to_environ(request.environ)
            try:
                endpoint, _ = adapter_.match(path, method="GET")
            except Exception:  # NotFound, MethodNotAllowed, RequestRedirect: not this view
                return False
            return current_app.view_functions.get(endpoint) is view

        status, headers, body = adapter(request.environ, sub_path_of(kwargs), assets_routed)
        return current_app.response_class(body, status=status, headers=headers)

    view.__name__ = "webio_view"
    return view


def wsgi_app(
    applications: AppSpec,
    cdn: bool | str = True,
    static_dir: str | None = None,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    max_payload_size: int | str = "200M",
) -> Any:
    """A WSGI app serving ``applications`` (PyWebIO 1.8's signature): wsgi_webio's own
    (both transports), not a Flask object; ``static_dir`` is served at ``/static/``."""
    from ..app import wsgi_app as make_app

    options = translate(cdn=cdn, allowed_origins=allowed_origins, check_origin=check_origin,
                        session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, max_payload_size=max_payload_size,
                        caller="wsgi_app")
    return with_static_dir(make_app(applications, **options), static_dir)


def start_server(
    applications: AppSpec,
    port: int = 8080,
    host: str = "",
    cdn: bool | str = True,
    static_dir: str | None = None,
    remote_access: bool = False,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    debug: bool = False,
    max_payload_size: int | str = "200M",
    **flask_options: Any,
) -> None:
    """Serve ``applications`` until SIGINT/SIGTERM (PyWebIO 1.8's signature), on the gevent
    development server rather than Flask's: see :func:`wsgi_webio.platform.start_server`."""
    from ..app import wsgi_app as make_app

    options = translate(debug=debug, cdn=cdn, remote_access=remote_access, allowed_origins=allowed_origins,
                        check_origin=check_origin, session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, max_payload_size=max_payload_size,
                        settings=flask_options, caller="start_server")
    patch()
    serve(make_app(applications, **app_options(host, options)), host, port, static_dir=static_dir)
