"""PyWebIO's ``pywebio.platform.django``: ``webio_view``, ``wsgi_app``, ``start_server``.

Owns the Django view that serves an app inside a Django site (CSRF-exempt, as PyWebIO's:
the app's Origin check guards its POSTs), and PyWebIO 1.8's two other Django entry
points, which need no Django here: ``wsgi_app`` returns wsgi_webio's own WSGI app (it
configures no Django settings), and ``start_server`` serves it on the gevent development
server. Imports Django only when a view is made. The site must run on a gevent server
(docs/deploy.md); Django's ``runserver`` is thread-based and the app refuses it.

.. code-block:: python

    view = webio_view(main)
    urlpatterns = [path("tool", view), path("tool/<path:sub>", view)]
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .options import translate
from .serve import AppSpec, app_options, patch, serve, with_static_dir
from .views import ViewAdapter, sub_path_of

__all__ = ["start_server", "webio_view", "wsgi_app"]


def _route_hint(route: str) -> str:
    return f"path('{route.strip('/')}/<path:sub>', view) in urlpatterns"


def webio_view(
    applications: AppSpec,
    cdn: bool | str = True,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
) -> Callable[..., Any]:
    """A Django view serving ``applications`` (PyWebIO 1.8's signature).

    Route it on its path and, for the page's assets, on the sub-paths of that path (as in
    the module docstring). Serves the HTTP transport.
    """
    # Django ships no type information: its names are Any here.
    HttpResponse = importlib.import_module("django.http").HttpResponse
    urls = importlib.import_module("django.urls")
    csrf_exempt = importlib.import_module("django.views.decorators.csrf").csrf_exempt

    options = translate(cdn=cdn, session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, allowed_origins=allowed_origins,
                        check_origin=check_origin, caller="webio_view")
    adapter = ViewAdapter(applications, options, "Django", _route_hint)

    def assets_routed(path: str) -> bool:
        try:
            return bool(urls.resolve(path.encode("latin-1").decode("utf-8", "replace")).func is view)
        except urls.Resolver404:
            return False

    def django_view(request: Any, *args: Any, **kwargs: Any) -> Any:
        status, headers, body = adapter(request.environ, sub_path_of(kwargs), assets_routed)
        response = HttpResponse(body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    view: Callable[..., Any] = csrf_exempt(django_view)
    return view


def wsgi_app(
    applications: AppSpec,
    cdn: bool | str = True,
    static_dir: str | None = None,
    allowed_origins: list[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    session_expire_seconds: int | None = None,
    session_cleanup_interval: int | None = None,
    debug: bool = False,
    max_payload_size: int | str = "200M",
    **django_options: Any,
) -> Any:
    """A WSGI app serving ``applications`` (PyWebIO 1.8's signature): wsgi_webio's own
    (both transports); no Django settings are configured. ``static_dir`` is served at
    ``/static/``; ``django_options`` are ignored with a warning (wsgi_webio's own options pass)."""
    from ..app import wsgi_app as make_app

    options = translate(debug=debug, cdn=cdn, allowed_origins=allowed_origins, check_origin=check_origin,
                        session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, max_payload_size=max_payload_size,
                        settings=django_options, caller="wsgi_app")
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
    **django_options: Any,
) -> None:
    """Serve ``applications`` until SIGINT/SIGTERM (PyWebIO 1.8's signature), on the gevent
    development server: see :func:`wsgi_webio.platform.start_server`."""
    from ..app import wsgi_app as make_app

    options = translate(debug=debug, cdn=cdn, remote_access=remote_access, allowed_origins=allowed_origins,
                        check_origin=check_origin, session_expire_seconds=session_expire_seconds,
                        session_cleanup_interval=session_cleanup_interval, max_payload_size=max_payload_size,
                        settings=django_options, caller="start_server")
    patch()
    serve(make_app(applications, **app_options(host, options)), host, port, static_dir=static_dir)
