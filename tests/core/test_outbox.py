"""Pure tests of the outbox: seq/ack window, water marks, HTTP batches, inbound dedupe."""

from __future__ import annotations

import random

import pytest

from wsgi_webio.core.outbox import BatchWindow, EventSequencer, Outbox, Poll
from wsgi_webio.errors import LocalProtocolError, RemoteProtocolError


def filled(*commands: str, high: int = 1 << 20, low: int = 0) -> Outbox:
    outbox = Outbox(high_water=high, low_water=low)
    for command in commands:
        outbox.append(command)
    return outbox


# --- Outbox: numbering, since, ack


def test_outbox_numbers_commands_from_zero() -> None:
    outbox = filled("a", "b", "c")
    assert (outbox.first_seq, outbox.next_seq, len(outbox)) == (0, 3, 3)
    assert outbox.since(0) == ["a", "b", "c"]
    assert outbox.buffered_bytes == 3


@pytest.mark.parametrize(
    ("seq", "limit", "expected"),
    [
        pytest.param(0, None, ["a", "b", "c", "d"], id="everything"),
        pytest.param(2, None, ["c", "d"], id="from the middle"),
        pytest.param(4, None, [], id="from next_seq"),
        pytest.param(1, 2, ["b", "c"], id="limited"),
        pytest.param(3, 10, ["d"], id="limit past the end"),
        pytest.param(0, 0, [], id="limit zero"),
    ],
)
def test_outbox_since(seq: int, limit: int | None, expected: list[str]) -> None:
    assert filled("a", "b", "c", "d").since(seq, limit) == expected


def test_outbox_ack_drops_acknowledged_commands() -> None:
    outbox = filled("a", "bb", "ccc")
    outbox.ack(1)
    assert (outbox.first_seq, outbox.next_seq, outbox.buffered_bytes) == (2, 3, 3)
    assert outbox.since(2) == ["ccc"]
    outbox.ack(0)  # an older ack again (a retried request) changes nothing
    assert (outbox.first_seq, outbox.since(2)) == (2, ["ccc"])


@pytest.mark.parametrize("ack", [pytest.param(3, id="next_seq"), pytest.param(99, id="far ahead")])
def test_outbox_ack_ahead_is_refused(ack: int) -> None:
    outbox = filled("a", "b", "c")
    with pytest.raises(RemoteProtocolError, match=f"ack {ack} is ahead of the last command sent \\(2\\)") as info:
        outbox.ack(ack)
    assert info.value.status_hint == 400
    assert (outbox.first_seq, outbox.since(0)) == (0, ["a", "b", "c"])  # unchanged


def test_outbox_since_dropped_seq_is_local_error() -> None:
    outbox = filled("a", "b", "c")
    outbox.ack(1)
    with pytest.raises(LocalProtocolError, match=r"command 1 was already acknowledged \(oldest kept: 2\)"):
        outbox.since(1)


def test_outbox_buffered_bytes_counts_utf8_bytes() -> None:
    # The marks are documented in bytes (HIGH_WATER_BYTES) and commands are encoded with
    # ensure_ascii=False, so a non-ASCII command is larger on the wire than in characters.
    outbox = filled('"é"', '"漢"')
    assert outbox.buffered_bytes == len('"é"'.encode()) + len('"漢"'.encode())


# --- Outbox: water marks (asyncio's contract: pause strictly over high, resume at/below low)

Op = tuple[str, int]  # ("append", n characters) or ("ack", seq)


@pytest.mark.parametrize(
    ("high", "low", "ops", "reports", "paused"),
    [
        pytest.param(10, 5, [("append", 10)], [False], False, id="at high does not pause"),
        pytest.param(10, 5, [("append", 11)], [True], True, id="strictly over high pauses"),
        pytest.param(
            10, 5, [("append", 6), ("append", 6), ("append", 1)], [False, True, False], True, id="pause reported once"
        ),
        pytest.param(
            10,
            5,
            [("append", 3), ("append", 3), ("append", 5), ("ack", 0), ("ack", 1)],
            [False, False, True, False, True],
            False,
            id="resume only at low",
        ),
        pytest.param(
            10,
            5,
            [("append", 11), ("append", 1), ("ack", 0), ("append", 1), ("ack", 1)],
            [True, False, True, False, False],
            False,
            id="resume reported once",
        ),
        pytest.param(
            10,
            5,
            [("append", 11), ("ack", 0), ("append", 11)],
            [True, True, True],
            True,
            id="pauses again after resume",
        ),
        pytest.param(0, 0, [("append", 0)], [False], False, id="zero marks, empty command"),
        pytest.param(
            0,
            0,
            [("append", 1), ("append", 1), ("ack", 0), ("ack", 1)],
            [True, False, False, True],
            False,
            id="zero marks",
        ),
        pytest.param(5, 5, [("append", 6), ("ack", 0)], [True, True], False, id="low equals high"),
    ],
)
def test_outbox_water_marks(high: int, low: int, ops: list[Op], reports: list[bool], paused: bool) -> None:
    outbox = Outbox(high_water=high, low_water=low)
    results = []
    for op, arg in ops:
        results.append(outbox.append("x" * arg) if op == "append" else outbox.ack(arg))
    assert results == reports
    assert outbox.paused is paused


@pytest.mark.parametrize(
    ("high", "low"), [pytest.param(5, 6, id="low above high"), pytest.param(5, -1, id="negative low")]
)
def test_outbox_refuses_bad_marks(high: int, low: int) -> None:
    with pytest.raises(ValueError, match=f"got {low}, {high}"):
        Outbox(high_water=high, low_water=low)


# --- BatchWindow (PyWebIO's ReliableTransport, message_window=4)


def test_first_poll_cuts_batch_zero() -> None:
    window = BatchWindow(filled("a", "b"))
    assert window.poll() == Poll((("a", "b"),), 0)


def test_poll_with_nothing_sent_is_empty() -> None:
    assert BatchWindow(Outbox()).poll() == Poll((), 0)


def test_poll_resends_unacknowledged_batches() -> None:
    outbox = filled("a", "b")
    window = BatchWindow(outbox)
    window.poll()
    outbox.append("c")
    assert window.poll() == Poll((("a", "b"), ("c",)), 0)
    assert window.poll() == Poll((("a", "b"), ("c",)), 0)  # nothing new: same batches again


def test_window_of_four_stops_cutting_new_batches() -> None:
    outbox = Outbox()
    window = BatchWindow(outbox)
    for name in "abcd":
        outbox.append(name)
        window.poll()
    outbox.append("e")
    assert window.poll() == Poll((("a",), ("b",), ("c",), ("d",)), 0)  # "e" waits
    window.acknowledge(1)
    assert window.poll() == Poll((("c",), ("d",), ("e",)), 2)


def test_acknowledge_drops_batches_and_acks_outbox() -> None:
    outbox = filled("a", "b")
    window = BatchWindow(outbox)
    window.poll()
    outbox.append("c")
    window.poll()
    assert window.acknowledge(0) is False
    assert (outbox.first_seq, len(outbox)) == (2, 1)
    assert window.poll() == Poll((("c",),), 1)


@pytest.mark.parametrize(
    ("polls", "ack"),
    [pytest.param(0, 0, id="ack before any batch"), pytest.param(1, 1, id="ack past the last batch")],
)
def test_acknowledge_ahead_of_batches_is_refused(polls: int, ack: int) -> None:
    window = BatchWindow(filled("a"))
    for _ in range(polls):
        window.poll()
    with pytest.raises(RemoteProtocolError, match=f"ack {ack} is ahead of the last batch sent") as info:
        window.acknowledge(ack)
    assert info.value.status_hint == 400


def test_acknowledge_minus_one_is_a_no_op() -> None:
    outbox = filled("a")
    window = BatchWindow(outbox)
    assert window.acknowledge(-1) is False
    window.poll()
    assert window.acknowledge(-1) is False
    assert window.poll() == Poll((("a",),), 0)


def test_acknowledge_reports_resume() -> None:
    outbox = Outbox(high_water=1, low_water=0)
    window = BatchWindow(outbox)
    assert outbox.append("ab") is True
    window.poll()
    assert window.acknowledge(0) is True
    assert outbox.paused is False


def test_has_news() -> None:
    outbox = Outbox()
    window = BatchWindow(outbox)
    assert window.has_news() is False
    outbox.append("a")
    assert window.has_news() is True  # new commands
    window.poll()
    assert window.has_news() is True  # an outstanding batch
    window.acknowledge(0)
    assert window.has_news() is False


class PyWebIOClient:
    """The HTTP client's batch handling (webiojs HttpSession): skip executed batches, ack the last."""

    def __init__(self) -> None:
        self.executed_id = -1
        self.executed: list[str] = []

    def receive(self, poll: Poll) -> None:
        start = self.executed_id - poll.seq + 1
        assert start >= 0, f"a batch was skipped: executed {self.executed_id}, reply starts at {poll.seq}"
        for batch in poll.batches[start:]:
            self.executed.extend(batch)
        self.executed_id = max(self.executed_id, poll.seq + len(poll.batches) - 1)

    def request(self, window: BatchWindow) -> Poll:
        window.acknowledge(self.executed_id)
        return window.poll()


@pytest.mark.parametrize("window_size", [pytest.param(4, id="window 4"), pytest.param(1, id="window 1")])
@pytest.mark.parametrize("seed", range(6))
def test_client_loop_executes_every_command_once_in_order(seed: int, window_size: int) -> None:
    rng = random.Random(seed)
    outbox = Outbox(high_water=64, low_water=16)
    window, client, sent = BatchWindow(outbox, window_size), PyWebIOClient(), []
    for _ in range(400):
        roll = rng.random()
        if roll < 0.5:
            sent.append(f'{{"n":{len(sent)}}}')
            outbox.append(sent[-1])
        elif roll < 0.7:
            client.request(window)  # reply lost
        elif roll < 0.8:
            first, second = client.request(window), client.request(window)  # overlapping polls
            client.receive(second)
            client.receive(first)
        else:
            client.receive(client.request(window))
    for _ in range(len(sent) + 2):
        client.receive(client.request(window))
    assert client.executed == sent
    assert (window.has_news(), len(outbox), outbox.paused) == (False, 0, False)


# --- EventSequencer


@pytest.mark.parametrize(
    ("applied", "seq", "count", "expected"),
    [
        pytest.param(None, 0, 3, [0, 1, 2], id="fresh events"),
        pytest.param(None, 0, 0, [], id="empty batch"),
        pytest.param((0, 3), 0, 3, [], id="full duplicate"),
        pytest.param((0, 3), 1, 2, [], id="duplicate tail"),
        pytest.param((0, 3), 1, 4, [2, 3], id="partial overlap"),
        pytest.param((0, 3), 3, 2, [0, 1], id="exactly the next"),
    ],
)
def test_event_sequencer_new_part(applied: tuple[int, int] | None, seq: int, count: int, expected: list[int]) -> None:
    sequencer = EventSequencer()
    if applied is not None:
        sequencer.advance(*applied)
    last = sequencer.last
    assert list(sequencer.new_part(seq, count)) == expected
    assert sequencer.last == last  # new_part does not advance


@pytest.mark.parametrize(
    ("applied", "seq", "match"),
    [
        pytest.param(None, 1, r"events start at seq 1 but 0 is the next expected", id="first batch lost"),
        pytest.param((0, 3), 4, r"events start at seq 4 but 3 is the next expected", id="gap after three"),
    ],
)
def test_event_sequencer_gap_is_conflict(applied: tuple[int, int] | None, seq: int, match: str) -> None:
    sequencer = EventSequencer()
    if applied is not None:
        sequencer.advance(*applied)
    with pytest.raises(RemoteProtocolError, match=match) as info:
        sequencer.new_part(seq, 1)
    assert info.value.status_hint == 409


def test_event_sequencer_advance_never_goes_back() -> None:
    sequencer = EventSequencer()
    sequencer.advance(0, 5)
    sequencer.advance(1, 2)  # a re-sent older batch
    assert sequencer.last == 4
    assert list(sequencer.new_part(2, 4)) == [3]
