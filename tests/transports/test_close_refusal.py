"""Live tests of the close handshake after a refused message (issue 14, defects 7 and 10), on
every stack of the pywsgi server: the evented reader, the blocking reader on a plain
and on a TLS socket, and a connection upgraded by gevent-websocket's own handler.

A client that sends a whole oversized message before reading must read our 1009 close
frame with its reason, not a reset: the server swallows the rest of the message
(bounded) instead of closing a socket with unread input. Client and server share this
process through gevent sockets; waits are bounded by socket and queue timeouts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent.queue
import gevent.socket
import gevent.ssl
import pytest
from geventwebsocket.handler import WebSocketHandler as StockWebSocketHandler

from tests.transports.test_wshandler import WAIT_S
from tests.transports.wsclient import OP_BINARY, OP_TEXT, WSClient, masked_frame
from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.channel import ChannelClosed
from wsgi_webio.transports.wshandler import open_channel

pytestmark = pytest.mark.live

App = Callable[[dict[str, Any], Callable[..., Any]], Any]
LIMIT = 1 << 20  # the default max_message_size


def reading_app(events: gevent.queue.Queue) -> App:
    """Read in the request greenlet (the blocking reader); report how it ended."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None
        try:
            while True:
                channel.receive()
        except ChannelClosed as exc:
            events.put((channel.evented, exc.code, exc.reason))
        return []

    return app


def listening_app(events: gevent.queue.Queue) -> App:
    """Hand the connection to the evented reader; report how it ended."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None and channel.listen(lambda message: None,
                                                      lambda code, reason: events.put((True, code, reason)))
        return []

    return app


@pytest.fixture(params=["evented", "blocking", "blocking over TLS", "gevent-websocket handler"])
def stack(request: pytest.FixtureRequest, serve: Callable[..., int],
          serve_tls: Callable[..., int]) -> Callable[[gevent.queue.Queue], WSClient]:
    """``stack(events) -> client`` connected to a server of the parametrized stack."""

    def connect(events: gevent.queue.Queue) -> WSClient:
        context = None
        if request.param == "evented":
            port = serve(listening_app(events))
        elif request.param == "blocking":
            port = serve(reading_app(events))
        elif request.param == "gevent-websocket handler":
            port = serve(reading_app(events), StockWebSocketHandler)
        else:
            port = serve_tls(reading_app(events))
            context = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = gevent.ssl.CERT_NONE
        return WSClient.connect("127.0.0.1", port, "/ws", socket_module=gevent.socket, timeout=WAIT_S,
                                ssl_context=context)

    return connect


@pytest.mark.parametrize("size", [2 << 20, 16 << 20], ids=["2 MiB", "16 MiB"])
def test_oversized_message_sent_in_full_then_read_gets_1009(stack: Callable[[gevent.queue.Queue], WSClient],
                                                            size: int) -> None:
    events: gevent.queue.Queue = gevent.queue.Queue()
    client = stack(events)
    try:
        client.send_text("fits")  # a message within the limit first: the stream was fine
        client.sock.sendall(masked_frame(OP_BINARY, b"\0" * size))  # all of it, before reading
        assert client.recv_close() == (wf.MESSAGE_TOO_BIG, f"message too big: {size} > {LIMIT} bytes")
        client.send_close(wf.MESSAGE_TOO_BIG)  # what a browser answers
        assert client.read_to_eof() == b""  # then the server's side ends cleanly
    finally:
        client.sock.close()
    evented, code, reason = events.get(timeout=WAIT_S)
    assert (code, reason) == (wf.MESSAGE_TOO_BIG, f"message too big: {size} > {LIMIT} bytes")


def test_oversized_fragmented_message_gets_1009(stack: Callable[[gevent.queue.Queue], WSClient]) -> None:
    events: gevent.queue.Queue = gevent.queue.Queue()
    client = stack(events)
    try:
        piece = b"x" * (LIMIT // 2)
        client.sock.sendall(masked_frame(OP_TEXT, piece, fin=False) + b"".join(
            masked_frame(0x0, piece, fin=False) for _ in range(5)))
        assert client.recv_close()[0] == wf.MESSAGE_TOO_BIG
        assert client.read_to_eof() == b""
    finally:
        client.sock.close()
    assert events.get(timeout=WAIT_S)[1] == wf.MESSAGE_TOO_BIG


def test_length_not_in_its_shortest_form_gets_1002(stack: Callable[[gevent.queue.Queue], WSClient]) -> None:
    # RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
    events: gevent.queue.Queue = gevent.queue.Queue()
    client = stack(events)
    try:
        client.sock.sendall(bytes((0x80 | OP_TEXT, 0x80 | 126)) + (2).to_bytes(2, "big") + b"\0\0\0\0hi")
        assert client.recv_close() == (wf.PROTOCOL_ERROR, "length 2 not in its shortest encoding")
        assert client.read_to_eof() == b""
    finally:
        client.sock.close()
    assert events.get(timeout=WAIT_S)[1:] == (wf.PROTOCOL_ERROR, "length 2 not in its shortest encoding")
