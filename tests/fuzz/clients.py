"""Raw loopback clients of the fuzz suite: whole HTTP requests as bytes, WebSocket
frames as bytes, and what the server answered, over blocking stdlib sockets.

Test helper only. Every read has a timeout and every loop a byte bound; only
127.0.0.1 is contacted. It decides nothing about what an answer should be (the
checks live in ``cases.py``).
"""

from __future__ import annotations

import json
import socket
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.transports.wsclient import OP_CLOSE, OP_TEXT, WSClient, masked_frame, parse_close

HOST = "127.0.0.1"
#: Longest wait for any answer: a server that takes longer has hung.
TIMEOUT_S = 10.0
#: Most bytes read from one answer.
MAX_READ = 4 * 1024 * 1024


class NoAnswer(Exception):
    """The server kept the connection open past ``TIMEOUT_S`` without finishing its answer."""


@dataclass
class Answer:
    """An HTTP response, or ``status=None`` if the server closed without one."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def connect(port: int, timeout: float = TIMEOUT_S) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def build_request(method: str, target: str, headers: list[tuple[str, str]], body: bytes | None = None) -> bytes:
    """A request with ``Connection: close`` and, if there is a body, its Content-Length."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}", "Connection: close", *(f"{k}: {v}" for k, v in headers)]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def exchange(port: int, data: bytes, timeout: float = TIMEOUT_S) -> Answer:
    """Send ``data`` as is and read one response (a 101 ends the read at its head).

    :raises NoAnswer: if the response is not complete within ``timeout``.
    """
    with connect(port, timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)  # a request cut short ends here, not at the timeout
        except OSError:  # EPIPE, ECONNRESET, ENOTCONN: the server answered early and closed
            pass  # read what it said
        return read_response(sock)


def read_response(sock: socket.socket) -> Answer:
    """The next response on ``sock`` (interim 100 Continue responses skipped)."""
    buf = bytearray()
    try:
        while True:
            while (end := buf.find(b"\r\n\r\n")) < 0:
                if not _fill(sock, buf):
                    return Answer(_status(bytes(buf)) if buf else None)
            head, rest = bytes(buf[:end]), buf[end + 4:]
            status = _status(head)
            if status != 100:
                break
            buf = rest
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status == 101 or status is None:
            return Answer(status, headers)
        if "content-length" in headers:
            size = int(headers["content-length"])
            while len(rest) < size and _fill(sock, rest):
                pass
            return Answer(status, headers, bytes(rest[:size]))
        while _fill(sock, rest):
            pass
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return Answer(status, headers, _dechunk(bytes(rest)))
        return Answer(status, headers, bytes(rest))
    except TimeoutError as exc:
        raise NoAnswer(f"no complete answer within {sock.gettimeout()} s; got {bytes(buf[:300])!r}") from exc


def _fill(sock: socket.socket, buf: bytearray) -> bool:
    """Read more into ``buf``; False at EOF (or a reset: the connection is over either way)."""
    if len(buf) > MAX_READ:
        raise AssertionError(f"answer over {MAX_READ} bytes")
    try:
        chunk = sock.recv(65536)
    except ConnectionResetError:
        return False
    buf += chunk
    return bool(chunk)


def _status(head: bytes) -> int | None:
    parts = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return None
    return int(parts[1])


def _dechunk(data: bytes) -> bytes:
    out, pos = [], 0
    while (line_end := data.find(b"\r\n", pos)) >= 0:
        size = int(data[pos:line_end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(data[line_end + 2:line_end + 2 + size])
        pos = line_end + 2 + size + 2
    return b"".join(out)


# ---------------------------------------------------------------------- WebSocket
def ws_connect(port: int, query: dict[str, str], timeout: float = TIMEOUT_S) -> WSClient:
    """A WebSocket client on ``/?<query>`` (same-origin, no Origin header)."""
    return WSClient.connect(HOST, port, "/?" + urlencode(query), timeout=timeout)


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bool = True,
          long_length: int | None = None) -> bytes:
    """A client frame; ``rsv`` sets the RSV1-3 bits, ``long_length`` (2 or 8) forces a
    longer length encoding than the payload needs."""
    data = bytearray(masked_frame(opcode, payload, fin=fin, mask=mask))
    data[0] |= (rsv & 7) << 4
    if long_length is None or len(payload) >= (126 if long_length == 2 else 65536):
        return bytes(data)
    head_size = 2 + (2 if len(payload) >= 126 else 0)
    mask_bit = data[1] & 0x80
    if long_length == 2:
        code, packed = 126, struct.pack("!H", len(payload))
    else:
        code, packed = 127, struct.pack("!Q", len(payload))
    return bytes([data[0], mask_bit | code]) + packed + bytes(data[head_size:])


def close_frame(code: int = 1000) -> bytes:
    return masked_frame(OP_CLOSE, struct.pack("!H", code))


def text_frame(text: str | bytes) -> bytes:
    return masked_frame(OP_TEXT, text if isinstance(text, bytes) else text.encode("utf-8"))


def ws_send_and_drain(client: WSClient, data: bytes) -> list[tuple[int, bytes]]:
    """Send ``data`` then a close frame, half-close, and collect the server's frames up to EOF.

    :raises NoAnswer: if the server neither closes nor stops within the timeout.
    """
    sock = client.sock
    try:
        sock.sendall(data + close_frame())
        sock.shutdown(socket.SHUT_WR)
    except OSError:  # EPIPE, ECONNRESET, ENOTCONN: the server closed first
        pass  # what it sent is still readable
    raw = bytearray(client._buf)  # noqa: SLF001 - bytes the handshake read ahead
    try:
        while _fill(sock, raw):
            pass
    except TimeoutError as exc:
        raise NoAnswer(f"the server kept the connection open; it sent {bytes(raw[:300])!r}") from exc
    finally:
        sock.close()
    return parse_frames(bytes(raw))


def parse_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Server frames (unmasked) in ``data``; a truncated last frame is dropped."""
    frames, pos = [], 0
    while pos + 2 <= len(data):
        length, head = data[pos + 1] & 0x7F, 2
        if length == 126:
            if pos + 4 > len(data):
                break
            length, head = struct.unpack("!H", data[pos + 2:pos + 4])[0], 4
        elif length == 127:
            if pos + 10 > len(data):
                break
            length, head = struct.unpack("!Q", data[pos + 2:pos + 10])[0], 10
        if pos + head + length > len(data):
            break
        frames.append((data[pos] & 0x0F, data[pos + head:pos + head + length]))
        pos += head + length
    return frames


def close_codes(frames: list[tuple[int, bytes]]) -> list[int | None]:
    return [parse_close(payload)[0] for opcode, payload in frames if opcode == OP_CLOSE]
