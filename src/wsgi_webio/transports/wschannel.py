"""The :class:`~wsgi_webio.transports.channel.Channel` of a connection served by gevent.pywsgi.

Owns :class:`WebSocketChannel`: one accepted connection, read at first by a blocking
reader (``wsblocking``) and, once :meth:`WebSocketChannel.listen` succeeds, by the evented
one (``wsevented``), which takes the socket over from the handler. Both parse with
``wsparser`` and encode with ``wsframes``. Knows nothing above frames and nothing of the
handler but the ``detach`` callable it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import wsframes as wf
from .channel import ChannelClosed, OnEnd, OnMessage
from .wsblocking import BlockingWebSocket
from .wsevented import EventedWebSocket

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["ChannelClosed", "Detach", "WebSocketChannel"]

#: ``detach() -> (evented WebSocket, bytes read past the handshake)``, or None when the
#: handler cannot give its socket away (TLS, already closed).
Detach = Callable[[], tuple[EventedWebSocket, bytes] | None]


class WebSocketChannel:
    """One accepted WebSocket connection (implements ``Channel``).

    Its methods raise :class:`ChannelClosed`, never socket errors. Messages are read
    either by one greenlet calling :meth:`receive` in a loop, or, after :meth:`listen`,
    by hub callbacks with no greenlet at all. Sends may come from any greenlet.

    :param detach: how to hand the socket over to the evented reader; None: never.
    """

    __slots__ = ("_detach", "_environ", "_ws")

    def __init__(self, ws: BlockingWebSocket, environ: WSGIEnvironment, detach: Detach | None = None) -> None:
        self._ws: BlockingWebSocket | EventedWebSocket = ws
        self._environ = environ
        self._detach = detach

    @property
    def environ(self) -> WSGIEnvironment:
        """The WSGI environ of the handshake request (empty once :meth:`listen` took over)."""
        return self._environ

    @property
    def closed(self) -> bool:
        """True once a close frame was sent or the connection was lost."""
        return self._ws.closed

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

        :returns: False if this connection cannot be handed over (a TLS socket, one
            upgraded by another handler, or one already read from): then call :meth:`receive`.
        """
        ws, detach = self._ws, self._detach
        if not isinstance(ws, BlockingWebSocket) or detach is None or not ws.untouched:
            return False
        taken = detach()
        if taken is None:
            return False
        evented, leftover = taken
        self._ws = evented
        self._environ = {}
        self._detach = None
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
        return ws.receive()

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

    def finish(self) -> None:
        """End of the handshake's request (its handler greenlet): a connection still read
        by a greenlet closes and waits a little for the peer's close frame; an evented
        one lives on by itself. Never raises."""
        ws = self._ws
        if isinstance(ws, BlockingWebSocket):
            ws.finish()
