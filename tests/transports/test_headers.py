"""The handler's own request-head parser, access-log switch and one-write responses.

Unit tests feed ``read_headers`` bytes (hostile ones included) and compare what
pywsgi's environ building makes of its result with what it makes of the stock
``email``-based parser; live tests run a real pywsgi server with our handler on
127.0.0.1 and read the raw responses.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gevent
import gevent.socket
import pytest
from gevent import pywsgi
from gevent.pywsgi import WSGIHandler, WSGIServer

from wsgi_webio.transports.headers import (
    JOIN_BODY_BYTES,
    MAX_HEADER_LINES,
    MAX_LINE_BYTES,
    RequestHeaders,
    access_log_enabled,
    read_headers,
)

App = Callable[[dict[str, Any], Callable[..., Any]], Any]


def parse(raw: bytes) -> tuple[RequestHeaders, io.BufferedReader]:
    rfile = io.BufferedReader(io.BytesIO(raw))
    return read_headers(rfile, 0), rfile


def environ_items(headers: Any) -> list[tuple[str, str]]:
    """The ``HTTP_*`` pairs pywsgi's ``get_environ`` builds from ``handler.headers``."""
    return list(WSGIHandler._headers(SimpleNamespace(headers=headers)))  # noqa: SLF001


# ---------------------------------------------------------------------- parsing
def test_fields_lookups_and_the_body_left_unread() -> None:
    raw = (b"Host: example.test\r\nContent-Type: application/json\r\nX-Dup: a\r\nx-dup:  b \t\r\n"
           b"Content-Length: 2\r\n\r\n[]")
    headers, rfile = parse(raw)
    assert headers.status == ""
    assert headers.get("HOST") == "example.test" and headers["host"] == "example.test"
    assert headers.getheader("x-dup") == "a" and headers.get_all("X-DUP") == ["a", "b"]
    assert headers.get("missing") is None and headers.get("missing", "d") == "d" and headers["missing"] is None
    assert headers.typeheader == "application/json" and "content-type" in headers and "nope" not in headers
    assert headers.items()[:2] == [("Host", "example.test"), ("Content-Type", "application/json")]
    assert len(headers) == 5 and list(headers) == headers.keys()
    assert headers.headers[2:4] == ["X-Dup: a\r\n", "x-dup: b\r\n"]
    assert rfile.read() == b"[]"  # the head ends at the blank line
    del headers["CONTENT-LENGTH"]
    del headers["not-there"]  # like email's Message: no KeyError
    assert headers.get("content-length") is None and len(headers) == 4


def test_environ_matches_the_stock_parser() -> None:
    raw = (b"Host: h\r\nAccept: a\r\nAccept: b\r\nCookie: c=1\r\nCookie: d=2\r\nUser_Agent: dropped\r\n"
           b"X-Latin: caf\xe9\r\nEmpty:\r\nX-Tab:\tv\t\r\n\r\n")
    ours, _ = parse(raw)
    stock = pywsgi.headers_factory(io.BufferedReader(io.BytesIO(raw)))
    assert environ_items(ours) == environ_items(stock)
    assert ("HTTP_X_LATIN", "caf\xe9") in environ_items(ours)
    assert ours.get("empty") == "" and ours.get("x-tab") == "v"


def test_bare_lf_line_ends_and_the_limits_themselves_are_accepted() -> None:
    headers, rfile = parse(b"A: 1\nB: 2\n\nbody")
    assert headers.status == "" and headers.items() == [("A", "1"), ("B", "2")] and rfile.read() == b"body"
    many = b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER_LINES)) + b"\r\n"
    assert parse(many)[0].status == "" and len(parse(many)[0]) == MAX_HEADER_LINES
    long_line = b"X: " + b"v" * (MAX_LINE_BYTES - 5) + b"\r\n"
    assert len(long_line) == MAX_LINE_BYTES
    assert parse(long_line + b"\r\n")[0].get("x") == "v" * (MAX_LINE_BYTES - 5)
    same = parse(b"Content-Length: 5\r\nContent-Length: 005\r\n\r\n")[0]
    assert same.status == "" and same.get("content-length") == "5"


@pytest.mark.parametrize(("raw", "why"), [
    (b"Host: h\r\n folded\r\n\r\n", "folding"),
    (b"\tX: v\r\n\r\n", "folding"),
    (b"Host : h\r\n\r\n", "malformed"),
    (b": nameless\r\n\r\n", "malformed"),
    (b"no colon here\r\n\r\n", "malformed"),
    (b"From nobody Mon Jan 1\r\n\r\n", "malformed"),
    (b"X(y): v\r\n\r\n", "malformed"),
    (b"X: a\x00b\r\n\r\n", "malformed"),
    (b"X: a\rInjected: b\r\n\r\n", "malformed"),
    (b"X: a\x7f\r\n\r\n", "malformed"),
    (b"X: a\x1b[31m\r\n\r\n", "malformed"),
    (b"X: v\r\r\n\r\n", "malformed"),
    (b"Content-Length: 1_0\r\n\r\n", "not a number"),
    (b"Content-Length: +5\r\n\r\n", "not a number"),
    (b"Content-Length: -1\r\n\r\n", "not a number"),
    (b"Content-Length: 5, 5\r\n\r\n", "not a number"),
    (b"Content-Length: 5\r\ncontent-length: 6\r\n\r\n", "conflicting"),
    (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding"),
    (b"Transfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding"),
    (b"Transfer-Encoding: identity\r\n\r\n", "Transfer-Encoding"),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "both"),
    (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both"),
    (b"Host: a\r\nHost: b\r\n\r\n", "Host"),
    (b"Host: h\r\n", "ended inside"),
    (b"Host: h", "ended inside"),
    (b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER_LINES + 1)) + b"\r\n", "more than"),
    (b"X: " + b"v" * MAX_LINE_BYTES + b"\r\n\r\n", "longer than"),
])
def test_hostile_heads_are_refused_not_raised(raw: bytes, why: str) -> None:
    headers, _ = parse(raw)
    assert why in headers.status
    assert len(headers) == 0


def test_a_huge_head_is_not_read_past_the_line_limit() -> None:
    endless = io.BufferedReader(io.BytesIO(b"X: " + b"v" * (10 * MAX_LINE_BYTES)))
    assert "longer than" in read_headers(endless).status
    assert endless.tell() <= MAX_LINE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


def test_access_log_switch() -> None:
    quiet = WSGIServer(("127.0.0.1", 0), lambda e, s: [], log=None)
    logged = WSGIServer(("127.0.0.1", 0), lambda e, s: [], log=io.StringIO())
    assert not access_log_enabled(quiet) and access_log_enabled(logged)
    assert access_log_enabled(SimpleNamespace(log=io.StringIO()))


# ---------------------------------------------------------------------- live
def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` and read until the server closes the connection."""
    sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        sock.close()


def echo_environ(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    keys = ("HTTP_ACCEPT", "HTTP_COOKIE", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_LATIN")
    body = "\n".join(f"{k}={environ.get(k)}" for k in keys).encode("utf-8")
    body += b"\nbody=" + environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_requests_reach_the_app_with_their_headers_joined(serve: Callable[..., int]) -> None:
    port = serve(echo_environ)
    reply = exchange(port, b"POST /x HTTP/1.1\r\nHost: h\nAccept: a\r\nAccept: b\r\nCookie: c=1\r\n"
                           b"Cookie: d=2\r\nX-Latin: caf\xe9\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
                           b"Connection: close\r\n\r\nabc")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body.decode("utf-8").split("\n") == [
        "HTTP_ACCEPT=a,b", "HTTP_COOKIE=c=1; d=2", "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=3",
        "HTTP_X_LATIN=caf\xe9", "body=abc"]


@pytest.mark.parametrize("head", [
    b"Host: h\r\n folded: x\r\n",
    b"Host : h\r\n",
    b"X: a\x00b\r\n",
    b"Content-Length: 3\r\nContent-Length: 4\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",  # would smuggle the body
    b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
    b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER_LINES + 1)),
])
def test_hostile_heads_get_400_and_the_server_goes_on(serve: Callable[..., int], head: bytes) -> None:
    called = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        called.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    port = serve(app)
    reply = exchange(port, b"GET /bad HTTP/1.1\r\n" + head + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n") and called == []
    good = exchange(port, b"GET /good HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert good.startswith(b"HTTP/1.1 200 OK") and good.endswith(b"\r\n\r\nok") and called == ["/good"]


def test_access_log_is_written_only_when_there_is_one(serve: Callable[..., int]) -> None:
    log = io.StringIO()
    port = serve(echo_environ, log=log)
    assert exchange(port, b"GET /logged HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert "GET /logged HTTP/1.1" in log.getvalue()


def read_response(sock: Any) -> tuple[bytes, bytes]:
    """One response, Content-Length or chunked: (head, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(65536)
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        while not rest.endswith(b"0\r\n\r\n"):
            rest += sock.recv(65536)
        body, data = b"", rest
        while True:
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                return head, body
            body, data = body + data[:size], data[size + 2:]
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head, rest


@pytest.mark.parametrize(("body", "chunks"), [
    (b"small", None), (b"", None), (b"x" * (JOIN_BODY_BYTES + 1), None),
    (b"", [b"ab", b"", b"cd"]), (b"", [b"y" * (JOIN_BODY_BYTES + 10), b"z"]),
])
def test_responses_whole_on_a_keep_alive_connection(serve: Callable[..., int], body: bytes,
                                                    chunks: list[bytes] | None) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if chunks is None:
            start_response("200 OK", [("Content-Length", str(len(body)))])
            return [body]
        start_response("200 OK", [])  # no length, an iterator: pywsgi answers HTTP/1.1 chunked
        return iter(chunks)

    port = serve(app)
    sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        for _ in range(3):  # the connection stays in step: every response was whole
            sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            head, got = read_response(sock)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert (b"transfer-encoding: chunked" in head.lower()) == (chunks is not None)
            assert got == (body if chunks is None else b"".join(chunks))
    finally:
        sock.close()


def test_a_lone_chunked_body_is_still_read(serve: Callable[..., int]) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    port = serve(app)
    reply = exchange(port, b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
                           b"5\r\nhello\r\n0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200 OK") and reply.endswith(b"\r\n\r\nhello")
