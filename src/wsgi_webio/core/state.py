"""The session lifecycle: states, the transition table, and the detach clock.

Rule 1: every lifecycle transition of a session lives in this table.
Rule 2: this module knows nothing of greenlets, transports or time sources; callers
pass ``now`` in. Pure: no gevent, no sockets, no WSGI.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ..errors import LocalProtocolError

__all__ = ["CloseReason", "SessionState", "SessionMachine", "Trigger"]


class SessionState(enum.Enum):
    #: Created; its tasks may run and queue commands, no client attached yet.
    NEW = "new"
    #: A client connection (a WebSocket, or an HTTP request in progress) is attached.
    ATTACHED = "attached"
    #: No client connection; the session expires if none attaches in time.
    DETACHED = "detached"
    #: Terminal: tasks are ended; remaining commands may still be delivered.
    CLOSED = "closed"


class Trigger(enum.Enum):
    #: A transport attached a client connection.
    ATTACH = "attach"
    #: The last client connection went away.
    DETACH = "detach"
    #: The session ends (app finished, client expired, server shutdown).
    CLOSE = "close"


class CloseReason(enum.Enum):
    #: The app's tasks ended and nothing keeps the session alive.
    APP_FINISHED = "app finished"
    #: The client was gone longer than the configured expiry.
    EXPIRED = "expired"
    #: Code (the app, a test or an operator) called ``close()``.
    REQUESTED = "requested"
    #: The server is shutting down.
    SHUTDOWN = "server shutdown"
    #: The session broke a limit (for instance its event queue overflowed).
    LIMIT = "limit exceeded"


_NEW, _ATTACHED, _DETACHED, _CLOSED = (
    SessionState.NEW,
    SessionState.ATTACHED,
    SessionState.DETACHED,
    SessionState.CLOSED,
)

#: (state, trigger) -> next state. A missing pair is an illegal move.
TRANSITIONS: Final[Mapping[tuple[SessionState, Trigger], SessionState]] = MappingProxyType({
    (_NEW, Trigger.ATTACH): _ATTACHED,
    (_ATTACHED, Trigger.ATTACH): _ATTACHED,  # several HTTP requests in flight
    (_ATTACHED, Trigger.DETACH): _DETACHED,
    (_DETACHED, Trigger.ATTACH): _ATTACHED,
    (_NEW, Trigger.CLOSE): _CLOSED,
    (_ATTACHED, Trigger.CLOSE): _CLOSED,
    (_DETACHED, Trigger.CLOSE): _CLOSED,
})


class SessionMachine:
    """Tracks one session's state and since when it has had no client.

    :param now: the time of creation; a NEW session counts as detached from then,
        so a session nobody ever attaches to still expires.
    """

    __slots__ = ("state", "attached", "detached_since", "close_reason")

    def __init__(self, now: float) -> None:
        self.state = _NEW
        #: Number of client connections attached (HTTP requests in flight, or 1 WebSocket).
        self.attached = 0
        #: When the session last lost its last client (or was created); None while attached.
        self.detached_since: float | None = now
        self.close_reason: CloseReason | None = None

    def _apply(self, trigger: Trigger) -> None:
        try:
            self.state = TRANSITIONS[(self.state, trigger)]
        except KeyError:
            raise LocalProtocolError(f"can't {trigger.value} a session in state {self.state.value}") from None

    def attach(self) -> None:
        """A client connection arrived. :raises LocalProtocolError: if CLOSED (state unchanged)."""
        self._apply(Trigger.ATTACH)
        self.attached += 1
        self.detached_since = None

    def detach(self, now: float) -> None:
        """A client connection ended. A no-op once CLOSED.

        :raises LocalProtocolError: if no connection was attached (state unchanged).
        """
        if self.state is _CLOSED:
            if self.attached > 0:
                self.attached -= 1
                if self.attached == 0:
                    self.detached_since = now  # the drain of a closed session expires too
            return
        if self.attached <= 0:
            raise LocalProtocolError("detach without a matching attach")
        self.attached -= 1
        if self.attached == 0:
            self._apply(Trigger.DETACH)
            self.detached_since = now

    def close(self, reason: CloseReason) -> bool:
        """Enter CLOSED. Returns False (and changes nothing) when already CLOSED."""
        if self.state is _CLOSED:
            return False
        self._apply(Trigger.CLOSE)
        self.close_reason = reason
        return True

    def is_expired(self, now: float, timeout: float) -> bool:
        """True when no client has been attached for longer than ``timeout`` seconds."""
        return self.state is not _CLOSED and self.detached_since is not None and now - self.detached_since > timeout
