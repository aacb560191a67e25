"""Live tests of evented WebSockets (``WebSocketChannel.listen``): frames read by hub
callbacks, no greenlet per connection. A real gevent.pywsgi server on 127.0.0.1 with
wsgi_webio's handler; client and server share this process through gevent sockets.
Waits are bounded by socket and queue timeouts; nothing sleeps to synchronise.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import gevent.queue
import gevent.socket
import gevent.ssl
import pytest
from geventwebsocket.handler import WebSocketHandler as StockWebSocketHandler

from tests.transports.test_wshandler import WAIT_S, connect
from tests.transports.wsclient import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    WSClient,
    frame_header,
    masked_frame,
)
from wsgi_webio.transports import wsevented
from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.wshandler import ChannelClosed, WebSocketChannel, open_channel

pytestmark = pytest.mark.live

App = Callable[[dict[str, Any], Callable[..., Any]], Any]
LIMIT = 64 * 1024


def evented_echo(events: gevent.queue.Queue, limit: int = LIMIT, *, read_timeout: float | None = None,
                 on_message: Callable[[WebSocketChannel, Any], None] | None = None) -> App:
    """Listen, echo every message from one sender greenlet, report how it ended.

    Puts on ``events``: ("listening", evented?) once the app returned, then
    ChannelClosed(code, reason) from the end callback.
    """

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, limit)
        assert channel is not None
        outbox: gevent.queue.Queue = gevent.queue.Queue()

        def sender() -> None:
            while (message := outbox.get()) is not None:
                try:
                    if isinstance(message, str):
                        channel.send(message)
                    else:
                        channel.send_binary(message)
                except ChannelClosed:
                    return

        def received(message: str | bytes) -> None:
            if on_message is not None:
                on_message(channel, message)
            else:
                outbox.put(message)

        def ended(code: int, reason: str) -> None:
            outbox.put(None)
            events.put(ChannelClosed(code, reason))

        gevent.spawn(sender)
        listening = channel.listen(received, ended)
        if read_timeout is not None:
            channel.set_read_timeout(read_timeout)
        events.put(("listening", listening, channel.evented, channel.environ))
        return []  # the handshake's greenlet ends here; the connection stays

    return app


def started(events: gevent.queue.Queue) -> None:
    assert events.get(timeout=WAIT_S) == ("listening", True, True, {})


def test_echo_after_the_request_greenlet_has_ended(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.send_text("héllo")
        assert client.recv_text() == "héllo"
        client.send_binary(b"\x00\xffbin")
        assert client.recv() == (OP_BINARY, b"\x00\xffbin")
        client.send_frame(OP_TEXT, b"frag", fin=False)
        client.send_ping(b"in-between")
        assert client.recv() == (OP_PONG, b"in-between")
        client.send_frame(OP_CONTINUATION, "mént".encode(), fin=True)
        assert client.recv_text() == "fragmént"
        big = os.urandom(LIMIT)  # at the limit, arriving over many reads
        client.send_binary(big)
        assert client.recv() == (OP_BINARY, big)
        for i in range(200):  # many small frames, several per read
            client.send_text(str(i))
        assert [client.recv_text() for _ in range(200)] == [str(i) for i in range(200)]
        client.close(4000, "done here")
        closed = events.get(timeout=WAIT_S)
        assert (closed.code, closed.reason) == (4000, "done here")


def test_peer_close_without_code_reports_1005(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.send_close(None)
        assert client.recv() == (OP_CLOSE, b"")  # echoed with an empty payload too
        assert events.get(timeout=WAIT_S).code == wf.NO_STATUS_RECEIVED


@pytest.mark.parametrize(("data", "code"), [
    pytest.param(frame_header(OP_BINARY, 1 << 30, mask_key=b"abcd"), wf.MESSAGE_TOO_BIG, id="1 GiB header"),
    pytest.param(masked_frame(OP_TEXT, b"ok \xff\xfe"), wf.INVALID_DATA, id="invalid UTF-8"),
    pytest.param(masked_frame(OP_TEXT, b"plain", mask=False), wf.PROTOCOL_ERROR, id="unmasked"),
    pytest.param(masked_frame(OP_CLOSE, b"\x03\xed"), wf.PROTOCOL_ERROR, id="close code 1005"),
    pytest.param(masked_frame(OP_PING, b"x" * 126), wf.PROTOCOL_ERROR, id="oversized ping"),
])
def test_refused_input_closes_with_its_code(serve: Callable[..., int], events: gevent.queue.Queue,
                                            data: bytes, code: int) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.send_text("before")
        assert client.recv_text() == "before"
        client.sock.sendall(data)
        assert client.recv_close()[0] == code
        assert client.read_to_eof() == b""  # the server then ends the connection
        assert events.get(timeout=WAIT_S).code == code


def test_oversized_message_still_streaming_gets_its_1009(serve: Callable[..., int],
                                                        events: gevent.queue.Queue) -> None:
    # The client keeps sending after the refused header: the server swallows that input
    # (bounded) so that its close frame is not destroyed by a TCP reset.
    with connect(serve(evented_echo(events, limit=1000))) as client:
        started(events)
        client.sock.sendall(frame_header(OP_BINARY, 300_000, mask_key=b"abcd") + b"\0" * 300_000)
        assert client.recv_close()[0] == wf.MESSAGE_TOO_BIG
        assert events.get(timeout=WAIT_S).code == wf.MESSAGE_TOO_BIG


def test_lost_connection_reports_1006(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.send_frame(OP_BINARY, b"partial", fin=False)
        client.sock.close()
        assert events.get(timeout=WAIT_S).code == wf.ABNORMAL_CLOSURE


def test_silent_peer_is_dropped_after_the_read_timeout(serve: Callable[..., int],
                                                      events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events, read_timeout=0.3))) as client:
        started(events)
        client.send_text("one")  # input restarts the idle clock
        assert client.recv_text() == "one"
        closed = events.get(timeout=WAIT_S)
        assert closed.code == wf.ABNORMAL_CLOSURE and "no data" in closed.reason
        assert client.read_to_eof() == b""


def test_server_close_waits_for_the_peer_answer(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    def close_on_message(channel: WebSocketChannel, message: Any) -> None:
        channel.close(wf.GOING_AWAY, "leaving")  # from the hub: must not block

    with connect(serve(evented_echo(events, on_message=close_on_message))) as client:
        started(events)
        client.send_text("bye")
        assert client.recv_close() == (wf.GOING_AWAY, "leaving")
        assert events.empty()  # the close handshake is not over yet
        client.send_close(wf.GOING_AWAY)
        assert events.get(timeout=WAIT_S).code == wf.GOING_AWAY  # the peer's answer is reported
        assert client.read_to_eof() == b""


def test_peer_that_never_answers_our_close_is_dropped_after_the_linger(
    serve: Callable[..., int], events: gevent.queue.Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wsevented, "CLOSE_LINGER_S", 0.2)

    def close_on_message(channel: WebSocketChannel, message: Any) -> None:
        channel.close(wf.NORMAL, "")

    with connect(serve(evented_echo(events, on_message=close_on_message))) as client:
        started(events)
        client.send_text("bye")
        assert client.recv_close()[0] == wf.NORMAL
        assert client.read_to_eof() == b""  # no answer from us: the server drops TCP
        assert events.get(timeout=WAIT_S).code == wf.ABNORMAL_CLOSURE


def test_failing_message_handler_closes_1011(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    def explode(channel: WebSocketChannel, message: Any) -> None:
        raise RuntimeError("bug in the listener")

    with connect(serve(evented_echo(events, on_message=explode))) as client:
        started(events)
        client.send_text("boom")
        assert client.recv_close() == (wf.INTERNAL_ERROR, "internal error")
        assert events.get(timeout=WAIT_S).code == wf.INTERNAL_ERROR


def test_frame_sent_with_the_handshake_is_not_lost(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    # Read ahead by the request parser, the frame sits in pywsgi's buffer, not the socket.
    port = serve(evented_echo(events))
    sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
                 + masked_frame(OP_TEXT, b"eager"))
    received = b""
    while b"eager" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"connection ended early: {received!r}"
        received += chunk
    assert received.startswith(b"HTTP/1.1 101 ")
    assert received.endswith(b"\x81\x05eager")
    sock.close()
    started(events)


def test_blocked_send_fails_when_the_connection_is_dropped(serve: Callable[..., int],
                                                          events: gevent.queue.Queue) -> None:
    outcome: gevent.event.AsyncResult = gevent.event.AsyncResult()

    def flood(channel: WebSocketChannel, message: Any) -> None:
        def run() -> None:
            try:
                for _ in range(10_000):  # the client reads nothing: the socket fills
                    channel.send_binary(b"x" * 65536)
                outcome.set("never blocked")
            except ChannelClosed as exc:
                outcome.set(exc.code)
        gevent.spawn(run)

    with connect(serve(evented_echo(events, read_timeout=0.5, on_message=flood))) as client:
        started(events)
        client.send_text("go")
        assert outcome.get(timeout=WAIT_S) == wf.ABNORMAL_CLOSURE
        assert events.get(timeout=WAIT_S).code == wf.ABNORMAL_CLOSURE


def test_stock_handler_connection_cannot_listen(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None
        events.put(channel.listen(lambda m: None, lambda c, r: None))
        channel.close()
        return []

    with connect(serve(app, StockWebSocketHandler)) as client:
        assert events.get(timeout=WAIT_S) is False
        assert client.recv_close()[0] == wf.NORMAL


def test_receive_after_listen_is_an_error(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None and channel.listen(lambda m: None, lambda c, r: None)
        try:
            channel.receive()
        except RuntimeError as exc:
            events.put(str(exc))
        channel.close()
        return []

    with connect(serve(app)) as client:
        assert "listener" in events.get(timeout=WAIT_S)
        assert client.recv_close()[0] == wf.NORMAL


def test_pings_answered_and_unsolicited_pongs_ignored(serve: Callable[..., int], events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.send_frame(OP_PONG, b"unsolicited")
        client.send_ping(b"p")
        assert client.recv() == (OP_PONG, b"p")
        client.send_text("still here")
        assert client.recv_text() == "still here"
        client.close()
        assert events.get(timeout=WAIT_S).code == wf.NORMAL


def test_tls_connection_keeps_a_reader_greenlet(serve_tls: Callable[..., int], events: gevent.queue.Queue) -> None:
    # An SSL socket cannot give its descriptor away: listen() says so, and receive() works.
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        channel = open_channel(environ, LIMIT)
        assert channel is not None
        events.put(channel.listen(lambda m: None, lambda c, r: None))
        try:
            while True:
                channel.send(str(channel.receive()))
        except ChannelClosed as exc:
            events.put(exc)
        return []

    port = serve_tls(app)
    context = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = gevent.ssl.CERT_NONE
    with WSClient.connect("127.0.0.1", port, "/ws", socket_module=gevent.socket, timeout=WAIT_S,
                          ssl_context=context) as client:
        assert events.get(timeout=WAIT_S) is False
        client.send_text("over TLS")
        assert client.recv_text() == "over TLS"
        client.close()
        assert events.get(timeout=WAIT_S).code == wf.NORMAL


def test_a_ping_flood_gets_the_latest_pong_not_one_each(serve: Callable[..., int],
                                                        events: gevent.queue.Queue) -> None:
    with connect(serve(evented_echo(events))) as client:
        started(events)
        client.sock.sendall(b"".join(masked_frame(OP_PING, b"%d" % i) for i in range(2000))
                            + masked_frame(OP_TEXT, b"done"))
        pongs = []
        while True:
            opcode, payload = client.recv()
            if opcode == OP_PONG:
                pongs.append(payload)
            elif (opcode, payload) == (OP_TEXT, b"done") and pongs and pongs[-1] == b"1999":
                break
        print(f"{len(pongs)} pongs for 2000 pings")
        assert len(pongs) < 2000 and pongs[-1] == b"1999"


def test_peer_close_crossing_our_refusal_still_gets_our_code(serve: Callable[..., int],
                                                           events: gevent.queue.Queue) -> None:
    # The refusal is decided in the hub and written by a greenlet; the peer's close frame,
    # read in the same batch, must not end the connection before our close frame is out.
    def refuse(channel: WebSocketChannel, message: Any) -> None:
        channel.close(wf.POLICY_VIOLATION, "not allowed")

    with connect(serve(evented_echo(events, on_message=refuse))) as client:
        started(events)
        client.sock.sendall(masked_frame(OP_TEXT, b"bad") + masked_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
        assert client.recv_close() == (wf.POLICY_VIOLATION, "not allowed")
        assert events.get(timeout=WAIT_S).code == wf.NORMAL  # the peer's close ended it cleanly
