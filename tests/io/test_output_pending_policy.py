"""The pending-output policy as a table (wsgi_webio.ui.pending): which step each rule
takes for the oldest queued item. No session, no greenlet, no gevent."""

from __future__ import annotations

import pytest

from wsgi_webio.ui import pending
from wsgi_webio.ui.pending import Rule, State, Step

P, SH, E, SE, D = State.PENDING, State.SHOWING, State.EMBEDDED, State.SENT, State.DISCARDED

# rule, head, held, parked, paused, force -> step
TABLE = [
    # Rule 2 (flush) and rule 4 (task end) send everything sendable, held or not.
    (Rule.FLUSH, P, True, False, False, False, Step.SEND),
    (Rule.FLUSH, SH, None, False, False, False, Step.SEND),
    (Rule.FLUSH, E, False, False, False, False, Step.DROP),
    (Rule.FLUSH, SE, False, False, True, False, Step.DROP),
    (Rule.TASK_END, P, True, False, True, False, Step.SEND),
    (Rule.TASK_END, D, None, False, False, False, Step.DROP),
    # Rule 1 (a new output): the oldest unreferenced ones; a held one stops it, even parked.
    (Rule.CREATE, P, False, False, False, False, Step.SEND),
    (Rule.CREATE, P, True, False, False, False, Step.STOP),
    (Rule.CREATE, P, True, True, False, False, Step.STOP),
    (Rule.CREATE, SH, True, False, False, False, Step.SEND),  # committed: no longer embeddable
    (Rule.CREATE, E, False, False, False, False, Step.DROP),
    # ... without sys.getrefcount nothing is known to be free, until forced.
    (Rule.CREATE, P, None, False, False, False, Step.STOP),
    (Rule.CREATE, P, None, False, False, True, Step.SEND),
    (Rule.CREATE, P, True, False, False, True, Step.SEND),
    # Rule 3 (hub callback): a held one stops it unless its task is parked; a paused outbox drains.
    (Rule.HUB, P, False, False, False, False, Step.SEND),
    (Rule.HUB, P, True, False, False, False, Step.STOP),
    (Rule.HUB, P, True, True, False, False, Step.SEND),
    (Rule.HUB, P, None, False, False, False, Step.SEND),
    (Rule.HUB, P, False, False, True, False, Step.DRAIN),
    (Rule.HUB, E, False, False, True, False, Step.DRAIN),
    (Rule.HUB, P, True, False, True, False, Step.STOP),  # held comes first: nothing to drain yet
    (Rule.HUB, E, True, False, False, False, Step.DROP),
    # The drain task: as the hub callback, but flow control blocks it instead.
    (Rule.DRAIN, P, False, False, True, False, Step.SEND),
    (Rule.DRAIN, P, True, False, True, False, Step.STOP),
    (Rule.DRAIN, P, True, True, False, False, Step.SEND),
    (Rule.DRAIN, SE, True, False, False, False, Step.DROP),
]


@pytest.mark.parametrize(("rule", "head", "held", "parked", "paused", "force", "step"), TABLE)
def test_next_step(rule, head, held, parked, paused, force, step):
    assert pending.next_step(rule, head, held=held, parked=parked, paused=paused, force=force) is step


@pytest.mark.parametrize(("queued", "refcounts", "expected"), [
    (pending.MAX_PENDING - 1, False, False),
    (pending.MAX_PENDING, False, True),
    (pending.MAX_PENDING, True, False),
    (pending.MAX_PENDING_HARD - 1, True, False),
    (pending.MAX_PENDING_HARD, True, True),
])
def test_forced(queued, refcounts, expected):
    assert pending.forced(queued, refcounts) is expected


def test_overflowing():
    assert not pending.overflowing(pending.MAX_PENDING_HARD - 1)
    assert pending.overflowing(pending.MAX_PENDING_HARD)


class Item:
    def __init__(self, state: State) -> None:
        self._state = state


def test_commit_marks_pending_items_up_to_the_one_given():
    items = [Item(P), Item(E), Item(P), Item(P)]
    assert pending.commit(items, upto=items[2])
    assert [i._state for i in items] == [SH, E, SH, P]
    assert pending.commit(items)
    assert [i._state for i in items] == [SH, E, SH, SH]


def test_commit_of_an_item_not_queued_marks_nothing():
    items = [Item(P)]
    assert not pending.commit(items, upto=Item(P))
    assert items[0]._state is P


def test_states_read_well_in_messages():
    assert f"already {State.SENT}" == "already sent"
