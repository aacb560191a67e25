"""Stands in for pywebio.platform.aiohttp (webio_handler, static_routes, start_server).

wsgi_webio runs on WSGI and gevent, not on aiohttp: importing this module raises an
ImportError that names the WSGI equivalent, so a PyWebIO app that imports it fails at
once with the fix in the message (docs/pywebio-compat.md). It must define nothing else.
"""

raise ImportError(
    "wsgi_webio.platform.aiohttp does not exist: wsgi_webio runs on WSGI and gevent, not aiohttp. Use "
    "wsgi_webio.platform.start_server(main, port, host), or wsgi_webio.wsgi_app(main) under a gevent WSGI "
    "server (docs/pywebio-compat.md)."
)
