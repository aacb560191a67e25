"""Waiting for a session's tasks to settle.

Owns the signal a task gives when it changes state (blocks on its client, waits on
flow control, or ends) and the bounded wait on it that a request uses to answer
once the tasks it woke have settled. Must not decide what "settled" means for a
task (``Task.settled``) or hold anything but the signal.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent
import gevent.event

__all__ = ["SettleSignal"]


class SettleSignal:
    """Wakes whoever waits for a session's tasks to change state."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        #: Created by the first wait; None when nobody waits.
        self._event: gevent.event.Event | None = None

    def pulse(self) -> None:
        """A task changed state: wake the waits, which check their condition again."""
        ev = self._event
        if ev is not None:
            self._event = None
            ev.set()

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``ready()`` (checked at each pulse) or ``timeout``. True if ready."""
        # gevent: False for an exception means "just leave the with block".
        with gevent.Timeout(timeout, False):  # type: ignore[arg-type]
            while not ready():
                if self._event is None:
                    self._event = gevent.event.Event()
                self._event.wait()
            return True
        return False  # type: ignore[unreachable]  # reached when the timeout fires
