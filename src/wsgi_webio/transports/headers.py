"""Per-request work of wsgi_webio's pywsgi handler that stock pywsgi does slowly.

Owns three small pieces the handler class (``wshandler.WebSocketHandler``) plugs in:

- :func:`read_headers`, its ``MessageClass``: reads a request's header lines itself,
  strictly, instead of through ``http.client.parse_headers`` and the ``email`` package
  (about 14% of a long-poll server's CPU), and returns :class:`RequestHeaders`, which
  answers what gevent.pywsgi (``read_request``, ``get_environ``), gevent-websocket and
  gunicorn's access log read from ``handler.headers``;
- :func:`access_log_enabled`, so a server built with ``log=None`` does not format an
  access-log line per request only to drop it;
- :func:`write_head_and_body`, pywsgi's first write of a response with the head and a
  small body in one ``sendall`` instead of two.

A bad head is never an exception here: it sets ``RequestHeaders.status``, which pywsgi
answers with 400 and a closed connection (logging the reason). Limits are pywsgi's own
(through http.client): 100 header lines, 65,536 bytes a line. Must not read past the
blank line that ends the head, and keeps no state between requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from gevent import pywsgi

__all__ = ["MAX_HEADER_LINES", "MAX_LINE_BYTES", "RequestHeaders", "access_log_enabled", "read_headers",
           "write_head_and_body"]

#: Most header lines in one request (http.client's limit, which pywsgi relies on).
MAX_HEADER_LINES: Final = 100
#: Longest header line in bytes, line end included (http.client's limit).
MAX_LINE_BYTES: Final = 65536
#: A body up to this size goes out in the same ``sendall`` as the response head.
JOIN_BODY_BYTES: Final = 64 * 1024

#: ``name: value`` with an RFC 9110 token as the name, no whitespace before the colon,
#: and no control character but HTAB in the value; the line ends in CRLF or LF.
_FIELD_LINE: Final = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([^\x00-\x08\x0a-\x1f\x7f]*)\r?\n")
_DIGITS: Final = re.compile(r"[0-9]+")
#: What pywsgi builds for ``log=None``; its ``write`` drops the line.
_NO_LOG_TYPES: Final = tuple(t for t in (getattr(pywsgi, "_NoopLog", None),) if isinstance(t, type))


class RequestHeaders:
    """A request's header fields in arrival order, duplicates kept.

    The subset of ``email.message.Message`` (as pywsgi adapts it) that handlers use:
    ``get``/``getheader`` (case-insensitive, first occurrence), ``headers`` (raw lines,
    which pywsgi's ``get_environ`` joins into ``HTTP_*`` keys), ``typeheader``,
    ``items()``, ``del headers[name]`` and ``status`` (empty unless the head was refused).
    """

    __slots__ = ("_fields", "_first", "status")

    def __init__(self, fields: list[tuple[str, str]] | None = None, status: str = "") -> None:
        self._fields: list[tuple[str, str]] = fields if fields is not None else []
        #: Lower-case name -> value of its first occurrence.
        self._first: dict[str, str] = {}
        for key, value in reversed(self._fields):
            self._first[key.lower()] = value
        #: Why the head was refused, or "" for a good one (pywsgi answers 400 when set).
        self.status = status

    def get(self, name: str, default: Any = None) -> Any:
        return self._first.get(name.lower(), default)

    getheader = get

    def get_all(self, name: str, default: Any = None) -> Any:
        name = name.lower()
        values = [value for key, value in self._fields if key.lower() == name]
        return values or default

    def __getitem__(self, name: str) -> str | None:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __delitem__(self, name: str) -> None:
        name = name.lower()
        self._fields = [(key, value) for key, value in self._fields if key.lower() != name]
        self._first.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._fields)

    def keys(self) -> list[str]:
        return [key for key, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, value in self._fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    @property
    def headers(self) -> list[str]:
        """The fields as ``"Name: value\\r\\n"`` lines (what pywsgi's environ building reads)."""
        return [f"{key}: {value}\r\n" for key, value in self._fields]

    @property
    def typeheader(self) -> str | None:
        return self._first.get("content-type")

    def __repr__(self) -> str:
        return f"RequestHeaders({self._fields!r}, status={self.status!r})"


def _refused(why: str) -> RequestHeaders:
    return RequestHeaders(status=why)


def read_headers(rfile: Any, *_ignored: Any) -> RequestHeaders:
    """Read header lines from ``rfile`` up to and including the blank line.

    Refused (``status`` set, nothing raised): a line over ``MAX_LINE_BYTES``, more than
    ``MAX_HEADER_LINES`` lines, the connection ending inside the head, a line starting
    with whitespace (obsolete folding, RFC 9112 §5.2), a name that is not a token or has
    whitespace before its colon, a control character (NUL, a bare CR...) in a value,
    and a Content-Length that is not digits or differs between its copies (a request
    smuggling vector), a Transfer-Encoding other than one ``chunked`` or together with
    a Content-Length, and a second Host. Socket errors from ``rfile`` propagate, as with
    pywsgi's parser.
    """
    fields: list[tuple[str, str]] = []
    lengths: set[str] = set()
    framing = 0  # Transfer-Encoding lines
    hosts = 0
    readline = rfile.readline
    while True:
        line = readline(MAX_LINE_BYTES + 1)
        if len(line) > MAX_LINE_BYTES:
            return _refused(f"header line longer than {MAX_LINE_BYTES} bytes")
        if line == b"\r\n" or line == b"\n":
            break
        if not line.endswith(b"\n"):
            return _refused("the connection ended inside the request head")
        if len(fields) >= MAX_HEADER_LINES:
            return _refused(f"more than {MAX_HEADER_LINES} header lines")
        match = _FIELD_LINE.fullmatch(line)
        if match is None:
            if line[:1] in (b" ", b"\t"):
                return _refused("obsolete line folding (a header line starting with whitespace)")
            return _refused(f"malformed header line {line[:80]!r}")
        name = match.group(1).decode("ascii")
        value = match.group(2).strip(b" \t").decode("latin-1")
        if len(name) == 14 and name.lower() == "content-length":
            if not _DIGITS.fullmatch(value):
                return _refused(f"Content-Length {value[:40]!r} is not a number")
            lengths.add(value.lstrip("0") or "0")
            if len(lengths) > 1:
                return _refused("conflicting Content-Length headers")
        elif len(name) == 17 and name.lower() == "transfer-encoding":
            # pywsgi reads only a lone "chunked"; anything else would leave the body's
            # end to be guessed differently here and in a proxy in front (smuggling).
            framing += 1
            if framing > 1 or value.lower() != "chunked":
                return _refused(f"unsupported Transfer-Encoding {value[:40]!r} (only one 'chunked')")
        elif len(name) == 4 and name.lower() == "host":
            hosts += 1
            if hosts > 1:
                return _refused("more than one Host header")  # RFC 9112 §3.2
        fields.append((name, value))
    if framing and lengths:
        return _refused("both Transfer-Encoding and Content-Length")  # RFC 9112 §6.1
    return RequestHeaders(fields)


def access_log_enabled(server: Any) -> bool:
    """False when the pywsgi server was built with ``log=None`` (its log drops every line)."""
    return not isinstance(getattr(server, "log", None), _NO_LOG_TYPES)


def write_head_and_body(handler: Any, data: bytes) -> None:
    """pywsgi ``WSGIHandler._write_with_headers``: the status line, headers and the first
    piece of body in one ``sendall`` when the body is small, else two."""
    handler.headers_sent = True
    handler.finalize_headers()
    out = bytearray(b"HTTP/1.1 ")
    out += handler.status
    out += b"\r\n"
    for name, value in handler.response_headers:
        out += name
        out += b": "
        out += value
        out += b"\r\n"
    out += b"\r\n"
    if not data or len(data) > JOIN_BODY_BYTES:
        handler._sendall(out)  # noqa: SLF001 - pywsgi's own write path, counting the bytes sent
        handler._write(data)  # noqa: SLF001 - writes nothing for an empty body
        return
    if handler.response_use_chunked:
        out += b"%x\r\n" % len(data)
        out += data
        out += b"\r\n"
    else:
        out += data
    handler._sendall(out)  # noqa: SLF001
