"""Live fixtures: a real dev server (gevent.pywsgi + our WebSocket handler) on an
ephemeral 127.0.0.1 port in the test process, driven by gevent-socket clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gevent
import gevent.socket
import pytest

from tests.live.httpclient import Reply, request
from tests.transports.wsclient import WSClient
from wsgi_webio import make_server
from wsgi_webio.app import WebIOApp

pytestmark = pytest.mark.live


class Live:
    """One running server."""

    def __init__(self, app: WebIOApp, port: int) -> None:
        self.app = app
        self.port = port
        self.clients: list[WSClient] = []

    def ws(self, query: str, origin: str | None = None) -> WSClient:
        """A WebSocket client on the app's URL, closed at teardown."""
        client = WSClient.connect("127.0.0.1", self.port, "/?" + query, origin=origin, socket_module=gevent.socket)
        self.clients.append(client)
        return client

    def get(self, sid: str | None = "NEW", **kw: Any) -> Reply:
        headers = kw.pop("headers", {})
        if sid is not None:
            headers["webio-session-id"] = sid
        return request(self.port, "GET", "/", params=kw or None, headers=headers)

    def post(self, sid: str | None, events: Any, seq: int = 0, ack: int = -1, **kw: Any) -> Reply:
        headers = kw.pop("headers", {})
        if sid is not None:
            headers["webio-session-id"] = sid
        return request(self.port, "POST", "/", params={"ack": ack, "seq": seq, **kw}, headers=headers, body=events)


@pytest.fixture
def live() -> Iterator[Callable[..., Live]]:
    servers: list[tuple[Any, WebIOApp, Live]] = []

    def start(applications: Any, **options: Any) -> Live:
        server, app = make_server(applications, "127.0.0.1", 0, **options)
        server.start()
        handle = Live(app, server.server_port)
        servers.append((server, app, handle))
        return handle

    with gevent.Timeout(60):
        yield start
    for server, app, handle in servers:
        for client in handle.clients:
            client.sock.close()
        app.close()
        server.stop(timeout=1)
