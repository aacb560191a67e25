"""The hardened WebSocket layer on gevent.pywsgi + gevent-websocket 0.10.1.

Owns the lazy upgrade (the app decides before any 101 is written), TCP_NODELAY, message
size limits, fast unmasking, real close codes, handing an accepted connection over to
hub callbacks (``detach_websocket``, for ``WebSocketChannel.listen``; the evented side is
``wsevented``), and :class:`WebSocketChannel`, the only WebSocket API the rest of the
library uses. Its pywsgi handler also plugs in ``headers`` (request heads parsed without
``email``, one write per small response), bounds the wait for a request head and the
idle time between keep-alive requests (``head_timeout``, ``keepalive_timeout``), and
reads a non-WebSocket request that says ``Connection: Upgrade`` by its Content-Length.
The ONLY module importing geventwebsocket; its errors never leave here (they become
:class:`ChannelClosed`). Knows nothing above frames.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import gevent
from gevent.lock import Semaphore
from gevent.monkey import get_original
from gevent.pywsgi import WSGIHandler
from gevent.socket import socket as _GeventSocket
from geventwebsocket.exceptions import ProtocolError as _WireError
from geventwebsocket.exceptions import WebSocketError as _StreamError
from geventwebsocket.handler import WebSocketHandler as _StockHandler
from geventwebsocket.websocket import Header, Stream, WebSocket

from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.headers import access_log_enabled, read_headers, write_head_and_body
from wsgi_webio.transports.wsevented import (
    CLOSE_LINGER_S,
    CLOSE_SEND_WAIT_S,
    DRAIN_LIMIT_BYTES,
    ChannelClosed,
    EventedWebSocket,
    OnEnd,
    OnMessage,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["ACCEPT_KEY", "SOCKET_KEY", "ChannelClosed", "HardenedWebSocket", "WebSocketChannel",
           "WebSocketHandler", "is_websocket_request", "open_channel"]

logger = logging.getLogger(__name__)

#: The standard library's socket class, even when gevent has patched the socket module:
#: an evented WebSocket does its own waiting on libev watchers.
_StdSocket = get_original("socket", "socket")

#: environ key of ``accept(max_message_size) -> WebSocketChannel`` on valid upgrade requests.
ACCEPT_KEY = "wsgi_webio.websocket.accept"
#: environ key of the accepted socket, on upgrade requests only (diagnostics and tests).
SOCKET_KEY = "wsgi_webio.socket"
#: Default of ``WebSocketHandler.head_timeout``: browsers send a head in one packet; this
#: leaves slow mobile links room and still frees a slowloris connection within a minute.
HEAD_TIMEOUT_S = 30.0
#: Default of ``WebSocketHandler.keepalive_timeout`` (nginx's ``keepalive_timeout`` too).
KEEPALIVE_TIMEOUT_S = 75.0
#: handler attribute holding the ``_ConnState``: WebSocket has slots only, the handler a dict.
_STATE_ATTR = "wsgi_webio_ws_state"
class _ConnState:
    """Per-connection state, kept on the pywsgi handler (see ``_STATE_ATTR``)."""

    __slots__ = ("desynced", "ended", "guard", "lost", "peer_close", "write_lock")

    def __init__(self, max_message_size: int) -> None:
        self.guard = wf.MessageGuard(max_message_size)  # validates the size
        self.ended: tuple[int, str] | None = None  # why the connection ended, first cause
        self.peer_close: tuple[int, str] | None = None  # the peer's close frame, once read
        self.lost = False  # the socket is unusable: no more reads or writes
        self.desynced = False  # frame boundaries unknown: parse no more input
        self.write_lock = Semaphore()  # pongs (reader greenlet) vs. sends (other greenlets)


def _set_nodelay(sock: Any) -> None:
    # pywsgi writes headers and body with two sendall calls; under Nagle the second waits
    # for the client's delayed ACK, about 44 ms. Neither pywsgi nor gevent-websocket sets it.
    if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            logger.debug("cannot set TCP_NODELAY on %r: %s", sock, exc)


class HardenedWebSocket(WebSocket):  # type: ignore[misc]
    """gevent-websocket's WebSocket with size limits, fast unmasking and real close frames.

    Slot-compatible with the stock class: a stock instance is switched in place with
    ``ws.__class__ = HardenedWebSocket`` once a ``_ConnState`` is on its handler.
    Unlike the stock class, ``receive()`` raises :class:`ChannelClosed`, never returns None.
    """

    __slots__ = ()
    # Slots of the stock class, declared for type checkers (annotations create no attribute).
    closed: bool
    handler: Any

    def __del__(self) -> None:
        """No-op: the stock one does socket I/O in a finalizer; the handler closes instead."""

    @property
    def _st(self) -> _ConnState:
        state: _ConnState = getattr(self.handler, _STATE_ATTR)
        return state

    def read_frame(self) -> tuple[Any, bytes]:
        """Read one frame; its header is checked before any of its payload is read."""
        header = Header.decode_header(self.stream)
        self._st.guard.check_header(header.opcode, header.fin, header.length, header.flags,
                                    bool(header.mask))
        payload = self.raw_read(header.length) if header.length else b""
        if len(payload) != header.length:
            raise _StreamError("unexpected EOF in a frame payload")
        return header, wf.unmask(header.mask, payload)

    def validate_utf8(self, payload: bytes) -> None:
        """No-op: instead of a per-byte Python validator, one C decode per message."""

    def _decode_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")  # UnicodeDecodeError: receive() closes with 1007

    def handle_close(self, header: Any, payload: bytes) -> None:
        st = self._st
        st.peer_close = (wf.PROTOCOL_ERROR, "invalid close frame")  # replaced once parsed
        st.peer_close = wf.parse_close_payload(payload)
        st.ended = st.ended or st.peer_close
        self.close(st.peer_close[0])  # echo the code (§5.5.1); 1005 echoes an empty payload

    def handle_ping(self, header: Any, payload: bytes) -> None:
        if not self.closed:
            self._write(wf.encode_frame(wf.OP_PONG, payload))

    def receive(self) -> str | bytearray:
        """The next message. :raises ChannelClosed: (close frame sent where possible)."""
        st = self._st
        if self.closed:
            raise ChannelClosed(*(st.ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
        try:
            message = self.read_message()
        except wf.FrameRejected as exc:
            self._fail(exc.code, exc.reason)
        except UnicodeError:
            self._fail(wf.INVALID_DATA, "invalid UTF-8 in a text message")
        except _WireError as exc:  # stock header checks: fragmented or oversized control frame
            self._fail(wf.PROTOCOL_ERROR, str(exc) or "protocol error")
        except OSError as exc:  # socket errors and geventwebsocket's EOF errors
            self._mark_lost(f"connection lost: {exc}")
            raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None
        if message is None:  # read_message returns None after the peer's close frame
            raise ChannelClosed(*(st.peer_close or (wf.NO_STATUS_RECEIVED, "")))
        return message  # type: ignore[no-any-return]

    def send_frame(self, message: str | bytes, opcode: int) -> None:
        """Stock API (used by ``send``). :raises ChannelClosed: if the connection is gone."""
        data = message.encode("utf-8") if isinstance(message, str) else bytes(message)
        self._write(wf.encode_frame(opcode, data))

    def close(self, code: int | None = wf.NORMAL, message: str | bytes | None = "") -> None:
        """Send a close frame (empty payload for None/1005/1006). Idempotent, never raises."""
        if self.closed:
            return
        self.closed = True  # type: ignore[misc]  # mypy misses the slot of the untyped base
        st = self._st
        raw = message or ""
        reason = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
        st.ended = st.ended or (wf.NO_STATUS_RECEIVED if code is None else code, reason)
        if st.lost:
            return
        payload = b""
        if code is not None and wf.is_sendable_close_code(code):
            payload = wf.close_payload(code, reason)
        frame = wf.encode_frame(wf.OP_CLOSE, payload)
        if not st.write_lock.acquire(timeout=CLOSE_SEND_WAIT_S):
            logger.debug("close frame not sent: another send is stuck")
            return
        try:
            self.raw_write(frame)
        except OSError as exc:
            st.lost = True
            logger.debug("close frame not sent: %s", exc)
        finally:
            st.write_lock.release()

    def set_read_timeout(self, seconds: float | None) -> None:
        """Bound every wait for incoming bytes, and a blocked send. None: no bound."""
        sock = getattr(self.handler, "socket", None)
        if sock is not None:
            try:
                sock.settimeout(seconds)
            except OSError:  # already closed
                pass

    def write(self, data: bytes) -> None:
        """Send whole frames. :raises ChannelClosed: if the connection is gone."""
        self._write(data)

    def _write(self, data: bytes) -> None:
        st = self._st
        with st.write_lock:
            if self.closed:  # checked under the lock: nothing may follow our close frame
                raise ChannelClosed(*(st.ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
            try:
                self.raw_write(data)
            except OSError as exc:
                self._mark_lost(f"send failed: {exc}")
                raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None

    def _fail(self, code: int, reason: str) -> NoReturn:
        self._st.desynced = True
        self.close(code, reason)
        raise ChannelClosed(code, reason)

    def _mark_lost(self, detail: str) -> None:
        st = self._st
        st.lost = self.closed = True  # type: ignore[misc]  # a slot of the untyped base
        st.ended = st.ended or (wf.ABNORMAL_CLOSURE, detail)
        logger.debug("WebSocket %s", detail)

    def _await_peer_close(self) -> None:
        """Read and drop frames until the peer's close frame; the caller bounds the time."""
        st = self._st
        while st.peer_close is None:
            try:
                header, _payload = self.read_frame()
            except (OSError, wf.FrameRejected):
                return
            if header.opcode == wf.OP_CLOSE:
                st.peer_close = (wf.NO_STATUS_RECEIVED, "")


class WebSocketChannel:
    """One accepted WebSocket connection.

    Its methods raise :class:`ChannelClosed`, never socket or geventwebsocket errors.
    Messages are read either by one greenlet calling :meth:`receive` in a loop, or,
    after :meth:`listen`, by hub callbacks with no greenlet at all. Sends may come from
    any greenlet.
    """

    __slots__ = ("_environ", "_ws")

    def __init__(self, ws: HardenedWebSocket, environ: WSGIEnvironment) -> None:
        self._ws: HardenedWebSocket | EventedWebSocket = ws
        self._environ = environ

    @property
    def environ(self) -> WSGIEnvironment:
        """The WSGI environ of the handshake request (empty once :meth:`listen` took over)."""
        return self._environ

    @property
    def closed(self) -> bool:
        """True once a close frame was sent or the connection was lost."""
        return bool(self._ws.closed)

    @property
    def evented(self) -> bool:
        """Whether :meth:`listen` took over reading."""
        return isinstance(self._ws, EventedWebSocket)

    def listen(self, on_message: OnMessage, on_end: OnEnd) -> bool:
        """Read messages without a greenlet: each one goes to ``on_message`` in a hub
        callback (it must not block: hand blocking work to a greenlet), and the end of
        the connection, once, to ``on_end(code, reason)`` in a new greenlet. The
        handshake's handler greenlet, read buffer and environ are released when the
        application returns.

        :returns: False if this connection cannot be handed over (a TLS socket, a
            stock gevent-websocket handler): then read with :meth:`receive`.
        """
        ws = self._ws
        detach = getattr(getattr(ws, "handler", None), "detach_websocket", None)
        if not isinstance(ws, HardenedWebSocket) or detach is None:
            return False
        taken = detach(ws)
        if taken is None:
            return False
        evented, leftover = taken
        self._ws = evented
        self._environ = {}
        evented.start(on_message, on_end, leftover)
        return True

    def receive(self) -> str | bytes:
        """Block for the next message: text as str, binary as bytes. Pings are answered.

        :raises ChannelClosed: with the peer's close code, or 1006 (lost), 1009 (too
            big), 1007 (invalid UTF-8), 1002 (protocol error) after sending that code.
        :raises RuntimeError: after :meth:`listen`.
        """
        ws = self._ws
        if isinstance(ws, EventedWebSocket):
            raise RuntimeError("messages of this WebSocket go to its listener")
        message = ws.receive()
        return message if isinstance(message, str) else bytes(message)

    def send(self, text: str) -> None:
        """Send one text frame. :raises ChannelClosed: if the connection is gone."""
        self._ws.write(wf.encode_frame(wf.OP_TEXT, text.encode("utf-8")))

    def send_many(self, texts: Sequence[str]) -> None:
        """Send one text frame per item with a single write. :raises ChannelClosed:"""
        if texts:
            self._ws.write(b"".join(wf.encode_frame(wf.OP_TEXT, t.encode("utf-8")) for t in texts))

    def send_binary(self, data: bytes) -> None:
        """Send one binary frame. :raises ChannelClosed: if the connection is gone."""
        self._ws.write(wf.encode_frame(wf.OP_BINARY, bytes(data)))

    def ping(self) -> None:
        """Send an empty ping frame. :raises ChannelClosed: if the connection is gone."""
        self._ws.write(wf.encode_frame(wf.OP_PING, b""))

    def set_read_timeout(self, seconds: float | None) -> None:
        """Bound every wait for incoming bytes (pongs count): past it, the connection
        ends with 1006. Also bounds a blocked send. None: no bound."""
        self._ws.set_read_timeout(seconds)

    def close(self, code: int = wf.NORMAL, reason: str = "") -> None:
        """Send a close frame; idempotent, silent on a dead socket.

        :raises ValueError: if *code* may not be sent (RFC 6455 §7.4), e.g. 1005 or 1006.
        """
        if not wf.is_sendable_close_code(code):
            raise ValueError(f"close code {code!r} may not be sent (RFC 6455 §7.4)")
        self._ws.close(code, reason)


class _LazyUpgrade:
    """The ``accept`` callable and the wrapped ``start_response`` of one upgrade request."""

    __slots__ = ("_handler", "_open", "channel")

    def __init__(self, handler: WebSocketHandler) -> None:
        self._handler = handler
        self._open = True
        self.channel: WebSocketChannel | None = None

    def accept(self, max_message_size: int) -> WebSocketChannel:
        state = _ConnState(max_message_size)  # TypeError/ValueError for a bad size
        if not self._open or self.channel is not None or self._handler.headers_sent:
            raise RuntimeError("accept() works once, during the application call, "
                               "before the response started")
        self.channel = self._handler._switch_protocols(state)
        return self.channel

    def end(self, code: int | None = None, reason: str = "") -> None:
        self._open = False
        if code is not None and self.channel is not None:
            self.channel._ws.close(code, reason)

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], object]:
        if self.channel is None:
            if not any(name.lower() == "connection" for name, _ in headers):
                headers = [*headers, ("Connection", "close")]
            return self._handler.start_response(status, headers, exc_info)  # type: ignore[no-any-return]
        logger.debug("start_response(%r) after the WebSocket upgrade is ignored", status)
        return self._discard

    @staticmethod
    def _discard(data: bytes) -> None:
        if data:
            logger.warning("dropped %d bytes written after the WebSocket upgrade", len(data))


class WebSocketHandler(_StockHandler):  # type: ignore[misc]
    """``handler_class`` for ``gevent.pywsgi.WSGIServer`` with lazy, hardened upgrades.

    Sets TCP_NODELAY on every connection. A valid upgrade request reaches the app with
    ``environ[ACCEPT_KEY]``, and no 101 is written unless the app calls it; a malformed
    one gets 400 or 426 without calling the app. Other requests are plain pywsgi.
    """

    # gevent-websocket's versions serve its eager upgrade; ours bypasses it.
    start_response = WSGIHandler.start_response
    # Request heads parsed without the email package; a head and small body in one write.
    MessageClass = staticmethod(read_headers)
    _write_with_headers = write_head_and_body

    def log_request(self) -> None:
        if access_log_enabled(self.server):  # with log=None pywsgi would format a line to drop it
            WSGIHandler.log_request(self)

    #: Seconds a connection may take to send a complete request head, from its first
    #: wait for a request (slowloris bound). None: no bound. A server attribute of the
    #: same name, when set, wins (see docs/configuration.md).
    head_timeout: float | None = HEAD_TIMEOUT_S
    #: Seconds a keep-alive connection may stay idle between two requests. None: no bound.
    keepalive_timeout: float | None = KEEPALIVE_TIMEOUT_S

    def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
        super().__init__(sock, address, server, rfile)
        _set_nodelay(sock)
        self._requests_read = 0
        self._head_timer: gevent.Timeout | None = None

    def _setting(self, name: str) -> float | None:
        value: float | None = getattr(self.server, name, getattr(self, name))
        return value

    def handle_one_request(self) -> Any:
        """pywsgi's, with the head and keep-alive idle bounds: a connection past either
        is closed without an answer (nothing of a response could be useful to it)."""
        if self._requests_read:
            idle = self._setting("keepalive_timeout")
            if not _wait_for_input(self.rfile, idle):
                logger.debug("closing a keep-alive connection idle for %s s", idle)
                return None
        timer = gevent.Timeout(self._setting("head_timeout"))
        self._head_timer = timer
        timer.start()
        try:
            return super().handle_one_request()
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
            logger.debug("closing a connection that sent no complete request head in %s s", timer.seconds)
            self.close_connection = True
            return None
        finally:
            timer.close()
            self._head_timer = None

    def read_request(self, raw_requestline: str) -> Any:
        """pywsgi's; the head is complete once it returns, so its bound stops there."""
        try:
            return super().read_request(raw_requestline)
        finally:
            if self._head_timer is not None:
                self._head_timer.close()
            self._requests_read += 1

    def _connection_upgrade_requested(self) -> bool:
        # pywsgi gives any request with "Connection: upgrade" the raw socket as wsgi.input,
        # which reads past Content-Length until the peer closes: a POST with that header
        # hung. Only a real WebSocket handshake (a GET with no body) is left that way.
        if self.command != "GET":
            return False
        return "websocket" in wf.header_tokens(self.headers.get("Upgrade", "") or "")

    @property
    def logger(self) -> logging.Logger:
        return logger  # the stock property rewrites the class and handlers of a global logger

    def run_application(self) -> None:
        if not is_websocket_request(self.environ):
            WSGIHandler.run_application(self)
            return
        self.close_connection = True  # never reuse a connection that asked to upgrade
        rejection = wf.check_upgrade_request(self.environ)
        if rejection is None:
            self._run_lazy_upgrade()
            return
        body = (rejection.message + "\n").encode("utf-8")
        self.start_response(f"{rejection.status.value} {rejection.status.phrase}", [
            *rejection.headers, ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))), ("Connection", "close")])
        self.write(body)

    def _run_lazy_upgrade(self) -> None:
        upgrade = _LazyUpgrade(self)
        self.environ[ACCEPT_KEY] = upgrade.accept
        self.environ[SOCKET_KEY] = self.socket
        result = None
        try:
            result = self.application(self.environ, upgrade.start_response)
            upgrade.end()
            if upgrade.channel is None:  # a plain HTTP answer, e.g. 403 for a bad Origin
                self.result = result
                self.process_result()
        except ChannelClosed as exc:
            if upgrade.channel is None:
                raise
            logger.debug("application ended by %s", exc)  # the peer left: a normal end
        except Exception:
            upgrade.end(wf.INTERNAL_ERROR, "internal error")
            raise  # pywsgi logs it; _send_error_response_if_possible writes nothing
        except BaseException:  # GreenletExit, gevent.Timeout, KeyboardInterrupt
            upgrade.end(wf.GOING_AWAY)
            raise
        finally:
            upgrade.end()
            self.environ.pop(ACCEPT_KEY, None)  # breaks environ -> accept -> channel cycle
            try:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # after an upgrade the iterable is closed, never iterated
            finally:
                self.result = None
                ws = upgrade.channel._ws if upgrade.channel is not None else None
                if isinstance(ws, HardenedWebSocket):  # an evented one finishes by itself
                    self._finish_websocket(ws)

    def _switch_protocols(self, state: _ConnState) -> WebSocketChannel:
        setattr(self, _STATE_ATTR, state)
        ws = HardenedWebSocket(self.environ, Stream(self), self)
        response = wf.switching_protocols(self.environ["HTTP_SEC_WEBSOCKET_KEY"].strip())
        self._orig_status = "101 Switching Protocols"
        self.status = self._orig_status.encode("latin-1")
        self.code = 101
        self.headers_sent = self.connection_upgraded = self.close_connection = True
        self.response_use_chunked = False
        try:
            self.socket.sendall(response)
        except OSError as exc:  # reported by the first receive() as ChannelClosed(1006)
            ws._mark_lost(f"101 not sent: {exc}")
        return WebSocketChannel(ws, self.environ)

    def detach_websocket(self, ws: HardenedWebSocket) -> tuple[EventedWebSocket, bytes] | None:
        """Take this connection's socket away from pywsgi for :meth:`WebSocketChannel.listen`:
        returns the evented WebSocket and the bytes already buffered after the handshake,
        or None if the socket cannot be handed over (TLS, already closed). Once the
        application returns, this handler and its greenlet end without closing it."""
        sock = self.socket
        if type(sock) is not _GeventSocket or ws.closed or ws.handler is not self:
            return None
        try:
            sock.settimeout(0.0)
            leftover = self.rfile.read1(65536)  # what the request parser read ahead, if any
            fd = sock.detach()
        except OSError as exc:
            logger.debug("cannot hand the WebSocket over: %s", exc)
            return None
        evented = EventedWebSocket(_StdSocket(fileno=fd), ws._st.guard.max_bytes)
        ws.closed = True  # type: ignore[misc]  # the stock object is done; the new one owns the socket
        return evented, leftover

    def _finish_websocket(self, ws: HardenedWebSocket) -> None:
        st = ws._st
        ws.close(wf.NORMAL, "")
        if st.peer_close is not None or st.lost:
            return
        with gevent.Timeout(CLOSE_LINGER_S, False):
            if not st.desynced:
                ws._await_peer_close()
            if st.peer_close is None:
                self._drain_input()

    def _drain_input(self) -> None:
        # Half-close (the peer sees EOF right after our close frame), then swallow input.
        try:
            self.socket.shutdown(socket.SHUT_WR)
            left = DRAIN_LIMIT_BYTES
            while left > 0 and (chunk := self.rfile.read1(min(left, 65536))):
                left -= len(chunk)
        except (OSError, ValueError) as exc:
            logger.debug("drain after close ended: %s", exc)

    def _send_error_response_if_possible(self, error_code: int) -> None:
        if self.connection_upgraded:  # never write an HTTP 500 into a WebSocket stream
            self.close_connection = True
            return
        super()._send_error_response_if_possible(error_code)


def _wait_for_input(rfile: Any, seconds: float | None) -> bool:
    """Wait at most ``seconds`` for ``rfile`` to have a byte (or EOF) ready; False on timeout."""
    if seconds is None:
        return True
    timer = gevent.Timeout(seconds)
    timer.start()
    try:
        rfile.peek(1)
    except gevent.Timeout as exc:
        if exc is not timer:
            raise
        return False
    except (OSError, ValueError):
        pass  # the request loop sees the dead or closed connection by itself
    finally:
        timer.close()
    return True


def is_websocket_request(environ: WSGIEnvironment) -> bool:
    """Whether the request is a GET asking for ``Upgrade: websocket``."""
    upgrade = wf.header_tokens(environ.get("HTTP_UPGRADE", ""))
    return environ.get("REQUEST_METHOD") == "GET" and "websocket" in upgrade


def open_channel(environ: WSGIEnvironment, max_message_size: int) -> WebSocketChannel | None:
    """Accept this request's WebSocket, limiting each message to *max_message_size* bytes.

    With :class:`WebSocketHandler` this writes the 101. A socket already upgraded by
    gevent-websocket's own handler (e.g. gunicorn's ``GeventWebSocketWorker``) is
    switched to :class:`HardenedWebSocket` in place and gets the same limit.

    :returns: the channel, or ``None`` if the server cannot upgrade this request.
    :raises ValueError: for a size below 1 (``TypeError`` for a non-int).
    :raises RuntimeError: if called twice, after the app returned, or after the response
        started.
    """
    accept = environ.get(ACCEPT_KEY)
    if accept is not None:
        channel: WebSocketChannel = accept(max_message_size)
        return channel
    ws = environ.get("wsgi.websocket")
    if not isinstance(ws, WebSocket):
        return None
    state = _ConnState(max_message_size)
    if isinstance(ws, HardenedWebSocket):
        ws._st.guard.max_bytes = state.guard.max_bytes
    elif type(ws) is WebSocket:
        setattr(ws.handler, _STATE_ATTR, state)  # first: the hardened methods read it
        ws.__class__ = HardenedWebSocket
        _set_nodelay(getattr(ws.handler, "socket", None))
    else:
        logger.warning("cannot harden a %s; refusing the WebSocket", type(ws).__name__)
        return None
    return WebSocketChannel(ws, environ)
