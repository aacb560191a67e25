"""Live tests of the hardened WebSocket layer: a real gevent.pywsgi server on 127.0.0.1.

Server and client share this process and cooperate through gevent sockets (no
monkey-patching). Waits are bounded by socket timeouts and queue timeouts; timings
are printed, never asserted.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gevent
import gevent.queue
import gevent.socket
import pytest
import websocket
from geventwebsocket.handler import WebSocketHandler as StockWebSocketHandler

from tests.transports.wsclient import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    HandshakeRefused,
    WSClient,
    frame_header,
    masked_frame,
    parse_close,
)
from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.wshandler import (
    ACCEPT_KEY,
    SOCKET_KEY,
    ChannelClosed,
    WebSocketChannel,
    WebSocketHandler,
    is_websocket_request,
    open_channel,
)

pytestmark = pytest.mark.live

App = Callable[[dict[str, Any], Callable[..., Any]], Any]
LIMIT = 64 * 1024
WAIT_S = 10.0


def connect(port: int, path: str = "/ws", **kwargs: Any) -> WSClient:
    return WSClient.connect("127.0.0.1", port, path, socket_module=gevent.socket,
                            timeout=WAIT_S, **kwargs)


def echo_app(events: gevent.queue.Queue, limit: int = LIMIT) -> App:
    """Echo every message; report the ChannelClosed that ends the loop."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, limit)
        if channel is None:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"WebSocket only"]
        while True:
            try:
                message = channel.receive()
            except ChannelClosed as exc:
                events.put(exc)
                return []
            if isinstance(message, str):
                channel.send(message)
            else:
                channel.send_binary(message)

    return app


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def test_echo_text_and_binary(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_text("héllo")
        assert client.recv_text() == "héllo"
        client.send_binary(b"\x00\xffbin")
        assert client.recv() == (OP_BINARY, b"\x00\xffbin")
        client.send_frame(OP_TEXT, b"frag", fin=False)
        client.send_ping(b"in-between")  # control frames may interleave with fragments
        assert client.recv() == (OP_PONG, b"in-between")
        client.send_frame(OP_CONTINUATION, "mént".encode(), fin=True)
        assert client.recv_text() == "fragmént"
        client.send_binary(b"x" * LIMIT)  # exactly at the limit is fine
        assert client.recv() == (OP_BINARY, b"x" * LIMIT)
        client.close()
        assert events.get(timeout=WAIT_S).code == wf.NORMAL


def test_tcp_nodelay_on_websocket_and_plain_http(serve: Callable[..., int]) -> None:
    seen: gevent.queue.Queue = gevent.queue.Queue()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if SOCKET_KEY in environ:
            sock = environ[SOCKET_KEY]
            seen.put(("ws", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
            open_channel(environ, LIMIT)
            return []
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain"]

    class RecordingHandler(WebSocketHandler):
        def __init__(self, sock: Any, *args: Any) -> None:
            super().__init__(sock, *args)
            seen.put(("init", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

    port = serve(app, RecordingHandler)
    connect(port).close()
    assert seen.get(timeout=WAIT_S) == ("init", 1)
    assert seen.get(timeout=WAIT_S)[1] != 0

    sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    sock.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    response = b""
    while chunk := sock.recv(65536):
        response += chunk
    sock.close()
    assert response.startswith(b"HTTP/1.1 200 OK") and response.endswith(b"plain")
    assert seen.get(timeout=WAIT_S) == ("init", 1)


def test_app_refusal_is_plain_http_and_never_101(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("HTTP_ORIGIN") != "http://good.example":
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"bad origin"]
        events.put("accepted")
        open_channel(environ, LIMIT)
        return []

    port = serve(app)
    with pytest.raises(HandshakeRefused) as refused:
        connect(port, origin="http://evil.example")
    assert refused.value.status == 403
    assert refused.value.body == b"bad origin"
    assert b"101" not in refused.value.head
    assert refused.value.headers["connection"] == "close"
    assert events.empty()
    connect(port, origin="http://good.example").close()
    assert events.get(timeout=WAIT_S) == "accepted"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"Sec-WebSocket-Version": "8"}, 426, id="version 8"),
        pytest.param({"Sec-WebSocket-Version": None}, 426, id="no version"),
        pytest.param({"Sec-WebSocket-Key": None}, 400, id="no key"),
        pytest.param({"Sec-WebSocket-Key": "dG9vIHNob3J0"}, 400, id="key too short"),
        pytest.param({"Sec-WebSocket-Key": "!!not-base64-at-all!!==="}, 400, id="key not b64"),
        pytest.param({"Connection": "keep-alive"}, 400, id="no Connection: upgrade"),
    ],
)
def test_malformed_upgrade_is_refused_without_calling_the_app(
    serve: Callable[..., int],
    events: gevent.queue.Queue,
    headers: dict[str, str | None],
    status: int,
) -> None:
    port = serve(echo_app(events))
    with pytest.raises(HandshakeRefused) as refused:
        connect(port, headers=headers)
    assert refused.value.status == status
    assert refused.value.head.startswith(f"HTTP/1.1 {status} ".encode())
    assert refused.value.body  # an explanation
    if status == 426:
        assert refused.value.headers["sec-websocket-version"] == "13"
    assert events.empty()


def test_non_upgrade_request_goes_to_the_app_untouched(serve: Callable[..., int]) -> None:
    seen: gevent.queue.Queue = gevent.queue.Queue()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.put((ACCEPT_KEY in environ, is_websocket_request(environ),
                  open_channel(environ, LIMIT)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    sock = gevent.socket.create_connection(("127.0.0.1", serve(app)), timeout=WAIT_S)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
    sock.close()
    assert seen.get(timeout=WAIT_S) == (False, False, None)


def test_frame_claiming_1_gib_is_refused_at_the_header(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    with connect(serve(echo_app(events))) as client:
        before = rss_bytes()
        started = time.perf_counter()
        client.sock.sendall(frame_header(OP_BINARY, 1 << 30, mask_key=b"abcd"))
        code, reason = client.recv_close()
        elapsed_ms = (time.perf_counter() - started) * 1000
        assert code == wf.MESSAGE_TOO_BIG
        assert reason == f"message too big: {1 << 30} > {LIMIT} bytes"
        assert client.read_to_eof() == b""  # the server then ends the connection
        grown = rss_bytes() - before
        print(f"1 GiB header answered in {elapsed_ms:.2f} ms, RSS grew {grown} bytes")
        assert grown < 16 * 1024 * 1024  # no buffer of the claimed size was allocated
        assert events.get(timeout=WAIT_S).code == wf.MESSAGE_TOO_BIG


def test_fragmented_message_over_limit_is_refused_at_the_offending_header(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_frame(OP_BINARY, b"a" * 30000, fin=False)
        client.send_frame(OP_CONTINUATION, b"b" * 30000, fin=False)
        # Only the header of the third fragment: 90000 > 64 KiB must be refused without it.
        client.sock.sendall(frame_header(OP_CONTINUATION, 30000, mask_key=b"wxyz"))
        assert client.recv_close()[0] == wf.MESSAGE_TOO_BIG
        closed = events.get(timeout=WAIT_S)
        assert closed.code == wf.MESSAGE_TOO_BIG
        assert "90000" in closed.reason


def test_invalid_utf8_text_is_closed_with_1007(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_frame(OP_TEXT, b"ok \xff\xfe not utf-8")
        opcode, payload = client.recv()
        assert opcode == OP_CLOSE
        assert payload[:2] == b"\x03\xef"  # 1007 really is on the wire
        assert events.get(timeout=WAIT_S).code == wf.INVALID_DATA


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(masked_frame(OP_TEXT, b"plain", mask=False), id="unmasked"),
        pytest.param(masked_frame(0x3, b"x"), id="reserved opcode"),
        pytest.param(masked_frame(OP_CONTINUATION, b"x"), id="continuation first"),
        pytest.param(masked_frame(OP_CLOSE, b"\x03"), id="1-byte close payload"),
        pytest.param(masked_frame(OP_CLOSE, b"\x03\xed"), id="close code 1005"),
    ],
)
def test_protocol_errors_close_with_1002(
    serve: Callable[..., int], events: gevent.queue.Queue, frame: bytes
) -> None:
    with connect(serve(echo_app(events))) as client:
        client.sock.sendall(frame)
        assert client.recv_close()[0] == wf.PROTOCOL_ERROR
        assert events.get(timeout=WAIT_S).code == wf.PROTOCOL_ERROR


def test_1_mib_binary_message_is_intact_without_stalling_the_hub(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    tick_s = 0.005

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, 4 << 20)
        assert channel is not None
        worst = [0.0]

        def ticker() -> None:
            last = time.perf_counter()
            while True:
                gevent.sleep(tick_s)
                now = time.perf_counter()
                worst[0] = max(worst[0], now - last - tick_s)
                last = now

        ticking = gevent.spawn(ticker)
        channel.send("ready")
        message = channel.receive()
        ticking.kill()
        events.put((hashlib.sha256(message).hexdigest(), type(message), worst[0]))
        channel.send("got it")
        return []

    with connect(serve(app)) as client:
        data = os.urandom(1 << 20)
        frame = masked_frame(OP_BINARY, data)  # masked before the measurement starts
        assert client.recv_text() == "ready"
        client.sock.sendall(frame)
        digest, kind, stall = events.get(timeout=WAIT_S)
        assert (digest, kind) == (hashlib.sha256(data).hexdigest(), bytes)
        assert client.recv_text() == "got it"
        print(f"largest hub stall while receiving 1 MiB: {stall * 1000:.2f} ms")
        client.close()


def test_peer_close_code_is_reported(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_close(4001, "bye now")
        assert client.recv_close() == (4001, "")  # the code is echoed
        assert client.read_to_eof() == b""
        closed = events.get(timeout=WAIT_S)
        assert (closed.code, closed.reason) == (4001, "bye now")


def test_peer_close_without_code_reports_1005(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_close(None)
        assert client.recv() == (OP_CLOSE, b"")
        assert events.get(timeout=WAIT_S).code == wf.NO_STATUS_RECEIVED


def test_send_many_ping_and_clean_end_after_app_returns(serve: Callable[..., int]) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None
        channel.send_many([f"msg {i}" for i in range(50)] + ["x" * 70000])
        channel.ping()
        start_response("200 OK", [])  # as a framework would; ignored after the upgrade
        return [b"stray body that must never reach the wire"]

    with connect(serve(app)) as client:
        assert [client.recv_text() for _ in range(51)] == [f"msg {i}" for i in range(50)] + [
            "x" * 70000
        ]
        assert client.recv() == (OP_PING, b"")
        assert client.recv() == (OP_CLOSE, b"\x03\xe8")
        client.send_close(wf.NORMAL)
        assert client.read_to_eof() == b""  # no chunk terminator, no body, then EOF


def test_app_error_after_accept_closes_1011_without_http_500(serve: Callable[..., int]) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None
        channel.send("about to fail")
        raise RuntimeError("boom (expected by the test)")

    with connect(serve(app)) as client:
        assert client.recv_text() == "about to fail"
        assert parse_close(client.recv()[1])[0] == wf.INTERNAL_ERROR
        client.send_close(wf.INTERNAL_ERROR)
        assert client.read_to_eof() == b""


def test_channel_api_after_close(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert isinstance(channel, WebSocketChannel)
        with pytest.raises(RuntimeError):
            environ[ACCEPT_KEY](LIMIT)  # a second accept
        channel.close(wf.POLICY_VIOLATION, "go away")
        channel.close()  # idempotent
        outcome: list[Any] = [channel.closed, channel.environ is environ]
        for call in (channel.receive, lambda: channel.send("late")):
            try:
                call()
            except ChannelClosed as exc:
                outcome.append(exc.code)
        with pytest.raises(ValueError):
            channel.close(1006)
        events.put(outcome)
        return []

    with connect(serve(app)) as client:
        assert client.recv_close() == (wf.POLICY_VIOLATION, "go away")
        client.send_close(wf.POLICY_VIOLATION)
        assert client.read_to_eof() == b""
        assert events.get(timeout=WAIT_S) == [True, True, 1008, 1008]


def test_lost_connection_reports_1006(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    with connect(serve(echo_app(events))) as client:
        client.send_frame(OP_BINARY, b"partial", fin=False)
        client.sock.close()
        assert events.get(timeout=WAIT_S).code == wf.ABNORMAL_CLOSURE


def test_stock_upgraded_socket_gets_the_limit_through_open_channel(
    serve: Callable[..., int], events: gevent.queue.Queue
) -> None:
    port = serve(echo_app(events, limit=1000), StockWebSocketHandler)
    with connect(port) as client:
        client.send_text("small")
        assert client.recv_text() == "small"
        client.send_binary(b"z" * 2000)
        assert client.recv_close() == (wf.MESSAGE_TOO_BIG, "message too big: 2000 > 1000 bytes")
        assert events.get(timeout=WAIT_S).code == wf.MESSAGE_TOO_BIG


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "websocket"}, True),
        ({"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "WebSocket"}, True),
        ({"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "h2c, websocket"}, True),
        ({"REQUEST_METHOD": "POST", "HTTP_UPGRADE": "websocket"}, False),
        ({"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "h2c"}, False),
        ({"REQUEST_METHOD": "GET"}, False),
    ],
)
def test_is_websocket_request(environ: dict[str, str], expected: bool) -> None:
    assert is_websocket_request(environ) is expected


# Echo server for blocking clients, run in a child process (this process does not patch).
SERVER_SCRIPT = """
from gevent.pywsgi import WSGIServer
from wsgi_webio.transports.wshandler import ChannelClosed, WebSocketHandler, open_channel

def app(environ, start_response):
    channel = open_channel(environ, 1000)
    while True:
        try:
            message = channel.receive()
        except ChannelClosed:
            return []
        (channel.send if isinstance(message, str) else channel.send_binary)(message)

server = WSGIServer(("127.0.0.1", 0), app, handler_class=WebSocketHandler, log=None)
server.start()
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def child_server_port() -> Iterator[int]:
    import wsgi_webio

    src = str(Path(wsgi_webio.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=WAIT_S), "the child server did not start"
        yield int(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=WAIT_S)
        if proc.stdout is not None:
            proc.stdout.close()


def test_blocking_clients_against_a_child_process_server(child_server_port: int) -> None:
    with WSClient.connect("127.0.0.1", child_server_port, "/ws", timeout=WAIT_S) as client:
        client.send_text("from a blocking socket")
        assert client.recv_text() == "from a blocking socket"

    ws = websocket.create_connection(f"ws://127.0.0.1:{child_server_port}/ws", timeout=WAIT_S)
    try:
        ws.send("from websocket-client")
        assert ws.recv() == "from websocket-client"
        ws.send_binary(b"b" * 999)
        assert ws.recv() == b"b" * 999
        ws.send_binary(b"b" * 1001)
        opcode, frame = ws.recv_data_frame(True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert frame.data[:2] == wf.MESSAGE_TOO_BIG.to_bytes(2, "big")
    finally:
        ws.close()  # a no-op once websocket-client has answered a close frame itself...
        ws.shutdown()  # ...so close the socket explicitly
