"""A tiny HTTP/1.1 client over gevent sockets, for live tests in the server's process.

Test helper only: one request per connection, Content-Length bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import gevent.socket


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    raw_head: bytes = field(repr=False, default=b"")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def request(
    port: int,
    method: str = "GET",
    path: str = "/",
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | str | Any = None,
    timeout: float = 10.0,
    raw_body: bool = False,
) -> Reply:
    """One request; ``raw_body`` sends ``body`` as is, without a Content-Length."""
    if params:
        path += "?" + urlencode(params)
    if body is not None and not isinstance(body, bytes | str):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
    if isinstance(body, str):
        body = body.encode()
    headers = dict(headers or {})
    lines = [f"{method} {path} HTTP/1.1", f"Host: {headers.pop('Host', f'127.0.0.1:{port}')}", "Connection: close"]
    for k, v in headers.items():
        lines.append(f"{k}: {v}")
    if body is not None and not raw_body:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get("transfer-encoding") == "chunked":
        rest = _dechunk(rest)
    return Reply(int(status_line.split()[1]), hdrs, rest, head)


def _dechunk(data: bytes) -> bytes:
    out, pos = [], 0
    while True:
        line_end = data.index(b"\r\n", pos)
        size = int(data[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[line_end + 2 : line_end + 2 + size])
        pos = line_end + 2 + size + 2
