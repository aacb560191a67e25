"""Stands in for pywebio.platform.fastapi (webio_routes, asgi_app, start_server).

wsgi_webio runs on WSGI and gevent, not on FastAPI/Starlette (ASGI): importing this module raises an
ImportError that names the WSGI equivalent, so a PyWebIO app that imports it fails at
once with the fix in the message (docs/pywebio-compat.md). It must define nothing else.
"""

raise ImportError(
    "wsgi_webio.platform.fastapi does not exist: wsgi_webio runs on WSGI and gevent, not "
    "FastAPI/Starlette (ASGI). Use wsgi_webio.wsgi_app(main) under gunicorn/uWSGI with gevent, or "
    "WebIOMiddleware to mount it in a WSGI site (docs/pywebio-compat.md)."
)
