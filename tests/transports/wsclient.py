"""A tiny RFC 6455 test client over a raw socket: handshake, masked frames, frame reader.

Test helper only. Independent of wsgi_webio (its own masking and accept-key code), so
it can check the server. Works with blocking sockets and with gevent sockets: pass
``socket_module=gevent.socket`` when the server runs in the same process.

.. code-block:: python

    client = WSClient.connect("127.0.0.1", port, "/ws", socket_module=gevent.socket)
    client.send_text("hi")
    assert client.recv_text() == "hi"
    client.close()
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket as _stdlib_socket
import struct
from types import ModuleType
from typing import Any

__all__ = [
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONTINUATION",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "HandshakeRefused",
    "ServerClosed",
    "WSClient",
    "frame_header",
    "masked_frame",
    "parse_close",
]

logger = logging.getLogger(__name__)

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HandshakeRefused(Exception):
    """The server answered the upgrade request with something other than 101."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str], head: bytes) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        #: response headers, names lower-cased
        self.headers = headers
        #: the raw status line and headers
        self.head = head


class ServerClosed(Exception):
    """A close frame arrived where a data message was expected."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


def _xor(mask_key: bytes, payload: bytes) -> bytes:
    size = len(payload)
    if not size:
        return b""
    key = (mask_key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def frame_header(
    opcode: int, length: int, *, fin: bool = True, mask_key: bytes | None = b"\x00\x00\x00\x00"
) -> bytes:
    """A client frame header claiming *length* payload bytes (``mask_key=None``: unmasked)."""
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if mask_key is not None else 0
    if length < 126:
        head = struct.pack("!BB", first, mask_bit | length)
    elif length <= 0xFFFF:
        head = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, length)
    return head + (mask_key or b"")


def masked_frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True) -> bytes:
    """A complete client frame, masked with a random key unless ``mask=False``."""
    if not mask:
        return frame_header(opcode, len(payload), fin=fin, mask_key=None) + payload
    key = os.urandom(4)
    return frame_header(opcode, len(payload), fin=fin, mask_key=key) + _xor(key, payload)


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """Split a close frame payload into (code or None, reason)."""
    if len(payload) < 2:
        return None, ""
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode("utf-8", "replace")


class WSClient:
    """One client connection. Build it with :meth:`connect`."""

    def __init__(self, sock: _stdlib_socket.socket, buffered: bytes, headers: dict[str, str]):
        #: the connected socket (blocking with a timeout, or a gevent socket)
        self.sock = sock
        #: the 101 response headers, names lower-cased
        self.response_headers = headers
        self._buf = bytearray(buffered)

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        path: str = "/",
        origin: str | None = None,
        headers: dict[str, str | None] | None = None,
        *,
        socket_module: ModuleType | None = None,
        timeout: float = 10.0,
        ssl_context: Any = None,
    ) -> WSClient:
        """Open a TCP connection and perform the opening handshake.

        :param headers: extra request headers; they replace the defaults of the same
            name, and a ``None`` value removes a default header.
        :param socket_module: ``socket`` (default) or ``gevent.socket``.
        :param ssl_context: wrap the connection in TLS with this context (of the socket
            module's ``ssl``: ``gevent.ssl`` for gevent sockets).
        :raises HandshakeRefused: if the response is not 101 (the socket is closed).
        :raises ValueError: if a 101 carries a wrong ``Sec-WebSocket-Accept``.
        """
        module = socket_module or _stdlib_socket
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        fields: dict[str, str | None] = {
            "Host": f"{host}:{port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        }
        if origin is not None:
            fields["Origin"] = origin
        for name, value in (headers or {}).items():
            for existing in [k for k in fields if k.lower() == name.lower()]:
                del fields[existing]
            fields[name] = value
        lines = [f"GET {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in fields.items() if v is not None]
        sock = module.create_connection((host, port), timeout=timeout)
        sock.setsockopt(_stdlib_socket.IPPROTO_TCP, _stdlib_socket.TCP_NODELAY, 1)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=host)
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            client = cls(sock, b"", {})
            head = client._read_until(b"\r\n\r\n")
            status, response_headers = _parse_head(head)
            if status != 101:
                body = client._read_body(response_headers)
                raise HandshakeRefused(status, body, response_headers, head)
        except BaseException:
            sock.close()
            raise
        expected = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode()
        if response_headers.get("sec-websocket-accept") != expected:
            sock.close()
            raise ValueError(f"bad Sec-WebSocket-Accept in {head!r}")
        client.response_headers = response_headers
        return client

    def __enter__(self) -> WSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sock.close()  # no close handshake; use close() for that

    # -- sending -------------------------------------------------------------------

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        """Send one masked frame."""
        self.sock.sendall(masked_frame(opcode, payload, fin=fin))

    def send_text(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode("utf-8"))

    def send_binary(self, data: bytes) -> None:
        self.send_frame(OP_BINARY, data)

    def send_ping(self, payload: bytes = b"") -> None:
        self.send_frame(OP_PING, payload)

    def send_close(self, code: int | None = 1000, reason: str = "") -> None:
        payload = b"" if code is None else struct.pack("!H", code) + reason.encode("utf-8")
        self.send_frame(OP_CLOSE, payload)

    # -- receiving -----------------------------------------------------------------

    def recv(self) -> tuple[int, bytes]:
        """Read one frame (no reassembly) and return (opcode, payload).

        :raises ConnectionError: on EOF before a whole frame arrived.
        """
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(8))
        mask_key = self._read_exact(4) if second & 0x80 else None
        payload = self._read_exact(length)
        if mask_key is not None:
            payload = _xor(mask_key, payload)
        return first & 0x0F, payload

    def recv_text(self) -> str:
        """The next text message; pings are answered, pongs skipped, fragments joined.

        :raises ServerClosed: if a close frame arrives instead.
        :raises ValueError: if a binary message arrives.
        """
        parts: list[bytes] = []
        while True:
            frame_first = self._peek_first_byte()
            opcode, payload = self.recv()
            if opcode == OP_PING:
                self.send_frame(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                raise ServerClosed(*parse_close(payload))
            elif opcode in (OP_TEXT, OP_CONTINUATION):
                parts.append(payload)
                if frame_first & 0x80:
                    return b"".join(parts).decode("utf-8")
            elif opcode != OP_PONG:
                raise ValueError(f"expected a text message, got opcode {opcode:#x}")

    def recv_close(self) -> tuple[int | None, str]:
        """Skip frames until a close frame; return its (code, reason)."""
        while True:
            opcode, payload = self.recv()
            if opcode == OP_CLOSE:
                return parse_close(payload)

    def read_to_eof(self) -> bytes:
        """Everything the server sends until it closes the connection."""
        data = bytes(self._buf)
        self._buf.clear()
        while chunk := self.sock.recv(65536):
            data += chunk
        return data

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (if possible), wait for the server's close or EOF, close."""
        try:
            self.send_close(code, reason)
            self.recv_close()
        except OSError as exc:  # ConnectionError on EOF, timeouts: we are closing anyway
            logger.debug("close: %s", exc)
        finally:
            self.sock.close()

    # -- internals -----------------------------------------------------------------

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self._buf += chunk

    def _read_exact(self, size: int) -> bytes:
        while len(self._buf) < size:
            self._fill()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def _peek_first_byte(self) -> int:
        while not self._buf:
            self._fill()
        return self._buf[0]

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self._buf.find(marker)) < 0:
            self._fill()
        return self._read_exact(end + len(marker))

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return self._read_exact(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int(self._read_until(b"\r\n").split(b";")[0], 16):
                body += self._read_exact(size + 2)[:-2]
            self._read_until(b"\r\n")
            return body
        return self.read_to_eof()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers
