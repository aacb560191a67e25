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
    "SessionClosedException",
    "SessionException",
    "SessionNotFoundException",
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


class SessionException(WebIOError):
    """PyWebIO's base of session errors (``pywebio.exceptions.SessionException``).

    wsgi_webio raises :class:`SessionClosed` when a session ends; it is *not* a subclass
    of this class (it is a ``BaseException``, so ``except Exception`` cannot swallow it):
    catch ``SessionClosedException`` (the same class) for it.
    """


#: PyWebIO's name for :class:`SessionClosed`: ``except SessionClosedException`` catches it.
SessionClosedException = SessionClosed


class SessionNotFoundException(SessionException):
    """PyWebIO's error for a session id the server does not know. wsgi_webio answers such
    requests itself (it tells the client that the session is closed) and never raises this
    into an app."""
