"""The exception hierarchy of wsgi_webio.

Owns every exception type the library raises (besides Python's own ``TypeError`` and
``ValueError`` for a wrong argument), and says for each who raises it, who catches it
and what it becomes: the rule is in docs/architecture.md, "Errors". Pure: imports
nothing but the standard library, and holds no state.

.. code-block:: text

    WebIOError(Exception)
    ├── ProtocolError                  abstract
    │   ├── LocalProtocolError         our side broke the protocol: a bug (500 / 1011, traceback)
    │   └── RemoteProtocolError        the client sent something refused: .status_hint / .close_code
    │       ├── FrameRejected          a WebSocket frame refused by the frame layer
    │       └── UpgradeRefused         a WebSocket upgrade refused (uWSGI)
    ├── ChannelClosed                  a WebSocket connection is over: transport-local
    ├── Refused                        an input value that does not fit its item: shown in the form
    └── NoSessionError(RuntimeError)   an I/O function called outside a session: reaches the app
    SessionClosed(BaseException)       the session ended: raised in the app's tasks
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = [
    "ChannelClosed",
    "FrameRejected",
    "LocalProtocolError",
    "NoSessionError",
    "ProtocolError",
    "Refused",
    "RemoteProtocolError",
    "SessionClosed",
    "SessionClosedException",
    "SessionException",
    "SessionNotFoundException",
    "TaskInterrupted",
    "UpgradeRefused",
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


class FrameRejected(RemoteProtocolError):
    """A client frame must be refused; the connection is to be closed with ``code``.

    Raised and caught inside the WebSocket frame layer (``transports/ws*.py``).

    :param code: the close code to send (1002, 1007 or 1009).
    :param reason: the close reason to send and report.
    """

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason, close_code=code)
        self.code = code
        self.reason = reason


class UpgradeRefused(RemoteProtocolError):
    """A WebSocket upgrade request cannot be accepted; answer it with ``status`` and
    ``message`` (``status_hint`` too), never with 101.

    :param status: the HTTP status to answer with.
    :param message: a plain-text explanation, naming the offending value.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status_hint=status)
        self.status = int(status)


class ChannelClosed(WebIOError):
    """The WebSocket connection is over; no message will arrive or leave any more.

    Transport-local: raised by a channel, caught by the transport that reads or writes
    it; the session and the app never see it.

    :param code: the peer's close code (1005 if it gave none), the code we closed with
        (e.g. 1002, 1007, 1009), or 1006 if the connection was lost.
    :param reason: the close reason, or a short description.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"WebSocket closed with code {self.code}: {self.reason or '(no reason)'}"


class Refused(WebIOError):
    """A value the client sent for an input does not fit its item.

    Raised by the input items' checks and caught by the form that asked: the user sees
    the message in the form (PyWebIO's invalid feedback); the app never sees it.

    :param key: a message key (see ``ui.items.message``); ``args`` fill its placeholders.
    """

    def __init__(self, key: str, *args: Any) -> None:
        super().__init__(key, *args)
        self.key = key
        self.args_ = args


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


class TaskInterrupted(WebIOError):
    """Raised inside a session task that kept the worker busy without yielding for longer
    than ``max_blocking_seconds`` (or while the server was stopping): every other session
    of the worker was frozen meanwhile. Offload such work with
    ``wsgi_webio.session.run_blocking`` (docs/deploy.md, "CPU-bound work")."""

    def __init__(self, message: str = "This task was stopped: it kept the server busy without pausing "
                                      "for longer than max_blocking_seconds, which froze every other page.") -> None:
        super().__init__(message)
