"""A WebSocket after its handshake, with no greenlet of its own.

Owns one accepted connection once the pywsgi handler has handed over its socket
(``wshandler.WebSocketHandler.detach_websocket``): a libev read watcher parses the
client's frames in hub callbacks (``wsparser``) and hands each message to the
listener; sends come from greenlets, one at a time under a lock; the close handshake
and the read-idle timeout run on libev timers. An idle connection is a socket, a
watcher and a few small objects: no parked greenlet, no 8 KiB read buffer, no
handshake environ (see docs/benchmarks.md, memory per idle session).

Hub callbacks must never block: whatever may wait (a pong, a close frame, the
listener's end callback) is handed to a new greenlet. Knows nothing above frames.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.hub import get_hub
from gevent.lock import Semaphore

from . import wsframes as wf
from .channel import ChannelClosed, OnEnd, OnMessage
from .wsparser import Control, FrameParser

__all__ = ["CLOSE_LINGER_S", "CLOSE_SEND_WAIT_S", "DRAIN_LIMIT_BYTES", "REFUSAL_LINGER_S", "ChannelClosed",
           "EventedWebSocket"]

logger = logging.getLogger(__name__)

#: after our close frame, wait this long for the peer's; RFC 6455 §7.1.1 wants the
#: close handshake done before the server closes TCP.
CLOSE_LINGER_S = 2.0
#: when the stream is out of sync (a refused frame), swallow at most this much input
#: after our close frame (and for at most CLOSE_LINGER_S): closing a socket with unread
#: data sends an RST, which can destroy our close frame in the peer's receive buffer. A
#: browser that sent a message over the limit sends all of it before it reads our 1009.
DRAIN_LIMIT_BYTES = 64 << 20
#: after refusing a frame, how long at most input is swallowed (DRAIN_LIMIT_BYTES at most)
#: so that the peer, still sending the rest of an oversized message, reads our close.
REFUSAL_LINGER_S = 5.0
#: close() waits this long for a send stuck in another greenlet, then skips the frame.
CLOSE_SEND_WAIT_S = 1.0
#: our close codes that refuse what the peer sent: reported as they are.
_REFUSALS = frozenset({wf.PROTOCOL_ERROR, wf.INVALID_DATA, wf.MESSAGE_TOO_BIG, wf.INTERNAL_ERROR})
#: bytes asked of the kernel per readable event.
_RECV_BYTES = 65536

class EventedWebSocket:
    """One WebSocket connection read by hub callbacks.

    :param sock: the connected stream socket, already past the handshake; it becomes
        non-blocking and is closed by this object.
    :param max_bytes: the largest message accepted (close 1009 above it).
    """

    __slots__ = ("_close_sent", "_draining", "_end_reported", "_finished", "_hub", "_idle_timeout", "_last_read",
                 "_lock", "_on_end", "_on_message", "_parser", "_pong", "_ponging", "_reader", "_sock", "_timer",
                 "_writable", "closed", "desynced", "ended", "lost", "peer_close")

    def __init__(self, sock: socket.socket, max_bytes: int) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._parser: FrameParser | None = FrameParser(max_bytes)
        self._hub: Any = get_hub()
        self._lock = Semaphore()  # one sender at a time; nothing may follow our close frame
        self._reader: Any = None
        self._writable: Any = None  # write watcher, made the first time a send must wait
        self._timer: Any = None  # read-idle check, then the close linger
        self._idle_timeout: float | None = None
        self._last_read = time.monotonic()
        self._on_message: OnMessage | None = None
        self._on_end: OnEnd | None = None
        self._end_reported = False
        self._draining = -1  # >= 0: bytes still to swallow after our close frame
        self._finished = False  # the socket is closed
        self._close_sent = False  # our close frame is written
        self._pong: bytes | None = None  # payload of the latest ping not answered yet
        self._ponging = False  # a greenlet is sending pongs
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

    # ------------------------------------------------------------------ reading
    def start(self, on_message: OnMessage, on_end: OnEnd, leftover: bytes = b"") -> None:
        """Deliver every message to ``on_message`` (in the hub: it must not block) and,
        once, :meth:`outcome` to ``on_end(code, reason)`` (in a new greenlet): when the
        socket is closed (after the close handshake), or at once when we refuse input.

        :param leftover: bytes already read from the socket after the handshake.
        """
        self._on_message, self._on_end = on_message, on_end
        if self._finished:
            self._report_end()
            return
        if leftover:  # parsed first, then what the socket brings
            self._hub.loop.run_callback(self._start_reading, leftover)
        else:
            self._start_reading(b"")

    def _start_reading(self, leftover: bytes) -> None:
        if leftover:
            self._feed(leftover)
        if not self._finished:
            self._reader = self._hub.loop.io(self._sock.fileno(), 1)
            self._reader.start(self._readable)

    def _readable(self) -> None:
        if self._finished:
            return
        try:
            data = self._sock.recv(_RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._connection_lost(f"connection lost: {exc}")
            return
        if not data:
            self._connection_lost("connection lost: the peer closed TCP without a close frame")
            return
        self._last_read = time.monotonic()
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        if self._draining >= 0:
            self._draining -= len(data)
            if self._draining < 0:
                self._finish()
            return
        if self.desynced or self._parser is None:
            return
        items, error = self._parser.feed(data)
        for item in items:
            if self._finished:
                return
            if isinstance(item, Control):
                self._control(item)
            elif not self.closed:  # after our close frame, data is dropped
                self._deliver(item)
        if error is not None and not self._finished:
            self.desynced = True
            self.ended = self.ended or (error.code, error.reason)
            self.close(error.code, error.reason)

    def _deliver(self, message: str | bytes) -> None:
        assert self._on_message is not None
        try:
            self._on_message(message)
        except Exception:
            logger.exception("WebSocket message handler failed")
            self.close(wf.INTERNAL_ERROR, "internal error")

    def _control(self, frame: Control) -> None:
        if frame.opcode == wf.OP_PING:
            # Only the latest ping is answered (RFC 6455 §5.5.3), by one greenlet: a ping
            # flood from a peer that does not read costs no more than one pong.
            if not self.closed:
                self._pong = frame.payload
                if not self._ponging:
                    self._ponging = True
                    gevent.spawn_raw(self._send_pongs)
            return
        if frame.opcode != wf.OP_CLOSE:
            return  # a pong
        try:
            self.peer_close = wf.parse_close_payload(frame.payload)
        except wf.FrameRejected as exc:
            self.peer_close = (exc.code, exc.reason)
            self.ended = self.ended or self.peer_close
            self.close(exc.code, exc.reason)
            return
        if self.closed:  # the answer to our close frame, or it crossed ours on the wire
            if self._close_sent:
                self._finish()  # the handshake is done
            return  # else _send_close finishes once our frame is out
        self.ended = self.ended or self.peer_close
        code = self.peer_close[0]
        self.close(None if code == wf.NO_STATUS_RECEIVED else code, "")  # echo it (§5.5.1)

    # ------------------------------------------------------------------ writing
    def write(self, data: bytes) -> None:
        """Send ``data`` (whole frames), waiting in this greenlet while the socket is full.

        :raises ChannelClosed: if the connection is closed or the send failed.
        """
        with self._lock:
            if self.closed:  # checked under the lock: nothing may follow our close frame
                raise ChannelClosed(*(self.ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
            try:
                self._sendall(data)
            except OSError as exc:
                self._connection_lost(f"send failed: {exc}")
                raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None

    def _send_pongs(self) -> None:
        try:
            while self._pong is not None and not self.closed:
                payload, self._pong = self._pong, None
                self.write(wf.encode_frame(wf.OP_PONG, payload))
        except ChannelClosed:
            pass
        finally:
            self._ponging = False

    def _sendall(self, data: bytes) -> None:
        sock = self._sock
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent == len(data):
            return
        view = memoryview(data)[sent:]
        while view:
            self._wait_writable()
            try:
                view = view[sock.send(view):]
            except BlockingIOError:
                pass

    def _wait_writable(self) -> None:
        if self._finished:
            raise OSError("connection closed")
        if self._writable is None:
            self._writable = self._hub.loop.io(self._sock.fileno(), 2)
        timer = gevent.Timeout(self._idle_timeout)  # None: never fires
        timer.start()
        try:
            self._hub.wait(self._writable)
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
            raise OSError(f"send blocked for {self._idle_timeout} s") from None
        finally:
            timer.close()

    # ------------------------------------------------------------------ closing
    def close(self, code: int | None = wf.NORMAL, reason: str = "") -> None:
        """Send a close frame (empty payload for None), then finish the close handshake
        on a timer. Idempotent, never raises; callable from the hub."""
        if self.closed:
            return
        self.closed = True
        self.ended = self.ended or (wf.NO_STATUS_RECEIVED if code is None else code, reason)
        if self.ended[0] in _REFUSALS:
            self._report_end()  # nothing the peer answers changes the outcome
        if self.lost:
            self._finish()
            return
        payload = wf.close_payload(code, reason) if code is not None and wf.is_sendable_close_code(code) else b""
        frame = wf.encode_frame(wf.OP_CLOSE, payload)
        if gevent.getcurrent() is self._hub:
            gevent.spawn_raw(self._send_close, frame)
        else:
            self._send_close(frame)

    def _send_close(self, frame: bytes) -> None:
        if self._lock.acquire(timeout=CLOSE_SEND_WAIT_S):
            try:
                self._sendall(frame)
                self._close_sent = True
            except OSError as exc:
                self.lost = True
                logger.debug("close frame not sent: %s", exc)
            finally:
                self._lock.release()
        else:
            logger.debug("close frame not sent: another send is stuck")
        if self.lost or self.peer_close is not None or self._finished:
            self._finish()
            return
        self._start_timer(REFUSAL_LINGER_S if self.desynced else CLOSE_LINGER_S, self._finish)
        if self.desynced:
            # Half-close (the peer sees EOF right after our close frame), then swallow input.
            try:
                self._sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self._draining = DRAIN_LIMIT_BYTES

    def _connection_lost(self, detail: str) -> None:
        self.lost = True
        if not self.closed:
            self.closed = True
            self.ended = self.ended or (wf.ABNORMAL_CLOSURE, detail)
            logger.debug("WebSocket %s", detail)
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.closed = True
        self.ended = self.ended or (wf.ABNORMAL_CLOSURE, "connection closed")
        for watcher in (self._reader, self._timer):
            if watcher is not None:
                watcher.stop()
                watcher.close()
        # A greenlet waiting to send gets an error instead of waiting forever; the socket
        # closes after that, so its descriptor cannot be reused under the watcher.
        writable, self._writable = self._writable, None
        self._reader = self._timer = None
        self._parser = None
        self._on_message = None
        self._hub.cancel_waits_close_and_then([writable], OSError("connection closed"), self._close_socket)
        self._report_end()

    def _close_socket(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass

    def _report_end(self) -> None:
        if self._end_reported or self._on_end is None:
            return
        self._end_reported = True
        on_end, self._on_end = self._on_end, None  # no cycle through the listener's objects
        gevent.spawn_raw(on_end, *self.outcome())

    def outcome(self) -> tuple[int, str]:
        """How the connection ended, as a blocking reader would have seen it: our
        refusal (1002, 1007, 1009, 1011), else the peer's close frame, else 1006."""
        ended = self.ended or (wf.ABNORMAL_CLOSURE, "connection closed")
        if self.peer_close is not None and not self.desynced and ended[0] not in _REFUSALS:
            return self.peer_close
        if ended[0] in _REFUSALS or ended[0] == wf.ABNORMAL_CLOSURE:
            return ended
        return wf.ABNORMAL_CLOSURE, "closed without the peer's close frame"

    # ------------------------------------------------------------------ timeouts
    def set_read_timeout(self, seconds: float | None) -> None:
        """Drop the connection (1006) once nothing arrived for ``seconds`` (pongs count);
        also bounds a blocked send. None: no bound. The close linger keeps its own timer."""
        self._idle_timeout = seconds
        if self.closed:
            return
        if seconds is None:
            if self._timer is not None:
                self._timer.stop()
            return
        self._start_timer(seconds, self._check_idle)

    def _check_idle(self) -> None:
        timeout = self._idle_timeout
        if timeout is None or self.closed:
            return
        idle = time.monotonic() - self._last_read
        if idle >= timeout:
            self._connection_lost(f"no data for {idle:.1f} s")
        else:
            self._start_timer(timeout - idle, self._check_idle)

    def _start_timer(self, seconds: float, callback: Callable[[], None]) -> None:
        if self._finished:
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer.close()
        self._timer = self._hub.loop.timer(max(seconds, 0.0))
        self._timer.start(callback)
