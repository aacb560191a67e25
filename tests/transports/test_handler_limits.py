"""Live tests of the pywsgi handler's request-head limits (issue 14, defects 5 and 6):
a POST saying ``Connection: Upgrade`` is read by its Content-Length, and connections
that send no complete head, or idle between keep-alive requests, are closed.

A real gevent.pywsgi server on 127.0.0.1 with wsgi_webio's handler, in this process.
Each wait is bounded by a socket timeout; the tests wait for the server's close, and
assert no timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent
import gevent.socket
import pytest
from gevent.pywsgi import WSGIServer

from tests.transports.test_wshandler import WAIT_S
from wsgi_webio.transports.wshandler import WebSocketHandler

pytestmark = pytest.mark.live

#: Bounds small enough for a test; what a test waits for is the close, within WAIT_S.
SHORT_S = 0.2


class QuickHandler(WebSocketHandler):
    head_timeout = SHORT_S
    keepalive_timeout = SHORT_S


def body_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answer with the request body's length and the body itself."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 6))])
    return [b"%05d:" % len(body), body]


def open_socket(port: int) -> gevent.socket.socket:
    return gevent.socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)


def read_response(sock: gevent.socket.socket) -> bytes:
    """One response with a Content-Length: head and body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed inside the response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the response body"
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_by_server(sock: gevent.socket.socket) -> bool:
    """Wait (bounded by the socket timeout) for the server to end the connection."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("extra", [
    pytest.param(b"Connection: Upgrade\r\n", id="Connection: Upgrade"),
    pytest.param(b"Connection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n", id="Upgrade: h2c"),
    pytest.param(b"Connection: Upgrade\r\nUpgrade: websocket\r\n", id="POST asking for a WebSocket"),
])
def test_post_asking_for_an_upgrade_is_read_by_its_content_length(serve: Callable[..., int], extra: bytes) -> None:
    sock = open_socket(serve(body_app))
    # The client keeps its side open: the body's end is known from Content-Length only.
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + extra + b"Content-Length: 5\r\n\r\nhello")
    response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 200 OK")
    assert response.endswith(b"00005:hello")
    sock.close()


def test_connections_without_a_complete_head_are_closed(serve: Callable[..., int]) -> None:
    port = serve(body_app, QuickHandler)
    slow = [open_socket(port) for _ in range(4)]
    slow[1].sendall(b"GE")  # inside the request line
    slow[2].sendall(b"GET / HTTP/1.1\r\n")  # request line only
    slow[3].sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1")  # inside a header line
    healthy = open_socket(port)
    healthy.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(healthy).endswith(b"00000:")
    assert [closed_by_server(sock) for sock in slow] == [True] * 4
    for sock in [*slow, healthy]:
        sock.close()


def test_keep_alive_connection_idle_past_the_bound_is_closed(serve: Callable[..., int]) -> None:
    sock = open_socket(serve(body_app, QuickHandler))
    for _ in range(3):  # kept alive while requests keep coming
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        assert read_response(sock).endswith(b"00002:hi")
    assert closed_by_server(sock)
    sock.close()


def test_server_attributes_override_the_handler_defaults() -> None:
    server = WSGIServer(("127.0.0.1", 0), body_app, handler_class=WebSocketHandler, log=None)
    server.head_timeout = SHORT_S  # type: ignore[attr-defined]
    server.keepalive_timeout = None  # type: ignore[attr-defined]
    server.start()
    try:
        idle = open_socket(server.server_port)
        assert closed_by_server(idle)
        kept = open_socket(server.server_port)
        kept.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(kept).endswith(b"00000:")
        assert WebSocketHandler.head_timeout is not None and WebSocketHandler.head_timeout > SHORT_S
        for sock in (idle, kept):
            sock.close()
    finally:
        server.stop(timeout=2)


def test_a_slow_application_is_not_cut_by_the_head_bound(serve: Callable[..., int]) -> None:
    def slow_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        gevent.sleep(SHORT_S * 3)  # the work of a request outlives the head bound
        start_response("200 OK", [("Content-Length", "4")])
        return [b"done"]

    sock = open_socket(serve(slow_app, QuickHandler))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock).endswith(b"\r\n\r\ndone")
    sock.close()


def test_the_dev_server_closes_a_slow_head_with_its_settings() -> None:
    from wsgi_webio import make_server

    server, app = make_server(lambda: None, "127.0.0.1", 0)
    server.head_timeout = SHORT_S  # type: ignore[attr-defined]
    server.start()
    try:
        slow = [open_socket(server.server_port) for _ in range(3)]
        for sock in slow[1:]:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line
        assert [closed_by_server(sock) for sock in slow] == [True] * 3
        for sock in slow:
            sock.close()
    finally:
        app.close()
        server.stop(timeout=2)
