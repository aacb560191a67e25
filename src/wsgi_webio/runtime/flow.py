"""Flow control's waits: a session's tasks that outrun its client wait here.

Owns asyncio's ``pause_writing``/``resume_writing`` pair for one session (the
``SessionLink`` says when to pause and resume) and the rule for who waits: the
session's own plain tasks do; a writer that must not block (another session's task,
transport code, a coroutine step on the hub's loop) does not, and a link past its
hard limit closes the session instead. Must not decide the water marks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import gevent.event

from ..core.link import HARD_LIMIT_FACTOR
from ..core.state import CloseReason
from ..errors import NoSessionError, SessionClosed
from . import aio, context

if TYPE_CHECKING:
    from .session import Session

__all__ = ["WriteGate"]

logger = logging.getLogger(__name__)


class WriteGate:
    """Open while a session's link accepts commands; shut while it is paused."""

    __slots__ = ("_writable",)

    def __init__(self) -> None:
        #: None while open; an unset Event that writers wait on while shut.
        self._writable: gevent.event.Event | None = None

    def pause_writing(self) -> None:
        """The link went over its high-water mark: the session's tasks wait from now on."""
        if self._writable is None:
            self._writable = gevent.event.Event()

    def resume_writing(self) -> None:
        """The link drained to its low-water mark (or the session closed): waiters go on."""
        writable, self._writable = self._writable, None
        if writable is not None:
            writable.set()

    def wait_writable(self, session: Session) -> None:
        """Called while paused, by a writer to ``session``: block it if it is one of the
        session's own plain tasks, until writing resumes.

        :raises SessionClosed: when the session closed meanwhile, or was closed because
            a writer that cannot wait took its link past the hard limit.
        """
        try:
            owner, task = context.current_task()
        except NoSessionError:
            owner = None
        if owner is not session or aio.in_loop_greenlet():
            # A coroutine step (on the hub's asyncio loop) must never block either:
            # that would stall every async task of every session.
            if session.link.is_overflowing():
                logger.warning("session %s: outbox over %dx its high-water mark; closing", session.tag,
                               HARD_LIMIT_FACTOR)
                session.close(CloseReason.LIMIT)
                raise SessionClosed()
            return
        task.waiting_flow = True
        session.pulse()
        try:
            # close() always resumes writing, so this cannot outlive the session.
            writable = self._writable
            if writable is not None:
                writable.wait()
        finally:
            task.waiting_flow = False
        if session.is_closed:
            raise SessionClosed()
