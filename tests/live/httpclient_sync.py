"""Blocking keep-alive JSON client for benchmarks and subprocess tests (no gevent)."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import urlencode


class JsonClient:
    """One keep-alive connection with TCP_NODELAY, as a browser has."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method: str, params: dict[str, Any], headers: dict[str, str], body: Any = None):
        data = None if body is None else json.dumps(body).encode()
        hdrs = dict(headers)
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        self.conn.request(method, "/?" + urlencode(params), body=data, headers=hdrs)
        reply = self.conn.getresponse()
        payload = reply.read()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, json.loads(payload)

    def close(self) -> None:
        self.conn.close()
