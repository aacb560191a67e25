"""The exception hierarchy of wsgi_webio.

Owns every exception type the library raises. Pure: imports nothing but the
standard library, and holds no state.
"""

from __future__ import annotations

from http import HTTPStatus

__all__ = [
    "LocalProtocolError",
    "NoSessionError",
    "ProtocolError",
    "RemoteProtocolError",
    "SessionClosed",
    "TaskInterrupted",
    "WebIOError",
]

#: RFC 6455 §7.4.1: 1008 = policy violation (the default for messages we refuse).
_POLICY_VIOLATION = 1008


class WebIOError(Exception):
    """Base class of the ordinary errors raised by wsgi_webio."""


class ProtocolError(WebIOError):
    """Something broke the wire protocol. Abstract: raise a subclass."""

    def __init__(self, message: str) -> None:
        if type(self) is ProtocolError:
            raise TypeError("ProtocolError is abstract; raise Local- or RemoteProtocolError")
        super().__init__(message)
        self.message = message


class LocalProtocolError(ProtocolError):
    """Our side (the library or the app) asked for something illegal."""


class RemoteProtocolError(ProtocolError):
    """The client sent something we refuse.

    :param message: what was wrong, naming the offending value.
    :param status_hint: the HTTP status a transport should answer with.
    :param close_code: the WebSocket close code a transport should close with.
    """

    def __init__(
        self,
        message: str,
        *,
        status_hint: int = HTTPStatus.BAD_REQUEST,
        close_code: int = _POLICY_VIOLATION,
    ) -> None:
        super().__init__(message)
        self.status_hint = int(status_hint)
        self.close_code = close_code


class NoSessionError(WebIOError, RuntimeError):
    """An I/O function was called outside of a wsgi_webio session."""


class SessionClosed(BaseException):
    """Raised inside a session's tasks when the session has ended.

    It derives from BaseException, as ``asyncio.CancelledError`` does, so that an
    app's ``except Exception:`` cannot swallow "the browser left". Let it propagate;
    the session runner treats it as a normal end.
    """


class TaskInterrupted(WebIOError):
    """Raised inside a session task that kept the worker busy without yielding for longer
    than ``max_blocking_seconds`` (or while the server was stopping): every other session
    of the worker was frozen meanwhile. Offload such work with
    ``wsgi_webio.session.run_blocking`` (docs/deploy.md, "CPU-bound work")."""

    def __init__(self, message: str = "This task was stopped: it kept the server busy without pausing "
                                      "for longer than max_blocking_seconds, which froze every other page.") -> None:
        super().__init__(message)
