"""Incremental parser of client WebSocket frames (RFC 6455 §5): bytes in, messages out.

Owns reassembling whatever the socket delivered (partial headers, partial payloads,
many frames at once) into complete text/binary messages and control frames, with
every check of ``wsframes.MessageGuard`` made on each header before its payload is
buffered, and UTF-8 checked once per text message. Pure: no I/O, no gevent, no
module-level mutable state; the evented WebSocket (``wsevented``) feeds it.
"""

from __future__ import annotations

from typing import NamedTuple

from . import wsframes as wf

__all__ = ["Control", "FrameParser"]

#: RFC 6455 §5.5: control frames carry at most 125 bytes and are never fragmented.
_MAX_CONTROL_BYTES = 125


class Control(NamedTuple):
    """A control frame: ``OP_CLOSE``, ``OP_PING`` or ``OP_PONG`` with its unmasked payload."""

    opcode: int
    payload: bytes


class FrameParser:
    """Turns the client's byte stream into messages (``str`` or ``bytes``) and Controls.

    :param max_bytes: the largest message accepted, summed over its fragments.
    """

    __slots__ = ("_buf", "_fragments", "_guard", "_header", "_opcode")

    def __init__(self, max_bytes: int) -> None:
        self._guard = wf.MessageGuard(max_bytes)
        #: unparsed input: a header's first bytes, or the payload of ``_header`` so far.
        self._buf: bytes | bytearray = b""
        #: (opcode, fin, length, mask) of the frame whose payload is still arriving;
        #: its header was checked once, when it was complete.
        self._header: tuple[int, bool, int, bytes] | None = None
        #: the unfinished message so far: one buffer, so that many tiny or empty
        #: fragments cost their bytes only, never an object each.
        self._fragments: bytearray | None = None
        self._opcode = 0  # OP_TEXT or OP_BINARY of the unfinished message

    @property
    def buffered(self) -> int:
        """Bytes received and not yet part of a returned item (for tests and diagnostics)."""
        return len(self._buf) + len(self._fragments or b"")

    def feed(self, data: bytes) -> tuple[list[str | bytes | Control], wf.FrameRejected | None]:
        """Parse ``data`` after what came before.

        :returns: the complete items, in order, and the refusal that stopped parsing, if
            any (1002 broken framing, 1007 invalid UTF-8, 1009 too big). After a refusal
            the stream is out of sync: close the connection and feed nothing more.
        """
        buf: bytes | bytearray
        if not self._buf:
            buf = data
        elif isinstance(self._buf, bytearray):
            self._buf += data  # a long payload grows in place, never re-copied per read
            buf = self._buf
        else:
            buf = self._buf + data
        items: list[str | bytes | Control] = []
        pos, end = 0, len(buf)
        error: wf.FrameRejected | None = None
        while True:
            if self._header is None:
                try:
                    parsed = _parse_header(buf, pos, end)
                except wf.FrameRejected as exc:
                    error = exc
                    break
                if parsed is None:
                    break
                first, length, mask, start = parsed
                opcode, fin = first & 0x0F, bool(first & 0x80)
                try:
                    if opcode >= wf.OP_CLOSE and (not fin or length > _MAX_CONTROL_BYTES):
                        raise wf.FrameRejected(wf.PROTOCOL_ERROR, "fragmented or oversized control frame")
                    if length >= 1 << 63:
                        raise wf.FrameRejected(wf.PROTOCOL_ERROR, "frame length has its top bit set")
                    self._guard.check_header(opcode, fin, length, first & 0x70, mask is not None)
                except wf.FrameRejected as exc:
                    error = exc
                    break
                assert mask is not None  # the guard refuses unmasked frames
                self._header = (opcode, fin, length, mask)
                pos = start
            opcode, fin, length, mask = self._header
            if end - pos < length:
                break  # the payload is still on its way
            payload = wf.unmask(mask, buf[pos:pos + length]) if length else b""
            pos += length
            self._header = None
            item = self._frame(opcode, fin, payload)
            if isinstance(item, wf.FrameRejected):
                error = item
                break
            if item is not None:
                items.append(item)
        if pos == 0:
            rest = buf
        else:
            rest = buf[pos:] if pos < end else b""
        if self._header is not None and len(rest) >= 4096 and not isinstance(rest, bytearray):
            rest = bytearray(rest)
        self._buf = rest
        return items, error

    def _frame(self, opcode: int, fin: bool, payload: bytes) -> str | bytes | Control | wf.FrameRejected | None:
        if opcode >= wf.OP_CLOSE:
            return Control(opcode, payload)
        if opcode != wf.OP_CONTINUATION:
            self._opcode = opcode
            if fin:
                return self._message(payload)
            self._fragments = bytearray(payload)
            return None
        assert self._fragments is not None  # the guard refused a stray continuation
        self._fragments += payload
        if not fin:
            return None
        whole, self._fragments = bytes(self._fragments), None
        return self._message(whole)

    def _message(self, payload: bytes) -> str | bytes | wf.FrameRejected:
        if self._opcode == wf.OP_BINARY:
            return payload
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return wf.FrameRejected(wf.INVALID_DATA, "invalid UTF-8 in a text message")


def _parse_header(buf: bytes | bytearray, pos: int, end: int) -> tuple[int, int, bytes | None, int] | None:
    """(first byte, payload length, mask or None, payload start) of the frame at ``pos``,
    or None while the header is incomplete.

    :raises FrameRejected: 1002 for a length not in its shortest form (RFC 6455 §5.2:
        "the minimal number of bytes MUST be used to encode the length").
    """
    if end - pos < 2:
        return None
    first, second = buf[pos], buf[pos + 1]
    length = second & 0x7F
    at = pos + 2
    if length == 126:
        if end - at < 2:
            return None
        length = int.from_bytes(buf[at:at + 2], "big")
        if length < 126:
            raise wf.FrameRejected(wf.PROTOCOL_ERROR, f"length {length} not in its shortest encoding")
        at += 2
    elif length == 127:
        if end - at < 8:
            return None
        length = int.from_bytes(buf[at:at + 8], "big")
        if length <= 0xFFFF:
            raise wf.FrameRejected(wf.PROTOCOL_ERROR, f"length {length} not in its shortest encoding")
        at += 8
    mask = None
    if second & 0x80:
        if end - at < 4:
            return None
        mask = bytes(buf[at:at + 4])
        at += 4
    return first, length, mask, at
