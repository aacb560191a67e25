"""The session's outgoing command buffer, its seq/ack window and flow-control marks.

Owns sequence numbers of server commands, what a client still has to acknowledge,
the high/low-water marks that pause and resume writers (asyncio's Protocol contract),
the HTTP batch window (PyWebIO's ReliableTransport) and inbound event de-duplication.
Pure: no gevent, no sockets, no WSGI; nothing here blocks or sleeps.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from ..errors import LocalProtocolError, RemoteProtocolError
from ..protocol import abbrev

__all__ = ["BatchWindow", "EventSequencer", "Outbox", "Poll"]

#: Pause writers above 1 MiB of unacknowledged JSON: enough for ~10k small outputs or
#: a few images, small enough that 10k stalled sessions cannot exhaust a worker.
HIGH_WATER_BYTES: Final = 1024 * 1024
#: Resume below a quarter of that, so a paused task does not flap per command.
LOW_WATER_BYTES: Final = 256 * 1024
#: PyWebIO's ReliableTransport keeps at most 4 unacknowledged HTTP batches.
BATCH_WINDOW: Final = 4


def _size(command: str) -> int:
    """UTF-8 size of an encoded command; ``isascii`` is O(1) on CPython's compact strings."""
    return len(command) if command.isascii() else len(command.encode())


class Outbox:
    """Encoded commands numbered 0, 1, 2, ... retained until the client acks them.

    ``append`` and ``ack`` report crossings of the water marks; the owner turns them
    into ``pause_writing()``/``resume_writing()``. As in asyncio, pausing happens when
    the buffer goes strictly over the high mark and resuming when it is at or below
    the low mark, so either mark may be zero.
    """

    __slots__ = ("_items", "_first_seq", "_bytes", "high_water", "low_water", "paused")

    def __init__(self, high_water: int = HIGH_WATER_BYTES, low_water: int = LOW_WATER_BYTES) -> None:
        if not 0 <= low_water <= high_water:
            raise ValueError(f"need 0 <= low_water <= high_water, got {low_water}, {high_water}")
        #: The retained commands; None while there are none (an idle session's outbox
        #: is empty, and an empty deque still holds a 624-byte block).
        self._items: deque[str] | None = None
        self._first_seq = 0
        self._bytes = 0
        self.high_water = high_water
        self.low_water = low_water
        #: True between a pause and the following resume.
        self.paused = False

    @property
    def first_seq(self) -> int:
        """Seq of the oldest retained command (== next_seq when empty)."""
        return self._first_seq

    @property
    def next_seq(self) -> int:
        """Seq the next appended command will get."""
        return self._first_seq + len(self)

    @property
    def buffered_bytes(self) -> int:
        """Size of the retained commands, the measure the water marks apply to."""
        return self._bytes

    def __len__(self) -> int:
        return 0 if self._items is None else len(self._items)

    def append(self, command: str) -> bool:
        """Retain one encoded command. Returns True when this append paused writing."""
        if self._items is None:
            self._items = deque((command,))
        else:
            self._items.append(command)
        self._bytes += _size(command)
        if not self.paused and self._bytes > self.high_water:
            self.paused = True
            return True
        return False

    def since(self, seq: int, limit: int | None = None) -> list[str]:
        """Retained commands numbered ``seq`` and after (at most ``limit``).

        :raises LocalProtocolError: when ``seq`` names a command already dropped.
        """
        if seq < self._first_seq:
            raise LocalProtocolError(f"command {seq} was already acknowledged (oldest kept: {self._first_seq})")
        items = self._items
        if items is None:
            return []
        start = seq - self._first_seq
        stop = len(items) if limit is None else min(len(items), start + limit)
        if start == 0 and stop == len(items):
            return list(items)
        return [items[i] for i in range(start, stop)]

    def ack(self, seq: int) -> bool:
        """Drop every command numbered ``seq`` or lower. Returns True when writing resumed.

        :raises RemoteProtocolError: when ``seq`` acknowledges a command never sent.
        """
        if seq >= self.next_seq:
            raise RemoteProtocolError(f"ack {abbrev(seq)} is ahead of the last command sent ({self.next_seq - 1})")
        items = self._items
        while items and self._first_seq <= seq:
            self._bytes -= _size(items.popleft())
            self._first_seq += 1
        if not items:
            self._items = None
        if self.paused and self._bytes <= self.low_water:
            self.paused = False
            return True
        return False


@dataclass(frozen=True, slots=True)
class Poll:
    """What an HTTP reply carries: the unacknowledged batches, first one numbered ``seq``."""

    batches: tuple[tuple[str, ...], ...]
    seq: int


class BatchWindow:
    """HTTP view of an Outbox: commands grouped in numbered batches (ReliableTransport).

    Each poll drops the batches the client acknowledged, cuts the commands not yet in
    a batch into a new one while fewer than ``window`` are outstanding, and re-sends
    every outstanding batch; the client skips batches it already executed.
    """

    __slots__ = ("_outbox", "_window", "_batches", "_next_batch")

    def __init__(self, outbox: Outbox, window: int = BATCH_WINDOW) -> None:
        self._outbox = outbox
        self._window = window
        #: (batch id, seq just past the batch's last command), oldest first.
        self._batches: deque[tuple[int, int]] = deque()
        self._next_batch = 0

    @property
    def _cut(self) -> int:
        return self._batches[-1][1] if self._batches else self._outbox.first_seq

    def acknowledge(self, ack: int) -> bool:
        """Drop batches numbered ``ack`` or lower. Returns True when writing resumed.

        :raises RemoteProtocolError: when ``ack`` names a batch never sent.
        """
        if ack >= self._next_batch:
            raise RemoteProtocolError(f"ack {abbrev(ack)} is ahead of the last batch sent ({self._next_batch - 1})")
        end = None
        while self._batches and self._batches[0][0] <= ack:
            end = self._batches.popleft()[1]
        return end is not None and end > self._outbox.first_seq and self._outbox.ack(end - 1)

    def has_news(self) -> bool:
        """True when a poll would carry commands (outstanding or new)."""
        return bool(self._batches) or self._outbox.next_seq > self._cut

    def poll(self) -> Poll:
        """Cut a new batch if allowed and return everything outstanding."""
        cut = self._cut
        if len(self._batches) < self._window and self._outbox.next_seq > cut:
            self._batches.append((self._next_batch, self._outbox.next_seq))
            self._next_batch += 1
        if not self._batches:
            return Poll((), self._next_batch)
        start = self._outbox.first_seq
        items = self._outbox.since(start, self._batches[-1][1] - start)
        out = []
        for _, end in self._batches:
            out.append(tuple(items[: end - start]))
            items = items[end - start :]
            start = end
        return Poll(tuple(out), self._batches[0][0])


class EventSequencer:
    """Inbound de-duplication: events numbered by the client are applied once.

    A client re-sends every unacknowledged event with the seq of the first, so a
    retried POST (or a re-sent WebSocket batch) carries events already applied.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        #: Seq of the last event applied; -1 before any.
        self.last = -1

    def new_part(self, seq: int, count: int) -> range:
        """Indexes (into a batch of ``count`` events numbered from ``seq``) not yet applied.

        Does not advance; call ``advance`` once the events were accepted.

        :raises RemoteProtocolError: (409) when the batch starts past the next expected
            event, which means an earlier batch was lost and events would be skipped.
        """
        if seq > self.last + 1:
            raise RemoteProtocolError(
                f"events start at seq {abbrev(seq)} but {self.last + 1} is the next expected",
                status_hint=HTTPStatus.CONFLICT,
            )
        return range(max(0, self.last + 1 - seq), count)

    def advance(self, seq: int, count: int) -> None:
        """Record that events up to ``seq + count - 1`` were applied."""
        self.last = max(self.last, seq + count - 1)
