"""What a WebSocket connection offers the session side, whatever stack carries it.

Owns the :class:`Channel` protocol, and re-exports ``errors.ChannelClosed``, the one
error any of its methods raises for a finished connection. The session-facing code
(``transports/websocket.py``, ``app.py``) types its connections as ``Channel`` and never
names a stack. Three stacks implement it:

- ``wshandler.WebSocketChannel`` over ``wsevented.EventedWebSocket`` (hub callbacks, no
  greenlet per connection) or ``wsblocking.BlockingWebSocket`` (a reader greenlet, for TLS
  sockets and connections upgraded by another pywsgi handler), both parsing frames with
  ``wsparser`` and encoding them with ``wsframes``;
- ``uwsgi.UwsgiChannel`` over uWSGI's own WebSocket API.

Declares names only: imports no gevent, no socket, no stack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..errors import ChannelClosed

__all__ = ["Channel", "ChannelClosed", "OnEnd", "OnMessage"]

#: ``on_message(message)``: text as ``str``, binary as ``bytes``; called in the hub.
OnMessage = Callable[[str | bytes], None]
#: ``on_end(code, reason)``: once, in a greenlet of its own, as ``ChannelClosed`` reports it.
OnEnd = Callable[[int, str], None]


class Channel(Protocol):
    """One accepted WebSocket connection, as the session side uses it.

    Messages are read either by one greenlet calling :meth:`receive` in a loop or, once
    :meth:`listen` returned True, by callbacks. Sends may come from any greenlet. Every
    method but :meth:`close` raises :class:`ChannelClosed` once the connection is over.
    """

    @property
    def closed(self) -> bool:
        """True once a close frame was sent (or decided) or the connection was lost."""

    def listen(self, on_message: OnMessage, on_end: OnEnd) -> bool:
        """Hand reading over to callbacks: each message to ``on_message`` (which must not
        block), the end once to ``on_end(code, reason)``.

        :returns: False if this connection cannot be read that way: then call :meth:`receive`.
        """

    def receive(self) -> str | bytes:
        """Block for the next message: text as str, binary as bytes.

        :raises ChannelClosed: the peer's close code, 1006 (lost or read timeout), or the
            code we refused its input with (1002, 1007, 1009) after sending it.
        """

    def send(self, text: str) -> None:
        """Send one text frame."""

    def send_many(self, texts: Sequence[str]) -> None:
        """Send one text frame per item, in one write where the stack can."""

    def send_binary(self, data: bytes) -> None:
        """Send one binary frame."""

    def ping(self) -> None:
        """Send an empty ping frame."""

    def set_read_timeout(self, seconds: float | None) -> None:
        """End the connection (1006) once nothing arrived for ``seconds``; also bounds a
        blocked send. None: no bound."""

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame; idempotent, silent on a dead connection.

        :raises ValueError: if *code* may not be sent (RFC 6455 §7.4), e.g. 1005 or 1006.
        """
