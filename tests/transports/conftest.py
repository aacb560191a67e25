"""Fixtures of the WebSocket layer's live tests: a gevent.pywsgi server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gevent.queue
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
    servers: list[WSGIServer] = []

    def start(app: App, handler_class: type = WebSocketHandler) -> int:
        server = WSGIServer(("127.0.0.1", 0), app, handler_class=handler_class, log=None)
        server.start()
        servers.append(server)
        return int(server.server_port)

    yield start
    for server in servers:
        server.stop(timeout=2)
