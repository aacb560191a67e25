"""WebSocket under uWSGI: a :class:`~wsgi_webio.transports.channel.Channel` over uWSGI's
own websocket API.

Owns :func:`open_uwsgi_channel` (checks the upgrade request, then
``uwsgi.websocket_handshake()``) and :class:`UwsgiChannel`. uWSGI's websocket calls act on
"the current request", which uWSGI's gevent loop ties to the request's own greenlet: called
from any other greenlet they would act on some other request. So only the request greenlet
(the one that called :func:`open_uwsgi_channel`, which then runs the reader loop in
``receive``) ever calls the ``uwsgi`` module; other greenlets hand their frames to it and
wait until it has written them. Never imports ``uwsgi`` itself: the app passes the module
in, which keeps this testable without uWSGI, and imports nothing of the pywsgi stack
(``wshandler``, ``wsevented``, gevent-websocket): uWSGI parses the client's frames itself;
the frames written here come from ``wsframes``. Knows nothing above frames.

Limits of uWSGI's API, and what this does about them:

- it does not say whether a message was text or binary. Our clients send JSON in text
  frames, and uploads in binary frames that start with an 8-byte big-endian length, so
  with a zero first byte; JSON never starts with one. A message starting with ``\\x00`` is
  therefore binary, anything else text (UTF-8, else close 1007).
- it has no call to send a ping or a close frame with a status code: those two are written
  to the connection's file descriptor directly, between API calls of the same greenlet
  (so nothing interleaves), except on a socket where the worker itself speaks TLS
  (``--https-socket``/``--ssl-socket``), where the connection just ends instead.
- it enforces its own ``--websockets-max-size`` (KiB, default 1024) by dropping the
  connection; ours (``max_message_size``) closes with 1009. Keep uWSGI's at least as large.
- it answers pings, and pings by itself every ``--websockets-ping-freq`` seconds while we
  read; a peer that misses a pong for ``--websockets-pong-tolerance`` is dropped (1006).
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event
import gevent.socket

from ..errors import UpgradeRefused
from . import wsframes as wf
from .channel import ChannelClosed, OnEnd, OnMessage

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["UpgradeRefused", "UwsgiChannel", "open_uwsgi_channel"]

logger = logging.getLogger(__name__)

#: After our close frame, how long ``finish`` keeps reading for the peer's close.
CLOSE_LINGER_S = 2.0
#: uWSGI's marker of a fragment of an unfinished message (see module docstring).
_FRAGMENT_MARKER = b"\x00"
#: uWSGI options under which the worker's own socket speaks TLS: no raw frames there.
_TLS_SOCKET_OPTIONS = ("https-socket", "ssl-socket", "https-socket-modifier1")



def _raw_frames_allowed(api: Any) -> bool:
    options = getattr(api, "opt", None) or {}
    return not any(name in options or name.encode() in options for name in _TLS_SOCKET_OPTIONS)


def open_uwsgi_channel(environ: WSGIEnvironment, max_message_size: int, api: Any) -> UwsgiChannel:
    """Accept this request's WebSocket through uWSGI (writes the 101).

    Call it from the request's greenlet, after deciding the Origin: no 101 is written
    before. ``api`` is the ``uwsgi`` module.

    :raises UpgradeRefused: for a malformed upgrade request or a failed handshake.
    :raises ValueError: for a size below 1 (``TypeError`` for a non-int).
    """
    wf.MessageGuard(max_message_size)  # validates the size
    rejection = wf.check_upgrade_request(environ)
    if rejection is not None:
        raise UpgradeRefused(rejection.status, rejection.message)
    try:
        api.websocket_handshake()
    except OSError as exc:
        raise UpgradeRefused(400, f"WebSocket handshake failed: {exc}") from None
    return UwsgiChannel(api, environ, max_message_size, api.connection_fd(), _raw_frames_allowed(api))


class _Outgoing:
    """Frames another greenlet asked the request greenlet to write."""

    __slots__ = ("done", "error", "frames")

    def __init__(self, frames: list[tuple[int, bytes]]) -> None:
        self.frames = frames
        self.done = gevent.event.Event()
        self.error: ChannelClosed | None = None


class UwsgiChannel:
    """One accepted WebSocket under uWSGI (implements ``Channel``).

    ``receive`` (and ``finish``) must run in the request greenlet; the other methods may
    be called from any greenlet and are carried out by it.
    """

    def __init__(self, api: Any, environ: WSGIEnvironment, max_message_size: int, fd: int,
                 raw_frames: bool = True) -> None:
        self._api = api
        self._environ = environ
        self._max = max_message_size
        self._fd = fd
        self._raw = raw_frames
        self._owner = gevent.getcurrent()
        self._queue: deque[_Outgoing] = deque()
        self._wake = gevent.event.Event()
        self._readable = False
        self._timeout: float | None = None
        self._last_input = time.monotonic()
        self._ended: tuple[int, str] | None = None  # why it ended, first cause
        self._close_pending: tuple[int, str] | None = None  # a close asked by another greenlet
        self._close_sent = False
        self._lost = False

    # ------------------------------------------------------------------ Channel API
    @property
    def environ(self) -> WSGIEnvironment:
        """The WSGI environ of the handshake request."""
        return self._environ

    @property
    def closed(self) -> bool:
        """True once a close was decided or the connection was lost."""
        return self._ended is not None

    def listen(self, on_message: OnMessage, on_end: OnEnd) -> bool:
        """Always False: under uWSGI the request greenlet reads (uWSGI owns the socket)."""
        return False

    def receive(self) -> str | bytes:
        """Block for the next message: text as str, binary as bytes. Request greenlet only.

        :raises ChannelClosed: with 1006 when the connection is lost or the read timeout
            passes, 1009 / 1007 after closing with that code, or the code of our close.
        """
        self._check_owner("receive")
        while True:
            self._flush()
            if self._ended is not None:
                raise ChannelClosed(*self._ended)
            message = self._read_one()
            if message is not None:
                return self._decode(message)
            self._wait_input()

    def send(self, text: str) -> None:
        """Send one text frame. :raises ChannelClosed: if the connection is gone."""
        self._submit([(wf.OP_TEXT, text.encode("utf-8"))])

    def send_many(self, texts: Sequence[str]) -> None:
        """Send one text frame per item. :raises ChannelClosed: if the connection is gone."""
        if texts:
            self._submit([(wf.OP_TEXT, t.encode("utf-8")) for t in texts])

    def send_binary(self, data: bytes) -> None:
        """Send one binary frame. :raises ChannelClosed: if the connection is gone."""
        self._submit([(wf.OP_BINARY, bytes(data))])

    def ping(self) -> None:
        """Send an empty ping frame (uWSGI also pings by itself). :raises ChannelClosed:"""
        if self._raw:
            self._submit([(wf.OP_PING, b"")])
        elif self._ended is not None:
            raise ChannelClosed(*self._ended)

    def set_read_timeout(self, seconds: float | None) -> None:
        """Bound every wait for incoming bytes; past it ``receive`` raises ChannelClosed(1006)."""
        self._timeout = seconds
        self._wake.set()

    def close(self, code: int = wf.NORMAL, reason: str = "") -> None:
        """Close with ``code``; idempotent, silent on a dead connection. From another greenlet
        the close frame is written by the request greenlet at its next wake-up.

        :raises ValueError: if *code* may not be sent (RFC 6455 §7.4), e.g. 1005 or 1006.
        """
        if not wf.is_sendable_close_code(code):
            raise ValueError(f"close code {code!r} may not be sent (RFC 6455 §7.4)")
        if self._ended is not None:
            return
        self._ended = (code, reason)
        if gevent.getcurrent() is self._owner:
            self._send_close(code, reason)
        else:
            self._close_pending = (code, reason)
            self._wake.set()

    def finish(self) -> None:
        """End of the request (request greenlet): write what is due, close, and wait a little
        for the peer's close frame. Waiting senders get ChannelClosed. Never raises."""
        try:
            if self._ended is None:
                self._ended = (wf.NORMAL, "")
                self._close_pending = (wf.NORMAL, "")
            self._flush()
            if self._close_sent and not self._lost:
                deadline = time.monotonic() + CLOSE_LINGER_S
                while not self._lost and time.monotonic() < deadline:
                    if self._read_one() is None and not self._lost:
                        self._wait_readable(deadline - time.monotonic())
        except Exception:  # the request is over whatever happens here
            logger.debug("uWSGI WebSocket finish failed", exc_info=True)
        finally:
            self._fail_waiters()

    # ------------------------------------------------------------------ request greenlet only
    def _check_owner(self, what: str) -> None:
        if gevent.getcurrent() is not self._owner:
            raise RuntimeError(f"UwsgiChannel.{what}() works only in the request's own greenlet")

    def _submit(self, frames: list[tuple[int, bytes]]) -> None:
        if self._ended is not None:
            raise ChannelClosed(*self._ended)
        if gevent.getcurrent() is self._owner:
            self._write_frames(frames)
            return
        item = _Outgoing(frames)
        self._queue.append(item)
        self._wake.set()
        item.done.wait()
        if item.error is not None:
            raise item.error

    def _flush(self) -> None:
        """Write the frames other greenlets queued, then a close they asked for."""
        while self._queue:
            item = self._queue.popleft()
            try:
                if self._ended is not None and self._close_pending is None:
                    raise ChannelClosed(*self._ended)
                self._write_frames(item.frames)
            except ChannelClosed as exc:
                item.error = exc
            finally:
                item.done.set()
        if self._close_pending is not None:
            code, reason = self._close_pending
            self._close_pending = None
            self._send_close(code, reason)
            self._fail_waiters()

    def _fail_waiters(self) -> None:
        ended = ChannelClosed(*(self._ended or (wf.ABNORMAL_CLOSURE, "connection closed")))
        while self._queue:
            item = self._queue.popleft()
            item.error = ended
            item.done.set()

    def _write_frames(self, frames: list[tuple[int, bytes]]) -> None:
        try:
            for opcode, payload in frames:
                if opcode == wf.OP_TEXT:
                    self._api.websocket_send(payload)
                elif opcode == wf.OP_BINARY:
                    self._api.websocket_send_binary(payload)
                else:
                    self._write_raw(wf.encode_frame(opcode, payload))
        except OSError as exc:
            self._mark_lost(f"send failed: {exc}")
            raise ChannelClosed(wf.ABNORMAL_CLOSURE, "connection lost") from None

    def _write_raw(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                gevent.socket.wait_write(self._fd, timeout=self._timeout or None)
                continue
            except InterruptedError:
                continue
            view = view[written:]

    def _send_close(self, code: int, reason: str) -> None:
        if self._close_sent or self._lost:
            return
        self._close_sent = True
        if not self._raw:
            return  # no way to write a close frame there: the connection just ends
        try:
            self._write_raw(wf.encode_frame(wf.OP_CLOSE, wf.close_payload(code, reason)))
        except OSError as exc:
            self._mark_lost(f"close frame not sent: {exc}")

    def _mark_lost(self, detail: str) -> None:
        self._lost = True
        if self._ended is None:
            self._ended = (wf.ABNORMAL_CLOSURE, detail)
        logger.debug("uWSGI WebSocket %s", detail)

    def _read_one(self) -> bytes | None:
        """One complete message if uWSGI has it buffered or readable now, else None."""
        if self._lost:
            return None
        try:
            data = self._api.websocket_recv_nb()
        except OSError:
            # The peer's close frame (uWSGI has answered it: we must not send another)
            # or a dead connection; uWSGI does not say which, nor the peer's code.
            self._close_sent = True
            self._mark_lost("connection closed by the peer")
            return None
        if not data or data == _FRAGMENT_MARKER:
            return None
        return bytes(data)

    def _decode(self, message: bytes) -> str | bytes:
        if len(message) > self._max:
            reason = f"message of {len(message)} bytes is over the limit of {self._max}"
            self.close(wf.MESSAGE_TOO_BIG, reason)
            raise ChannelClosed(wf.MESSAGE_TOO_BIG, reason)
        if message[:1] == b"\x00":
            return message
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            self.close(wf.INVALID_DATA, "invalid UTF-8 in a text message")
            raise ChannelClosed(wf.INVALID_DATA, "invalid UTF-8 in a text message") from None

    def _wait_input(self) -> None:
        """Wait for bytes, queued frames, a close or the read timeout (then 1006)."""
        if self._lost:
            raise ChannelClosed(*(self._ended or (wf.ABNORMAL_CLOSURE, "connection lost")))
        if self._readable:
            self._last_input = time.monotonic()
        remaining = None
        if self._timeout is not None:
            remaining = self._last_input + self._timeout - time.monotonic()
            if remaining <= 0:
                self._mark_lost(f"no data for {self._timeout:g}s")
                raise ChannelClosed(wf.ABNORMAL_CLOSURE, "read timed out")
        self._wait_readable(remaining)

    def _wait_readable(self, timeout: float | None) -> None:
        self._readable = False
        if self._queue or self._close_pending is not None:
            return
        self._wake.clear()
        watcher = gevent.get_hub().loop.io(self._fd, 1)
        watcher.start(self._on_readable)
        try:
            self._wake.wait(timeout)
        finally:
            watcher.stop()
            watcher.close()

    def _on_readable(self) -> None:
        self._readable = True
        self._wake.set()
