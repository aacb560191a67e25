"""Pure tests of SessionLink: events in, commands out, acks, resume, flow control and
lifecycle, driven as a client would, with no sockets, no greenlets and no gevent."""

from __future__ import annotations

import random
from typing import Any

import pytest

from wsgi_webio.core.link import HARD_LIMIT_FACTOR, Flow, SessionLink
from wsgi_webio.core.state import CloseReason, SessionState
from wsgi_webio.errors import LocalProtocolError, RemoteProtocolError
from wsgi_webio.protocol import CLOSE_SESSION, ClientEvent, EventBatch

EVENTS = tuple(ClientEvent("callback", "CB-1", i) for i in range(5))


def link_with(*commands: str, high: int = 1 << 20, low: int = 0) -> SessionLink:
    link = SessionLink(0.0, high_water=high, low_water=low)
    for command in commands:
        link.send(command)
    return link


class Recorder:
    """A ``deliver`` function that records what it got and answers as told."""

    def __init__(self, refuse: int | None = None) -> None:
        self.calls: list[tuple[ClientEvent, ...]] = []
        self.refuse = refuse

    def __call__(self, events: tuple[ClientEvent, ...]) -> str:
        self.calls.append(events)
        if self.refuse is not None:
            raise RemoteProtocolError("refused", status_hint=self.refuse)
        return "delivered"


# --- events in: (events handled before, batch seq, events in batch, deliver refuses with)
#     -> (events delivered, last handled after, status raised)
RECEIVE_CASES = [
    pytest.param(-1, None, 2, None, EVENTS[:2], -1, None, id="unnumbered: delivered, not counted"),
    pytest.param(-1, 0, 2, None, EVENTS[:2], 1, None, id="first batch"),
    pytest.param(1, 0, 2, None, (), 1, None, id="retried batch: nothing new"),
    pytest.param(1, 0, 4, None, EVENTS[2:4], 3, None, id="retry with new events: only the new part"),
    pytest.param(1, 2, 3, None, EVENTS[:3], 4, None, id="next batch"),
    pytest.param(1, 5, 1, None, None, 1, 409, id="gap: an earlier batch was lost"),
    pytest.param(1, 2, 2, 400, EVENTS[:2], 3, 400, id="refused as invalid: counts as handled"),
    pytest.param(1, 2, 2, 429, EVENTS[:2], 1, 429, id="refused for now: may be retried"),
    pytest.param(1, 2, 2, 410, EVENTS[:2], 1, 410, id="session closed: not counted"),
    pytest.param(-1, None, 2, 400, EVENTS[:2], -1, 400, id="unnumbered refusal: nothing to count"),
]


@pytest.mark.parametrize(("before", "seq", "count", "refuse", "delivered", "after", "status"), RECEIVE_CASES)
def test_receive(before: int, seq: int | None, count: int, refuse: int | None,
                 delivered: tuple[ClientEvent, ...] | None, after: int, status: int | None) -> None:
    link = SessionLink(0.0)
    if before >= 0:
        link.receive(EventBatch(EVENTS[: before + 1], 0), Recorder())
    deliver = Recorder(refuse)
    batch = EventBatch(EVENTS[:count], seq)
    if status is None:
        assert link.receive(batch, deliver) == "delivered"
    else:
        with pytest.raises(RemoteProtocolError) as info:
            link.receive(batch, deliver)
        assert info.value.status_hint == status
    assert deliver.calls == ([] if delivered is None else [delivered])
    assert link.last_event_seq == after


# --- commands out, one by one (WebSocket): (commands sent, ack, the client's sent) -> first_seq or error
ACK_CASES = [
    pytest.param(3, 1, None, 2, None, id="drops what was acknowledged"),
    pytest.param(3, 2, None, 3, None, id="everything"),
    pytest.param(3, -1, None, 0, None, id="ack -1: nothing yet"),
    pytest.param(3, 3, None, 0, "ack 3 is ahead of the last command sent \\(2\\)", id="ahead of the link"),
    pytest.param(3, 1, 1, 0, "ack 1 is ahead of the last command sent \\(0\\)", id="ahead of this connection"),
    pytest.param(3, 0, 1, 1, None, id="within this connection"),
]


@pytest.mark.parametrize(("sent", "ack", "given", "first_seq", "error"), ACK_CASES)
def test_ack(sent: int, ack: int, given: int | None, first_seq: int, error: str | None) -> None:
    link = link_with(*[f"c{i}" for i in range(sent)])
    if error is None:
        assert link.ack(ack, given) is Flow.STEADY
    else:
        with pytest.raises(RemoteProtocolError, match=error):
            link.ack(ack, given)
    assert (link.first_seq, link.next_seq) == (first_seq, sent)
    assert link.since(first_seq) == [f"c{i}" for i in range(first_seq, sent)]


@pytest.mark.parametrize("call", [
    pytest.param(lambda link, n: link.ack(n), id="ack"),
    pytest.param(lambda link, n: link.ack(n, 1), id="ack past this connection"),
    pytest.param(lambda link, n: link.ack_batches(n), id="ack of batches"),
    pytest.param(lambda link, n: link.resume_from(n), id="resume"),
    pytest.param(lambda link, n: link.receive(EventBatch(EVENTS[:1], n), Recorder()), id="event seq"),
])
def test_refusals_of_huge_numbers_stay_short(call: Any) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        call(link_with("a"), int("9" * 4000))  # a client's JSON may carry any integer
    assert len(info.value.message) < 120


def test_old_ack_changes_nothing() -> None:
    link = link_with("a", "b", "c")
    link.ack(1)
    assert link.ack(0) is Flow.STEADY  # a retried request's ack
    assert (link.first_seq, link.since(2)) == (2, ["c"])
    with pytest.raises(LocalProtocolError):
        link.since(1)  # acknowledged: gone


# --- flow control: the signals a sequence of sends and acks gives (high 10, low 4)
FLOW_STEPS: list[tuple[str, Any, Flow, bool]] = [
    ("send", "aaaa", Flow.STEADY, False),  # 4 bytes
    ("send", "bbbb", Flow.STEADY, False),  # 8
    ("send", "cc", Flow.STEADY, False),  # 10: at the mark is not over it
    ("send", "d", Flow.PAUSE, True),  # 11
    ("send", "e", Flow.STEADY, True),  # paused already: one PAUSE only
    ("ack", 0, Flow.STEADY, True),  # 8: still over the low mark
    ("ack", 1, Flow.RESUME, False),  # 4: at the low mark
    ("ack", 3, Flow.STEADY, False),  # nothing more to resume
]


def test_flow_signals_pause_once_and_resume_at_the_low_mark() -> None:
    link = SessionLink(0.0, high_water=10, low_water=4)
    for i, (op, arg, signal, paused) in enumerate(FLOW_STEPS):
        got = link.send(arg) if op == "send" else link.ack(arg)
        assert (got, link.paused) == (signal, paused), f"step {i}: {op} {arg!r}"


def test_close_unpauses_and_queues_close_session() -> None:
    link = link_with("x" * 20, high=10, low=4)
    assert link.paused
    assert link.close(CloseReason.EXPIRED)
    assert not link.paused and link.since(0)[-1] == CLOSE_SESSION
    assert (link.state, link.close_reason) == (SessionState.CLOSED, CloseReason.EXPIRED)
    assert not link.close(CloseReason.REQUESTED)  # idempotent: nothing queued twice
    assert link.since(0).count(CLOSE_SESSION) == 1 and link.close_reason is CloseReason.EXPIRED
    with pytest.raises(LocalProtocolError, match="nothing goes after close_session"):
        link.send("late")
    assert link.since(0)[-1] == CLOSE_SESSION


@pytest.mark.parametrize(("buffered", "overflowing"), [
    pytest.param(HARD_LIMIT_FACTOR * 10, False, id="at the hard limit"),
    pytest.param(HARD_LIMIT_FACTOR * 10 + 1, True, id="past it"),
])
def test_overflowing_past_the_hard_limit(buffered: int, overflowing: bool) -> None:
    assert link_with("x" * buffered, high=10, low=4).is_overflowing() is overflowing


# --- resume after a reconnect: (commands sent, acknowledged up to, client's ack) -> start or error
RESUME_CASES = [
    pytest.param(5, -1, None, 0, id="PyWebIO's client: from the oldest kept"),
    pytest.param(5, 1, None, 2, id="PyWebIO's client after acks"),
    pytest.param(5, -1, -1, 0, id="nothing executed yet"),
    pytest.param(5, 1, 2, 3, id="after its ack"),
    pytest.param(5, 1, 4, 5, id="had everything"),
    pytest.param(5, 1, 0, None, id="asks for acknowledged commands"),
    pytest.param(5, 1, 5, None, id="ack ahead of every command"),
]


@pytest.mark.parametrize(("sent", "acked", "client_ack", "start"), RESUME_CASES)
def test_resume_from(sent: int, acked: int, client_ack: int | None, start: int | None) -> None:
    link = link_with(*[f"c{i}" for i in range(sent)])
    if acked >= 0:
        link.ack(acked)
    if start is not None:
        assert link.resume_from(client_ack) == start
        return
    with pytest.raises(RemoteProtocolError, match="cannot resume from command") as info:
        link.resume_from(client_ack)
    assert info.value.close_code == 1008


def test_commands_reach_a_reconnecting_client_exactly_once() -> None:
    """A client that drops its connection at random points, and comes back with its
    ack, executes every command once and in order."""
    rng = random.Random(10)
    link = SessionLink(0.0)
    executed: list[str] = []
    acked: int | None = -1
    made = 0
    for _ in range(300):
        for _ in range(rng.randrange(4)):
            link.send(f"c{made}")
            made += 1
        start = link.resume_from(acked)  # a new connection
        received = link.since(start)[: rng.randrange(5)]  # the rest is lost with the connection
        executed += received
        if received and rng.random() < 0.7:
            acked = start + len(received) - 1
            link.ack(acked)
        elif received:
            acked = start + len(received) - 1  # executed, ack lost: the next resume says so
    executed += link.since(link.resume_from(acked))
    assert executed == [f"c{i}" for i in range(made)]


# --- HTTP batches


def test_http_batches_ack_resumes_writers() -> None:
    link = link_with("aaaa", "bbbb", "cccc", high=10, low=4)
    assert link.paused and link.has_news()
    poll = link.poll()
    assert (poll.batches, poll.seq) == ((("aaaa", "bbbb", "cccc"),), 0)
    link.send("d")
    assert link.poll().batches == (("aaaa", "bbbb", "cccc"), ("d",))
    assert link.ack_batches(0) is Flow.RESUME and not link.paused
    assert (link.first_seq, link.poll().batches) == (3, (("d",),))
    with pytest.raises(RemoteProtocolError, match="ack 5 is ahead of the last batch sent"):
        link.ack_batches(5)


# --- lifecycle: what the registry and transports ask


def test_lifecycle_questions() -> None:
    link = link_with("a")
    link.attach()
    assert (link.state, link.attached) == (SessionState.ATTACHED, 1)
    link.detach(10.0)
    assert not link.is_expired(14.0, 5.0) and link.is_expired(16.0, 5.0)
    link.close(CloseReason.EXPIRED)
    assert not link.is_expired(100.0, 5.0)  # closed: nothing left to expire
    assert not link.is_delivered and not link.is_forgettable()  # "a" and close_session are owed
    assert not link.is_forgettable(14.0, 5.0) and link.is_forgettable(16.0, 5.0)  # client gone too long
    link.ack(1)
    assert link.is_delivered and link.is_forgettable()
    with pytest.raises(LocalProtocolError):
        link.attach()  # closed: no new client


def test_attached_closed_session_is_not_forgettable() -> None:
    link = SessionLink(0.0)
    link.attach()
    link.close(CloseReason.REQUESTED)
    link.ack(0)
    assert link.is_delivered and not link.is_forgettable()
    link.detach(1.0)
    assert link.is_forgettable()
