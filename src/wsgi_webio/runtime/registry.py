"""The sessions of one app, their ids, expiry and housekeeping.

Owns session creation (ids from ``secrets``), lookup, the session cap, and one
housekeeper greenlet per app that expires sessions whose client is gone, forgets
closed ones once delivered, and pings idle WebSockets. Never piggy-backs on
requests and holds nothing at module level: two apps share nothing.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import gevent

from ..core.state import CloseReason
from ..errors import RemoteProtocolError
from .session import Session

if TYPE_CHECKING:
    from ..info import SessionInfo
    from ..options import WebIOConfig

__all__ = ["SessionRegistry"]

logger = logging.getLogger(__name__)

#: 24 bytes from the CSPRNG: 192 bits, over OWASP ASVS 7.2.3's 128.
SESSION_ID_BYTES = 24


class Pingable(Protocol):
    def ping(self) -> None: ...


class SessionRegistry:
    """All sessions of one app.

    :param config: the app's options (expiry, caps, flow-control marks).
    :param clock: monotonic time source; tests inject their own.
    """

    def __init__(self, config: WebIOConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._open = 0
        self._pingables: set[Pingable] = set()
        self._housekeeper: gevent.Greenlet[[], None] | None = None
        self._last_ping = clock()

    # ------------------------------------------------------------------ sessions
    def create(self, target: Callable[[], Any], info: SessionInfo) -> Session:
        """Create and start a session running ``target``.

        :raises RemoteProtocolError: (503) when ``max_sessions`` are open.
        """
        if self._open >= self.config.max_sessions:
            raise RemoteProtocolError(
                f"too many sessions ({self.config.max_sessions} open); try again later",
                status_hint=503,
                close_code=1013,  # RFC 6455 §7.4.1 registry: Try Again Later
            )
        self.ensure_started()
        sid = secrets.token_urlsafe(SESSION_ID_BYTES)
        session = Session(
            target,
            info,
            sid,
            clock=self.clock,
            debug=self.config.debug,
            high_water=self.config.high_water,
            low_water=self.config.low_water,
            on_close=self._session_closed,
        )
        self._sessions[sid] = session
        self._open += 1
        session.start()
        return session

    def get(self, session_id: str) -> Session | None:
        """The session with this id, open or closed-but-undelivered; None if unknown."""
        return self._sessions.get(session_id)

    def sessions(self) -> list[Session]:
        """Every session held: open ones and closed ones not yet delivered."""
        return list(self._sessions.values())

    def active_count(self) -> int:
        """Sessions not yet closed."""
        return self._open

    def __len__(self) -> int:
        return len(self._sessions)

    def _session_closed(self, session: Session) -> None:
        self._open -= 1

    def forget_if_done(self, session: Session) -> None:
        """Drop a closed session at once when no client is attached and it has nothing
        left to deliver (the sweep would drop it later; churn should not pile up)."""
        if session.link.is_forgettable():
            if self._sessions.get(session.id) is session:
                del self._sessions[session.id]

    def expire_after(self, session: Session) -> float:
        if session.info.protocol == "websocket":
            return self.config.reconnect_timeout
        return self.config.session_expire_seconds

    def sweep(self) -> None:
        """Close sessions whose client has been gone too long; forget closed
        sessions that were delivered or whose client is gone."""
        now = self.clock()
        for sid, session in list(self._sessions.items()):
            link = session.link
            timeout = self.expire_after(session)
            if link.is_closed:
                # Kept while a client may still fetch its last commands: until they
                # are delivered, or its client has been gone past the expiry.
                if link.is_forgettable(now, timeout):
                    del self._sessions[sid]
            elif link.is_expired(now, timeout):
                logger.info("session %s expired after %.1fs without a client", session.tag, timeout)
                session.close(CloseReason.EXPIRED)

    # ------------------------------------------------------------------ pings
    def add_pingable(self, conn: Pingable) -> None:
        self._pingables.add(conn)

    def discard_pingable(self, conn: Pingable) -> None:
        self._pingables.discard(conn)

    def ping_all(self) -> None:
        for conn in list(self._pingables):
            conn.ping()

    # ------------------------------------------------------------------ housekeeping
    def tick_seconds(self) -> float:
        """How often the housekeeper wakes: often enough for the shortest timeout,
        never more than once every 50 ms nor less than once every 5 s."""
        candidates = [self.config.session_expire_seconds, self.config.reconnect_timeout or 5.0]
        if self.config.ping_interval:
            candidates.append(self.config.ping_interval)
        return min(5.0, max(0.05, min(candidates) / 4))

    def ensure_started(self) -> None:
        """Start the housekeeper greenlet (lazily: never at import or construction)."""
        if self._housekeeper is None or self._housekeeper.dead:
            self._housekeeper = gevent.spawn(self._housekeep)

    def _housekeep(self) -> None:
        tick = self.tick_seconds()
        while True:
            gevent.sleep(tick)
            try:
                self.sweep()
                interval = self.config.ping_interval
                if interval and self.clock() - self._last_ping >= interval:
                    self._last_ping = self.clock()
                    self.ping_all()
            except Exception:  # the housekeeper must survive any one bad session
                logger.exception("session housekeeping failed")

    def close_all(self, reason: CloseReason = CloseReason.SHUTDOWN) -> None:
        """Close every session (server shutdown) and stop the housekeeper."""
        for session in list(self._sessions.values()):
            session.close(reason)
        if self._housekeeper is not None:
            self._housekeeper.kill(block=False)
            self._housekeeper = None
