"""Stands in for pywebio.platform.tornado_http (start_server, webio_handler).

wsgi_webio runs on WSGI and gevent, not on Tornado: importing this module raises an
ImportError that names the WSGI equivalent, so a PyWebIO app that imports it fails at
once with the fix in the message (docs/pywebio-compat.md). It must define nothing else.
"""

raise ImportError(
    "wsgi_webio.platform.tornado_http does not exist: wsgi_webio runs on WSGI and gevent, not Tornado. "
    "Use wsgi_webio.platform.start_server(main, port, host), which serves HTTP long-polling and WebSocket "
    "on one URL (docs/pywebio-compat.md)."
)
