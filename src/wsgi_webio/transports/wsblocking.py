"""A WebSocket after its handshake, read by the greenlet that calls ``receive``.

Owns the connections the evented reader (``wsevented``) cannot take: a TLS socket, whose
descriptor cannot be handed to a libev watcher, and a connection that another pywsgi
handler upgraded (gevent-websocket's, e.g. under its own gunicorn worker). It
reads through the handler's buffered ``rfile`` (which may hold bytes read past the
handshake) and parses with the same ``wsparser.FrameParser``, so every stack refuses the
same frames with the same close codes; sends come from any greenlet, one at a time. Its
close handshake: our close frame, then the peer's (bounded by ``CLOSE_LINGER_S``), and,
after a refused frame, input read and dropped until the peer's EOF or the bounds, so that
the peer reads our close frame instead of a reset.

Knows nothing above frames; never closes the socket (its handler does).
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from collections.abc import Callable
from typing import Any

import gevent
from gevent.lock import Semaphore

from . import wsframes as wf
from .channel import ChannelClosed
from .wsevented import CLOSE_LINGER_S, CLOSE_SEND_WAIT_S, DRAIN_LIMIT_BYTES, REFUSAL_LINGER_S
from .wsparser import Control, FrameParser

__all__ = ["BlockingWebSocket"]

logger = logging.getLogger(__name__)

#: bytes asked of the socket per read.
_READ_BYTES = 65536


class BlockingWebSocket:
    """One WebSocket connection read by one greenlet at a time.

    :param sock: the connected socket (gevent's, or gevent's SSL socket), past the handshake.
    :param read: ``read(n)`` returning at most ``n`` bytes, ``b""`` at EOF: the handler's
        ``rfile.read1``, so that bytes buffered with the handshake are read first.
    :param max_bytes: the largest message accepted (close 1009 above it).
    """

    __slots__ = ("_lock", "_parser", "_pending", "_read", "_refusal", "_sock", "closed", "desynced", "ended",
                 "lost", "peer_close")

    def __init__(self, sock: Any, read: Callable[[int], bytes], max_bytes: int) -> None:
        self._sock = sock
        self._read = read
        self._parser = FrameParser(max_bytes)
        self._pending: deque[str | bytes] = deque()  # messages parsed, not yet returned
        self._refusal: wf.FrameRejected | None = None  # met after the pending messages
        self._lock = Semaphore()  # one sender at a time; nothing may follow our close frame
        #: a close frame was sent (or is on its way) or the connection was lost.
        self.closed = False
        #: why the connection ended, first cause: (code, reason).
        self.ended: tuple[int, str] | None = None
        #: the peer's close frame, once read.
        self.peer_close: tuple[int, str] | None = None
        #: the socket is unusable: no more reads or writes.
        self.lost = False
        #: frame boundaries are unknown: parse no more input.
        self.desynced = False

    @property
    def untouched(self) -> bool:
        """Nothing was read from the socket yet (the evented reader may take over)."""
        return not (self.closed or self._pending or self._parser.buffered or self.peer_close)

    # ------------------------------------------------------------------ reading
    def receive(self) -> str | bytes:
        """The next message. Pings are answered, the peer's close frame echoed.

        :raises ChannelClosed: the peer's close (1005 without a code), 1006 (lost or read
            timeout), or our refusal (1002, 1007, 1009) once its close frame is sent.
        """
        while not self._pending:
            if self._refusal is not None:
                self._refuse(self._refusal)
            if self.peer_close is not None:
                raise ChannelClosed(*self.peer_close)
            if self.closed:
                raise ChannelClosed(*(self.ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
            self._read_some()
        return self._pending.popleft()

    def _read_some(self) -> None:
        try:
            data = self._read(_READ_BYTES)
        except (OSError, ValueError) as exc:  # socket errors, a read timeout, a closed file
            self.mark_lost(f"connection lost: {exc or type(exc).__name__}")
            raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None
        if not data:
            self.mark_lost("connection lost: the peer closed TCP without a close frame")
            raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost")
        items, error = self._parser.feed(data)
        for item in items:
            if isinstance(item, Control):
                self._control(item)
            elif not self.closed:  # after our close frame, data is dropped
                self._pending.append(item)
        if error is not None:
            self.desynced = True
            self._refusal = self._refusal or error

    def _control(self, frame: Control) -> None:
        if frame.opcode == wf.OP_PING:
            if not self.closed:
                try:
                    self.write(wf.encode_frame(wf.OP_PONG, frame.payload))
                except ChannelClosed:
                    pass  # receive() reports it
        elif frame.opcode == wf.OP_CLOSE and self.peer_close is None:
            try:
                self.peer_close = wf.parse_close_payload(frame.payload)
            except wf.FrameRejected as exc:
                self._refusal = self._refusal or exc
                return
            self.ended = self.ended or self.peer_close
            code = self.peer_close[0]
            self.close(None if code == wf.NO_STATUS_RECEIVED else code)  # echo it (§5.5.1)

    def _refuse(self, refusal: wf.FrameRejected) -> None:
        """Close with the refusal's code, let the peer read it, and report it."""
        self.ended = self.ended or (refusal.code, refusal.reason)
        self.close(refusal.code, refusal.reason)
        self._drain()
        raise ChannelClosed(refusal.code, refusal.reason)

    # ------------------------------------------------------------------ writing
    def write(self, data: bytes) -> None:
        """Send whole frames. :raises ChannelClosed: if the connection is gone."""
        with self._lock:
            if self.closed:  # checked under the lock: nothing may follow our close frame
                raise ChannelClosed(*(self.ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
            try:
                self._sock.sendall(data)
            except OSError as exc:
                self.mark_lost(f"send failed: {exc}")
                raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None

    # ------------------------------------------------------------------ closing
    def close(self, code: int | None = wf.NORMAL, reason: str = "") -> None:
        """Send a close frame (empty payload for None). Idempotent, never raises."""
        if self.closed:
            return
        self.closed = True
        self.ended = self.ended or (wf.NO_STATUS_RECEIVED if code is None else code, reason)
        if self.lost:
            return
        payload = wf.close_payload(code, reason) if code is not None and wf.is_sendable_close_code(code) else b""
        if not self._lock.acquire(timeout=CLOSE_SEND_WAIT_S):
            logger.debug("close frame not sent: another send is stuck")
            return
        try:
            self._sock.sendall(wf.encode_frame(wf.OP_CLOSE, payload))
        except OSError as exc:
            self.lost = True
            logger.debug("close frame not sent: %s", exc)
        finally:
            self._lock.release()

    def finish(self) -> None:
        """End of the connection (its handler's greenlet, after the application): our
        close frame if not sent yet, then wait a little for the peer's. Never raises."""
        self.close(wf.NORMAL, "")
        if self.peer_close is None and not self.lost and not self.desynced:
            self._await_peer_close()
        if self.desynced:
            self._drain()

    def _await_peer_close(self) -> None:
        """Read and drop messages until the peer's close frame, EOF or CLOSE_LINGER_S."""
        timer = gevent.Timeout(CLOSE_LINGER_S)
        timer.start()
        try:
            while self.peer_close is None and self._refusal is None:
                self._read_some()
        except ChannelClosed:
            pass
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
        finally:
            timer.close()
            self._pending.clear()

    def _drain(self) -> None:
        """Half-close (the peer reads EOF right after our close frame), then read and drop
        input until the peer's EOF, DRAIN_LIMIT_BYTES or REFUSAL_LINGER_S."""
        if self.lost:
            return
        self.lost = True  # nothing is parsed or written after this
        timer = gevent.Timeout(REFUSAL_LINGER_S)
        timer.start()
        try:
            self._sock.shutdown(socket.SHUT_WR)
            left = DRAIN_LIMIT_BYTES
            while left > 0 and (chunk := self._read(min(left, _READ_BYTES))):
                left -= len(chunk)
        except (OSError, ValueError) as exc:
            logger.debug("drain after close ended: %s", exc)
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
        finally:
            timer.close()

    def mark_lost(self, detail: str) -> None:
        """The connection is unusable (e.g. the 101 could not be sent): 1006 from now on."""
        self.lost = self.closed = True
        self.ended = self.ended or (wf.ABNORMAL_CLOSURE, detail)
        logger.debug("WebSocket %s", detail)

    def set_read_timeout(self, seconds: float | None) -> None:
        """Bound every wait for incoming bytes, and a blocked send. None: no bound."""
        try:
            self._sock.settimeout(seconds)
        except OSError:  # already closed
            pass
