"""The session protocol of one session's link with its client.

Rule 1: every decision of the session protocol lives here, once: the numbering and
acknowledgement of commands, what a reconnecting client may resume from, which
client events are new, what a refused batch counts as, when writers pause and
resume, and the lifecycle (``state.py``'s table). Transports and the runtime ask the
link; they never reach into the outbox, the sequencer or the machine behind it.
Rule 2: pure: no gevent, no sockets, no WSGI, no clock (callers pass ``now``);
nothing here blocks, sleeps or calls out, except the ``deliver`` function that
``receive`` is given.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from http import HTTPStatus
from typing import Final, TypeVar

from ..errors import LocalProtocolError, RemoteProtocolError
from ..protocol import CLOSE_SESSION, ClientEvent, EventBatch, abbrev
from .outbox import BATCH_WINDOW, HIGH_WATER_BYTES, LOW_WATER_BYTES, BatchWindow, EventSequencer, Outbox, Poll
from .state import CloseReason, SessionMachine, SessionState

__all__ = ["HARD_LIMIT_FACTOR", "Flow", "SessionLink"]

_R = TypeVar("_R")

#: Writers outside the session (another session's task broadcasting) cannot be made
#: to wait; past this many times the high-water mark the session must close instead.
HARD_LIMIT_FACTOR: Final = 8
#: RFC 6455 §7.4.1: 1008 = policy violation (a resume point the server cannot serve).
_POLICY_VIOLATION: Final = 1008


class Flow(enum.Enum):
    """What a command sent or an acknowledgement did to flow control."""

    #: Nothing changed.
    STEADY = "steady"
    #: The retained commands went over the high-water mark: writers wait from now on.
    PAUSE = "pause"
    #: Acknowledgements brought them to the low-water mark: waiting writers resume.
    RESUME = "resume"


_STEADY, _PAUSE, _RESUME = Flow.STEADY, Flow.PAUSE, Flow.RESUME


class SessionLink:
    """One session's protocol state: commands out, events in, flow control, lifecycle.

    Commands are numbered 0, 1, 2, ... and kept until the client acknowledges them,
    either one by one (WebSocket, ``ack``) or by PyWebIO's numbered HTTP batches
    (``poll``/``ack_batches``); a session uses one of the two. Client events
    numbered by ``seq`` are applied once.

    :param now: the time of creation (a session nobody attaches to still expires).
    :param high_water: pause writers when the unacknowledged bytes go over this.
    :param low_water: resume them when acknowledgements bring the bytes to this.
    :param window: most HTTP batches outstanding at once (PyWebIO's is 4).
    :raises ValueError: unless ``0 <= low_water <= high_water``.
    """

    __slots__ = ("_outbox", "_inbound", "_machine", "_window", "_window_size", "is_closed")

    def __init__(
        self,
        now: float,
        high_water: int = HIGH_WATER_BYTES,
        low_water: int = LOW_WATER_BYTES,
        window: int = BATCH_WINDOW,
    ) -> None:
        self._outbox = Outbox(high_water, low_water)
        self._inbound = EventSequencer()
        self._machine = SessionMachine(now)
        #: The HTTP batch window, made by the first poll (a WebSocket session has none).
        self._window: BatchWindow | None = None
        self._window_size = window
        #: True once closed: the lifecycle state, kept as a plain attribute because
        #: every command sent and every event delivered asks (read it, never set it).
        self.is_closed = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def state(self) -> SessionState:
        return self._machine.state

    @property
    def close_reason(self) -> CloseReason | None:
        """Why the session closed; None while open."""
        return self._machine.close_reason

    @property
    def attached(self) -> int:
        """Client connections attached now (HTTP requests in flight, or one WebSocket)."""
        return self._machine.attached

    def attach(self) -> None:
        """A client connection arrived. :raises LocalProtocolError: if closed (nothing changes)."""
        self._machine.attach()

    def detach(self, now: float) -> None:
        """A client connection ended. :raises LocalProtocolError: without a matching attach."""
        self._machine.detach(now)

    def close(self, reason: CloseReason) -> bool:
        """Enter CLOSED: ``close_session`` is queued for the client and writers are no
        longer paused (a closed session takes no more commands anyway). Returns False
        (and changes nothing) when already closed."""
        if not self._machine.close(reason):
            return False
        self.is_closed = True
        self._outbox.append(CLOSE_SESSION)
        self._outbox.paused = False
        return True

    def is_expired(self, now: float, timeout: float) -> bool:
        """Open, and no client attached for longer than ``timeout`` seconds."""
        return self._machine.is_expired(now, timeout)

    @property
    def is_delivered(self) -> bool:
        """Closed, and the client acknowledged every command (``close_session`` too)."""
        return self._machine.state is SessionState.CLOSED and not len(self._outbox)

    def is_forgettable(self, now: float | None = None, timeout: float = 0.0) -> bool:
        """Closed with no client attached, and either every command acknowledged or
        (given ``now``) its client gone longer than ``timeout``: nothing is left to
        deliver to anyone."""
        machine = self._machine
        if machine.state is not SessionState.CLOSED or machine.attached:
            return False
        if not len(self._outbox):
            return True
        since = machine.detached_since
        return now is not None and since is not None and now - since > timeout

    # ------------------------------------------------------------------ commands out
    def send(self, command: str) -> Flow:
        """Retain one encoded command for the client; PAUSE when it crossed the
        high-water mark (the caller stops its writers), else STEADY.

        :raises LocalProtocolError: once closed: nothing goes after ``close_session``.
        """
        if self.is_closed:
            raise LocalProtocolError("the session is closed: nothing goes after close_session")
        return _PAUSE if self._outbox.append(command) else _STEADY

    @property
    def paused(self) -> bool:
        """Writers wait: over the high-water mark, and not yet back to the low one."""
        return self._outbox.paused

    def is_overflowing(self) -> bool:
        """Over HARD_LIMIT_FACTOR times the high-water mark: a writer that cannot be
        made to wait must close the session rather than let it grow."""
        outbox = self._outbox
        return outbox.buffered_bytes > HARD_LIMIT_FACTOR * max(outbox.high_water, 1)

    @property
    def first_seq(self) -> int:
        """Seq of the oldest command not yet acknowledged (``next_seq`` when none is)."""
        return self._outbox.first_seq

    @property
    def next_seq(self) -> int:
        """Seq the next command will get."""
        return self._outbox.next_seq

    @property
    def buffered_bytes(self) -> int:
        """Size of the commands not yet acknowledged, the measure flow control uses."""
        return self._outbox.buffered_bytes

    def __len__(self) -> int:
        """Commands not yet acknowledged."""
        return len(self._outbox)

    def since(self, seq: int, limit: int | None = None) -> list[str]:
        """Commands numbered ``seq`` and after, at most ``limit`` of them.

        :raises LocalProtocolError: when ``seq`` was acknowledged already.
        """
        return self._outbox.since(seq, limit)

    def ack(self, seq: int, sent: int | None = None) -> Flow:
        """The client has every command up to ``seq``; an older ack changes nothing.

        :param sent: seq just past the last command this client was given, when
            the caller knows it: an ack of a command not given yet is refused.
        :returns: RESUME when writers may go on, else STEADY.
        :raises RemoteProtocolError: (400) for an ack ahead of what was sent; nothing changes.
        """
        if sent is not None and seq >= sent:
            raise RemoteProtocolError(f"ack {abbrev(seq)} is ahead of the last command sent ({sent - 1})")
        if seq < self._outbox.first_seq:
            return _STEADY
        return _RESUME if self._outbox.ack(seq) else _STEADY

    def resume_from(self, ack: int | None) -> int:
        """Where a reconnecting client's commands start: after its ``ack``, or at the
        oldest command not acknowledged when it did not say (PyWebIO's own client).

        :raises RemoteProtocolError: (close 1008) when the commands after ``ack`` are
            gone (acknowledged before) or ``ack`` is ahead of every command sent.
        """
        start = self._outbox.first_seq if ack is None else ack + 1
        if not self._outbox.first_seq <= start <= self._outbox.next_seq:
            raise RemoteProtocolError(f"cannot resume from command {abbrev(start)}", close_code=_POLICY_VIOLATION)
        return start

    # ------------------------------------------------------------------ HTTP batches
    def _batches(self) -> BatchWindow:
        window = self._window
        if window is None:
            window = self._window = BatchWindow(self._outbox, self._window_size)
        return window

    def poll(self) -> Poll:
        """The numbered batches an HTTP reply carries: every one outstanding, and the
        commands not yet in a batch as a new one while the window allows."""
        return self._batches().poll()

    def has_news(self) -> bool:
        """True when a poll would carry commands."""
        return self._batches().has_news()

    def ack_batches(self, ack: int) -> Flow:
        """The client executed every HTTP batch up to ``ack``.

        :returns: RESUME when writers may go on, else STEADY.
        :raises RemoteProtocolError: (400) for a batch never sent; nothing changes.
        """
        return _RESUME if self._batches().acknowledge(ack) else _STEADY

    # ------------------------------------------------------------------ events in
    @property
    def last_event_seq(self) -> int:
        """Seq of the last client event handled (-1 before any): the client's ``ack``."""
        return self._inbound.last

    def receive(self, batch: EventBatch, deliver: Callable[[tuple[ClientEvent, ...]], _R]) -> _R:
        """Hand the events of ``batch`` not handled yet to ``deliver``, and account for them.

        A client re-sends every event it has no ``ack`` for, with the seq of the
        first, so only the new part is delivered. Once ``deliver`` returns, the
        batch counts as handled. If ``deliver`` refuses it as invalid (a
        RemoteProtocolError with status 400, e.g. an unknown task id) it counts as
        handled too, so the client does not re-send it forever; a refusal for a
        passing condition (429, a queue full) does not, and a retry may succeed.

        :returns: what ``deliver`` returned.
        :raises RemoteProtocolError: (409) when the batch starts past the next event
            expected (an earlier batch was lost), before anything is delivered; or
            ``deliver``'s refusal, after the accounting above.
        """
        seq = batch.seq
        if seq is None:
            return deliver(batch.events)
        events = batch.events
        inbound = self._inbound
        new = inbound.new_part(seq, len(events))
        if new.start:
            events = events[new.start :]
        try:
            result = deliver(events)
        except RemoteProtocolError as exc:
            if exc.status_hint == HTTPStatus.BAD_REQUEST:
                inbound.advance(seq, len(batch.events))
            raise
        inbound.advance(seq, len(batch.events))
        return result

    def __repr__(self) -> str:
        return (f"<SessionLink {self._machine.state.value} commands {self.first_seq}..{self.next_seq} "
                f"events ..{self.last_event_seq}{' paused' if self.paused else ''}>")
