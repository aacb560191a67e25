"""When a task's pending outputs are sent: the policy, as pure decisions.

Owns the rules below as functions of plain values (an item's ``State``, whether
something besides the queue holds it, whether its task is parked, whether the
outbox is paused, how many are queued), so that a table of cases tests them with
no session and no greenlet. The gevent driver (``ui/delivery.py``) asks
``next_step`` before each item it takes off a queue and does what it says. Pure:
no gevent, no session, no I/O, no state.

How an output reaches the page, in order and without ``__del__``:

* ``put_xxx()`` builds an ``Output`` that is *pending* on the current task.
* Passing it into another output (``put_table([[put_text("a")]])``) *embeds* it:
  its spec goes inline into the parent and it is never sent on its own.
* A task's pending outputs are sent in creation order, each once:

  1. ``Rule.CREATE``: when the task creates its next output, the oldest ones that
     nothing but the queue refers to any more (a ``put_text("a")`` statement whose
     value was dropped): they can no longer be embedded, so waiting gains nothing.
     An output held in a variable, a list being built or an argument being
     evaluated stays pending, and so does everything after it;
  2. ``Rule.FLUSH``: all of them before any other command the task sends, by
     ``flush_pending()`` (which ``input()`` calls before showing its form), and by
     ``send()`` / ``with`` (up to that output);
  3. ``Rule.HUB``: from a hub callback scheduled when the first one becomes
     pending, which runs as soon as the task yields to the hub for any reason (a
     sleep, a socket): the same oldest-unreferenced ones as rule 1, so that
     ``put_row([put_text("label"), put_text(fetch())])`` with a ``fetch()`` that
     yields never shows "label" on its own and then again in the row. While a
     plain task is parked waiting for a client event it sends them all: that is a
     flush point (the I/O functions flush before they wait, and a ``serial_mode``
     callback loop waits holding its last callback's return value). When the
     outbox is paused the hub callback, which must not block, hands the rest to a
     drain task (``Rule.DRAIN``, the same choice, flow-controlled);
  4. ``Rule.TASK_END``: all that is left when the task ends.

  Trade-off of rule 3: an output held in a variable while the task blocks (``x =
  put_text("wait"); gevent.sleep(5)``) is shown when the task reaches its next
  flush point (rule 2 or 4, or rule 1 once ``x`` is released), much as PyWebIO
  shows it only when the variable is released; that is what rules out duplicates.
  Rules 1 and 3 read ``sys.getrefcount``; where that does not exist, the task
  sends all it has once ``MAX_PENDING`` are queued, and the hub callback sends all
  (an output built into a parent across a yield may then show twice). Past
  ``MAX_PENDING_HARD`` queued, all are sent.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final, Protocol

__all__ = ["MAX_PENDING", "MAX_PENDING_HARD", "Rule", "State", "Step", "commit", "forced", "next_step",
           "overflowing"]

#: Without ``sys.getrefcount`` (PyPy), a task sends all it has queued at this many:
#: a ``while True: put_text(...)`` loop then meets flow control within a hundred
#: outputs, and building a row or a small table rarely gets there.
MAX_PENDING: Final = 100
#: Past this many queued, even outputs the app still holds are sent (oldest first), so
#: memory stays bounded; one of them embedded later is then shown twice. A coroutine
#: queueing this many behind a flush that waits for its client closes its session.
MAX_PENDING_HARD: Final = 5000


class State(enum.StrEnum):
    """Where a queued item is in its life (the str reads well in error messages)."""

    #: Created, not sent: may still be embedded into another output.
    PENDING = "pending"
    #: To be sent, in order, by a flush under way (a coroutine's ``send()``): no longer embeddable.
    SHOWING = "shown"
    EMBEDDED = "embedded"
    SENT = "sent"
    DISCARDED = "discarded"


class Rule(enum.Enum):
    """Which of the module docstring's rules is taking items off a queue."""

    CREATE = 1
    FLUSH = 2
    HUB = 3
    DRAIN = 4
    TASK_END = 5


class Step(enum.Enum):
    """What to do with the oldest queued item."""

    #: Take it off and send it.
    SEND = "send"
    #: Take it off without sending (embedded, discarded or already sent).
    DROP = "drop"
    #: Leave it and everything after it queued.
    STOP = "stop"
    #: Leave them to a drain task: the outbox is paused and a hub callback cannot wait.
    DRAIN = "drain"


class Stateful(Protocol):
    """A queued item: an ``Output``, or a command queued behind a flush."""

    _state: State


def sendable(state: State) -> bool:
    return state is State.PENDING or state is State.SHOWING


def forced(queued: int, refcounts: bool) -> bool:
    """Rule 1 sends everything, held or not, at this many queued (fewer where
    ``sys.getrefcount`` does not exist, since nothing else ever sends them)."""
    return queued >= (MAX_PENDING_HARD if refcounts else MAX_PENDING)


def overflowing(queued: int) -> bool:
    """A coroutine's queue behind a waiting flush is full: its session must close."""
    return queued >= MAX_PENDING_HARD


def next_step(rule: Rule, head: State, *, held: bool | None, parked: bool = False, paused: bool = False,
              force: bool = False) -> Step:
    """The step for the oldest queued item, in state ``head``.

    :param held: whether something besides the queue refers to it (None: unknown,
        no ``sys.getrefcount``).
    :param parked: its task waits for a client event (a flush point).
    :param paused: the session's outbox is over its high-water mark.
    :param force: ``forced()`` held when rule 1 began.
    """
    keeps = held is True and head is State.PENDING  # may still be embedded
    if rule is Rule.CREATE and not force and (held is None or keeps):
        return Step.STOP
    if rule in (Rule.HUB, Rule.DRAIN) and keeps and not parked:
        return Step.STOP
    if rule is Rule.HUB and paused:
        return Step.DRAIN
    return Step.SEND if sendable(head) else Step.DROP


def commit(items: Iterable[Stateful], upto: Stateful | None = None) -> bool:
    """Mark the pending items (up to and including ``upto``) as to be shown: a flush
    under way then sends them in order and they can no longer be embedded. False,
    and nothing marked, if ``upto`` is not among them."""
    items = list(items)
    if upto is not None and not any(item is upto for item in items):
        return False
    for item in items:
        if item._state is State.PENDING:
            item._state = State.SHOWING
        if item is upto:
            break
    return True
