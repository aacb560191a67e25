"""Fixtures of the WebSocket layer's live tests: a gevent.pywsgi server on 127.0.0.1."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gevent.queue
import gevent.ssl
import pytest
from gevent.pywsgi import WSGIServer

from wsgi_webio.transports.wshandler import WebSocketHandler

App = Callable[[dict[str, Any], Callable[..., Any]], Any]


@pytest.fixture
def events() -> gevent.queue.Queue:
    """What the server-side app reports to the test."""
    return gevent.queue.Queue()


@pytest.fixture
def serve() -> Iterator[Callable[..., int]]:
    """``serve(app, handler_class=WebSocketHandler, **server_options) -> port``."""
    servers: list[WSGIServer] = []

    def start(app: App, handler_class: type = WebSocketHandler, **options: Any) -> int:
        options.setdefault("log", None)
        server = WSGIServer(("127.0.0.1", 0), app, handler_class=handler_class, **options)
        server.start()
        servers.append(server)
        return int(server.server_port)

    yield start
    for server in servers:
        server.stop(timeout=2)


@pytest.fixture
def serve_tls(serve: Callable[..., int], tmp_path: Path) -> Callable[..., int]:
    """Like ``serve``, over TLS with a throw-away self-signed certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return functools.partial(serve, ssl_context=context)
