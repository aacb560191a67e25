"""Pure tests of the session lifecycle table and the detach clock. No gevent, no sleeping."""

from __future__ import annotations

import itertools

import pytest

from wsgi_webio.core.state import TRANSITIONS, CloseReason, SessionMachine, SessionState, Trigger
from wsgi_webio.errors import LocalProtocolError

NEW, ATTACHED, DETACHED, CLOSED = SessionState.NEW, SessionState.ATTACHED, SessionState.DETACHED, SessionState.CLOSED


def machine_in(state: SessionState) -> SessionMachine:
    """A machine driven to ``state`` through the public API, created at t=0."""
    machine = SessionMachine(now=0.0)
    if state in (ATTACHED, DETACHED):
        machine.attach()
    if state is DETACHED:
        machine.detach(now=1.0)
    if state is CLOSED:
        machine.close(CloseReason.REQUESTED)
    assert machine.state is state
    return machine


def fire(machine: SessionMachine, trigger: Trigger) -> None:
    if trigger is Trigger.ATTACH:
        machine.attach()
    elif trigger is Trigger.DETACH:
        machine.detach(now=5.0)
    else:
        machine.close(CloseReason.EXPIRED)


def snapshot(machine: SessionMachine) -> tuple[object, ...]:
    return (machine.state, machine.attached, machine.detached_since, machine.close_reason)


@pytest.mark.parametrize(
    ("source", "trigger", "target"),
    [
        pytest.param(source, trigger, target, id=f"{source.value} --{trigger.value}--> {target.value}")
        for (source, trigger), target in TRANSITIONS.items()
    ],
)
def test_every_transition(source: SessionState, trigger: Trigger, target: SessionState) -> None:
    machine = machine_in(source)
    fire(machine, trigger)
    assert machine.state is target


def test_transition_table_side_effects() -> None:
    machine = SessionMachine(now=0.0)
    machine.attach()
    assert (machine.attached, machine.detached_since) == (1, None)
    machine.detach(now=7.0)
    assert (machine.state, machine.attached, machine.detached_since) == (DETACHED, 0, 7.0)
    assert machine.close(CloseReason.APP_FINISHED) is True
    assert (machine.state, machine.close_reason) == (CLOSED, CloseReason.APP_FINISHED)


ILLEGAL = {(NEW, Trigger.DETACH), (DETACHED, Trigger.DETACH), (CLOSED, Trigger.ATTACH)}
#: Pairs missing from the table that the public API turns into documented no-ops.
CLOSED_NO_OPS = {(CLOSED, Trigger.DETACH), (CLOSED, Trigger.CLOSE)}


def test_missing_pairs_are_exactly_the_illegal_moves_and_closed_no_ops() -> None:
    missing = set(itertools.product(SessionState, Trigger)) - set(TRANSITIONS)
    assert missing == ILLEGAL | CLOSED_NO_OPS


@pytest.mark.parametrize(
    ("source", "trigger", "match"),
    [
        pytest.param(NEW, Trigger.DETACH, "detach without a matching attach", id="detach a new session"),
        pytest.param(DETACHED, Trigger.DETACH, "detach without a matching attach", id="detach twice"),
        pytest.param(CLOSED, Trigger.ATTACH, "can't attach a session in state closed", id="attach a closed session"),
    ],
)
def test_illegal_move_raises_and_leaves_state_unchanged(source: SessionState, trigger: Trigger, match: str) -> None:
    machine = machine_in(source)
    before = snapshot(machine)
    with pytest.raises(LocalProtocolError, match=match):
        fire(machine, trigger)
    assert snapshot(machine) == before


def test_closed_session_counts_detach_for_its_drain_expiry() -> None:
    machine = machine_in(ATTACHED)
    assert machine.close(CloseReason.SHUTDOWN) is True
    machine.detach(now=9.0)  # the connection that was open when the session closed
    machine.detach(now=9.5)  # a stray second one never goes below zero
    # the clock starts when the last client left, so undelivered commands can expire
    assert snapshot(machine) == (CLOSED, 0, 9.0, CloseReason.SHUTDOWN)


def test_several_http_requests_are_counted() -> None:
    machine = SessionMachine(now=0.0)
    for _ in range(3):
        machine.attach()
    machine.detach(now=1.0)
    machine.detach(now=2.0)
    assert (machine.state, machine.attached, machine.detached_since) == (ATTACHED, 1, None)
    machine.detach(now=3.0)
    assert (machine.state, machine.attached, machine.detached_since) == (DETACHED, 0, 3.0)
    machine.attach()
    assert (machine.state, machine.attached, machine.detached_since) == (ATTACHED, 1, None)


def test_extra_detach_after_the_last_one_is_refused() -> None:
    machine = SessionMachine(now=0.0)
    machine.attach()
    machine.detach(now=1.0)
    with pytest.raises(LocalProtocolError, match="detach without a matching attach"):
        machine.detach(now=2.0)
    assert (machine.state, machine.attached, machine.detached_since) == (DETACHED, 0, 1.0)


@pytest.mark.parametrize(
    ("ops", "now", "expected"),
    [
        pytest.param([], 105.0, False, id="new, within timeout"),
        pytest.param([], 110.0, False, id="new, exactly at timeout"),
        pytest.param([], 110.5, True, id="new, past timeout"),
        pytest.param([("attach", 0.0)], 10_000.0, False, id="attached never expires"),
        pytest.param([("attach", 0.0), ("detach", 200.0)], 210.0, False, id="detached, counted from detach"),
        pytest.param([("attach", 0.0), ("detach", 200.0)], 210.5, True, id="detached, past timeout"),
        pytest.param([("attach", 0.0), ("detach", 200.0), ("attach", 0.0)], 10_000.0, False, id="re-attached"),
        pytest.param([("close", 0.0)], 10_000.0, False, id="closed never expires"),
    ],
)
def test_is_expired(ops: list[tuple[str, float]], now: float, expected: bool) -> None:
    machine = SessionMachine(now=100.0)
    for op, at in ops:
        if op == "attach":
            machine.attach()
        elif op == "detach":
            machine.detach(now=at)
        else:
            machine.close(CloseReason.REQUESTED)
    assert machine.is_expired(now, timeout=10.0) is expected


def test_close_is_idempotent() -> None:
    machine = machine_in(DETACHED)
    assert machine.close(CloseReason.REQUESTED) is True
    assert machine.close(CloseReason.EXPIRED) is False
    assert (machine.state, machine.close_reason) == (CLOSED, CloseReason.REQUESTED)
