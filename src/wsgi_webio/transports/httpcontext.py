"""The seeds' HttpContext: what the HTTP transport needs from a web framework.

Owns the ``HttpContext`` interface and its one implementation over Werkzeug's
Request and Response, so ``http.py`` never touches the environ or a framework.
Must not make protocol decisions.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Protocol

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ..errors import RemoteProtocolError

__all__ = ["HttpContext", "WerkzeugHttpContext"]

_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


class HttpContext(Protocol):
    """One HTTP request and the response being built for it."""

    def request_obj(self) -> Request:
        """The framework's request object (kept as ``session.info.request``)."""

    def request_method(self) -> str: ...

    def request_headers(self) -> Mapping[str, str]: ...

    def request_url_parameter(self, name: str, default: str | None = None) -> str | None: ...

    def request_content_type(self) -> str:
        """The body's media type, without parameters."""

    def request_body(self, limit: int) -> bytes:
        """The body.

        :raises RemoteProtocolError: (413) past ``limit`` bytes; (400) when the body
            cannot be read to its end (a malformed chunked encoding).
        """

    def set_header(self, name: str, value: str) -> None: ...

    def set_status(self, status: int) -> None: ...

    def set_content(self, content: str | bytes, json_type: bool = False) -> None: ...

    def get_response(self) -> Response: ...

    def get_client_ip(self) -> str: ...


class WerkzeugHttpContext:
    """HttpContext over a Werkzeug Request, answering with a Werkzeug Response."""

    __slots__ = ("request", "response")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.response = Response(status=HTTPStatus.OK, content_type=_TEXT)
        self.response.headers["Cache-Control"] = "no-store"

    def request_obj(self) -> Request:
        return self.request

    def request_method(self) -> str:
        return self.request.method

    def request_headers(self) -> Mapping[str, str]:
        return self.request.headers  # type: ignore[return-value]

    def request_url_parameter(self, name: str, default: str | None = None) -> str | None:
        return self.request.args.get(name, default)

    def request_content_type(self) -> str:
        # What Request.mimetype gives, without parsing the parameters it would drop.
        return str(self.request.environ.get("CONTENT_TYPE", "")).partition(";")[0].strip().lower()

    def request_body(self, limit: int) -> bytes:
        # Read one byte past the limit: a chunked body (no Content-Length) is cut at
        # max_content_length silently, so only its length tells it was too big.
        self.request.max_content_length = limit + 1
        try:
            body = self.request.get_data(cache=True)
        except RequestEntityTooLarge:
            body = None
        except ClientDisconnected:
            # Werkzeug's name for a body that could not be read to its end: a broken
            # chunked encoding, or a client gone mid-body. Either way the client's fault.
            raise RemoteProtocolError("malformed or truncated request body") from None
        if body is None or len(body) > limit:
            raise RemoteProtocolError(
                f"request body exceeds the {limit}-byte limit", status_hint=HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            )
        return body

    def set_header(self, name: str, value: str) -> None:
        self.response.headers[name] = value

    def set_status(self, status: int) -> None:
        self.response.status_code = int(status)

    def set_content(self, content: str | bytes, json_type: bool = False) -> None:
        self.response.set_data(content)
        self.response.content_type = _JSON if json_type else _TEXT

    def get_response(self) -> Response:
        return self.response

    def get_client_ip(self) -> str:
        return self.request.remote_addr or ""
