"""gevent.pywsgi's handler for wsgi_webio: lazy WebSocket upgrades and request-head limits.

Owns the lazy upgrade (the app decides before any 101 is written; ``open_channel``
returns the connection's :class:`~wsgi_webio.transports.wschannel.WebSocketChannel`),
TCP_NODELAY, giving an accepted socket over to the evented reader (``wsevented``) when
the channel asks, and the close handshake of a connection still read by a greenlet once
the app returns. Its pywsgi handler also plugs in ``headers`` (request heads parsed
without ``email``, one write per small response), bounds the wait for a request head and
the idle time between keep-alive requests (``head_timeout``, ``keepalive_timeout``), and
reads a non-WebSocket request that says ``Connection: Upgrade`` by its Content-Length.

A connection that gevent-websocket's own handler upgraded (e.g. under its gunicorn
worker, ``geventwebsocket.gunicorn.workers``) is wrapped, not patched: its socket is read by ``wsblocking``
and the stock object is marked closed so that it writes nothing more. Imports no
gevent-websocket code. Knows nothing above frames.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import gevent
from gevent.monkey import get_original
from gevent.pywsgi import WSGIHandler
from gevent.socket import socket as _GeventSocket

from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.channel import ChannelClosed
from wsgi_webio.transports.headers import access_log_enabled, read_headers, write_head_and_body
from wsgi_webio.transports.wsblocking import BlockingWebSocket
from wsgi_webio.transports.wschannel import WebSocketChannel
from wsgi_webio.transports.wsevented import EventedWebSocket

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = ["ACCEPT_KEY", "HEAD_TIMEOUT_S", "KEEPALIVE_TIMEOUT_S", "SOCKET_KEY", "ChannelClosed",
           "WebSocketChannel", "WebSocketHandler", "is_websocket_request", "open_channel"]

logger = logging.getLogger(__name__)
#: The answer to a request head that does not parse (pywsgi's, which is private).
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

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
#: bytes of read-ahead taken from the handler's buffer when the evented reader takes over.
_LEFTOVER_BYTES = 65536


def _set_nodelay(sock: Any) -> None:
    # pywsgi writes headers and body with two sendall calls; under Nagle the second waits
    # for the client's delayed ACK, about 44 ms. Neither pywsgi nor gevent-websocket sets it.
    if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            logger.debug("cannot set TCP_NODELAY on %r: %s", sock, exc)


class _LazyUpgrade:
    """The ``accept`` callable and the wrapped ``start_response`` of one upgrade request."""

    __slots__ = ("_environ", "_handler", "_open", "channel")

    def __init__(self, handler: WebSocketHandler, environ: WSGIEnvironment) -> None:
        self._handler = handler
        self._environ = environ
        self._open = True
        self.channel: WebSocketChannel | None = None

    def accept(self, max_message_size: int) -> WebSocketChannel:
        wf.MessageGuard(max_message_size)  # TypeError/ValueError for a bad size
        if not self._open or self.channel is not None or self._handler.headers_sent:
            raise RuntimeError("accept() works once, during the application call, "
                               "before the response started")
        self.channel = self._handler._switch_protocols(self._environ, max_message_size)
        return self.channel

    def end(self, code: int | None = None, reason: str = "") -> None:
        self._open = False
        if code is not None and self.channel is not None:
            self.channel.close(code, reason)

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], object]:
        if self.channel is None:
            if not any(name.lower() == "connection" for name, _ in headers):
                headers = [*headers, ("Connection", "close")]
            return self._handler.start_response(status, headers, exc_info)
        logger.debug("start_response(%r) after the WebSocket upgrade is ignored", status)
        return self._discard

    @staticmethod
    def _discard(data: bytes) -> None:
        if data:
            logger.warning("dropped %d bytes written after the WebSocket upgrade", len(data))


class WebSocketHandler(WSGIHandler):
    """``handler_class`` for ``gevent.pywsgi.WSGIServer`` with lazy, hardened upgrades.

    Sets TCP_NODELAY on every connection. A valid upgrade request reaches the app with
    ``environ[ACCEPT_KEY]``, and no 101 is written unless the app calls it; a malformed
    one gets 400 or 426 without calling the app. Other requests are plain pywsgi.
    """

    # Request heads parsed without the email package; a head and small body in one write.
    MessageClass = staticmethod(read_headers)  # type: ignore[assignment]  # duck-types pywsgi's OldMessage
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

    def __init__(self, sock: Any, address: Any, server: Any) -> None:
        super().__init__(sock, address, server)
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

    def _handle_client_error(self, ex: BaseException) -> Any:
        """A request head that failed to parse: the client's doing, never a traceback.
        pywsgi prints one for anything but a ValueError (an ``HTTP/1`` version without
        its minor number raises IndexError inside it), and answers a peer that reset the
        connection mid-head, which then fails again with a broken pipe."""
        self.close_connection = True
        if isinstance(ex, ConnectionError):  # the peer went away (reset, broken pipe)
            logger.debug("connection from %s lost in its request head: %s", self.client_address, ex)
            return None
        logger.debug("malformed request head from %s: %s", self.client_address, type(ex).__name__)
        return ("400", _BAD_REQUEST)

    def _connection_upgrade_requested(self) -> bool:
        # pywsgi gives any request with "Connection: upgrade" the raw socket as wsgi.input,
        # which reads past Content-Length until the peer closes: a POST with that header
        # hung. Only a real WebSocket handshake (a GET with no body) is left that way.
        if self.command != "GET":
            return False
        return "websocket" in wf.header_tokens(self.headers.get("Upgrade", "") or "")

    def run_application(self) -> None:
        environ, application = self.environ, self.application
        assert environ is not None and application is not None  # set before pywsgi calls this
        if not is_websocket_request(environ):
            WSGIHandler.run_application(self)
            return
        self.close_connection = True  # never reuse a connection that asked to upgrade
        rejection = wf.check_upgrade_request(environ)
        if rejection is None:
            self._run_lazy_upgrade(environ, application)
            return
        body = (rejection.message + "\n").encode("utf-8")
        self.start_response(f"{rejection.status.value} {rejection.status.phrase}", [
            *rejection.headers, ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))), ("Connection", "close")])
        self.write(body)

    def _run_lazy_upgrade(self, environ: WSGIEnvironment, application: WSGIApplication) -> None:
        upgrade = _LazyUpgrade(self, environ)
        environ[ACCEPT_KEY] = upgrade.accept
        environ[SOCKET_KEY] = self.socket
        result: Iterable[bytes] | None = None
        try:
            result = application(environ, upgrade.start_response)
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
            environ.pop(ACCEPT_KEY, None)  # breaks environ -> accept -> channel cycle
            try:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # after an upgrade the iterable is closed, never iterated
            finally:
                self.result = None
                if upgrade.channel is not None:  # an evented one lives on by itself
                    upgrade.channel.finish()

    def _switch_protocols(self, environ: WSGIEnvironment, max_message_size: int) -> WebSocketChannel:
        ws = BlockingWebSocket(self.socket, self.rfile.read1, max_message_size)
        response = wf.switching_protocols(environ["HTTP_SEC_WEBSOCKET_KEY"].strip())
        self._orig_status = "101 Switching Protocols"
        self.status = self._orig_status.encode("latin-1")  # type: ignore[assignment]  # pywsgi keeps bytes
        self.code = 101
        self.headers_sent = self.connection_upgraded = self.close_connection = True
        self.response_use_chunked = False
        try:
            self.socket.sendall(response)
        except OSError as exc:  # reported by the first receive() as ChannelClosed(1006)
            ws.mark_lost(f"101 not sent: {exc}")
        return WebSocketChannel(ws, environ, functools.partial(self._detach_socket, max_message_size))

    def _detach_socket(self, max_message_size: int) -> tuple[EventedWebSocket, bytes] | None:
        """Take this connection's socket away from pywsgi for :meth:`WebSocketChannel.listen`:
        returns the evented WebSocket and the bytes already buffered after the handshake,
        or None if the socket cannot be handed over (TLS, already closed). Once the
        application returns, this handler and its greenlet end without closing it."""
        sock = self.socket
        if type(sock) is not _GeventSocket:
            return None
        try:
            sock.settimeout(0.0)
            leftover = self.rfile.read1(_LEFTOVER_BYTES)  # what the request parser read ahead, if any
            fd = sock.detach()
        except OSError as exc:
            logger.debug("cannot hand the WebSocket over: %s", exc)
            return None
        return EventedWebSocket(_StdSocket(fileno=fd), max_message_size), leftover or b""

    def _send_error_response_if_possible(self, error_code: int) -> None:
        if self.connection_upgraded:  # never write an HTTP 500 into a WebSocket stream
            self.close_connection = True
            return
        super()._send_error_response_if_possible(error_code)  # type: ignore[misc]  # private, not in the stub


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
    gevent-websocket's own handler (e.g. its own gunicorn worker) is read by
    a :class:`~wsgi_webio.transports.wsblocking.BlockingWebSocket` with the same limit
    and checks, and its stock WebSocket object is marked closed.

    :returns: the channel, or ``None`` if the server cannot upgrade this request.
    :raises ValueError: for a size below 1 (``TypeError`` for a non-int).
    :raises RuntimeError: if called twice, after the app returned, or after the response
        started.
    """
    accept = environ.get(ACCEPT_KEY)
    if accept is not None:
        channel: WebSocketChannel = accept(max_message_size)
        return channel
    stock = environ.get("wsgi.websocket")
    if stock is None:
        return None
    wf.MessageGuard(max_message_size)  # TypeError/ValueError for a bad size
    handler = getattr(stock, "handler", None)
    sock, rfile = getattr(handler, "socket", None), getattr(handler, "rfile", None)
    if not type(stock).__module__.startswith("geventwebsocket.") or sock is None or rfile is None:
        logger.warning("cannot read a %s; refusing the WebSocket", type(stock).__name__)
        return None
    if stock.closed:
        raise RuntimeError("this WebSocket is closed, or open_channel() was called for it already")
    stock.closed = True  # the stock object writes nothing more (its close() and finalizer check it)
    _set_nodelay(sock)
    return WebSocketChannel(BlockingWebSocket(sock, rfile.read1, max_message_size), environ)
