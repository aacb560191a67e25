"""Coroutines never wait for a slow client: an ``async def`` app's outputs run in the
hub's asyncio loop greenlet, shared by every async session of the worker, so they
queue behind a flush that waits for the client instead of blocking the loop
(wsgi_webio.ui.delivery, "Coroutines get no backpressure")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import pytest

from tests.io.test_output_pending import texts
from tests.runtime.conftest import Driver, FakeClock, make_info
from wsgi_webio.core.state import CloseReason
from wsgi_webio.options import WebIOConfig
from wsgi_webio.output import flush_pending, put_collapse, put_row, put_text, toast
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.runtime.session import Session
from wsgi_webio.testing import open_app
from wsgi_webio.ui import pending

BIG = "z" * 200


@pytest.fixture
def stalled() -> Iterator[Callable[..., tuple[Session, Driver]]]:
    """Start an app whose client reads nothing until the test drives its Driver."""
    registries: list[SessionRegistry] = []

    def starter(app: Callable[[], Any]) -> tuple[Session, Driver]:
        registry = SessionRegistry(WebIOConfig(high_water=1000, low_water=0), FakeClock())
        registries.append(registry)
        session = registry.create(app, make_info())
        return session, Driver(session)

    yield starter
    for registry in registries:
        registry.close_all()


async def stall_behind_a_drain() -> None:
    """Leave outputs for the hub callback, which sends until the outbox is over its
    mark and hands the rest to a drain task that waits for the client, holding the
    task's queue."""
    held = [put_text(BIG) for _ in range(20)]
    del held
    await asyncio.sleep(0.01)


def wait_for_drain_blocked(session: Session) -> None:
    with gevent.Timeout(2):
        while not (session.link.paused and any(t.waiting_flow for t in session.tasks())):
            gevent.sleep(0)


def read_all(driver: Driver, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    with gevent.Timeout(2):
        while len([c for c in got if c["command"] != "close_session"]) < count:
            got += driver.commands()
            gevent.sleep(0)
    return got


def test_a_stalled_async_session_does_not_freeze_the_other_async_sessions(stalled):
    made: list[int] = []

    async def flooder():
        await stall_behind_a_drain()
        for _ in range(20):
            for _ in range(10):
                put_text("y" * 50)  # queued behind the drain; the loop goes on
                made.append(1)
            await asyncio.sleep(0.001)
        while True:
            await asyncio.sleep(0.01)

    async def ticker():
        for i in range(20):
            put_text(f"tick {i}")
            await asyncio.sleep(0.01)

    session, driver = stalled(flooder)
    wait_for_drain_blocked(session)
    buffered = session.link.buffered_bytes
    with open_app(ticker, timeout=2) as page:
        page.wait_for_text("tick 19")
    assert len(made) == 200  # the flooder went on too, without blocking anybody
    assert session.link.buffered_bytes == buffered  # all of it waits behind the drain
    assert not session.is_closed
    # Once the client reads, everything arrives, in creation order.
    assert texts(read_all(driver, 220)) == [BIG] * 20 + ["y" * 50] * 200


def test_a_coroutine_behind_a_waiting_flush_keeps_its_order(stalled):
    done: list[str] = []

    async def app():
        await stall_behind_a_drain()
        put_text("p1")
        toast("t1")  # a command: queued behind the outputs
        shown = put_text("h")
        shown.send()  # committed to the flush: sent in order, no longer embeddable
        put_row([shown, "r"])  # so the row gets a copy
        with put_collapse("c"):  # entering sends it (in order) and makes it the scope
            put_text("inside")
        kept = put_text("k")
        flush_pending()
        done.append("ok")
        put_row([kept])  # flushed above: a copy again
        while True:
            await asyncio.sleep(0.01)

    session, driver = stalled(app)
    wait_for_drain_blocked(session)
    with gevent.Timeout(2):
        while not done:
            gevent.sleep(0)
    got = read_all(driver, 28)
    assert [c["command"] for c in got[20:]] == ["output", "toast", "output", "output", "output", "output", "output",
                                                "output"]
    assert texts(got)[20:] == ["p1", "h", "h+r", "", "inside", "k", "k"]
    collapse = got[24]["spec"]
    assert collapse["type"] == "collapse" and got[25]["spec"]["scope"] == "#" + collapse["dom_id"]
    assert not session.is_closed


def test_a_coroutine_queueing_without_bound_behind_a_stalled_client_closes_its_session(stalled, monkeypatch):
    monkeypatch.setattr(pending, "MAX_PENDING_HARD", 50)
    made: list[int] = []

    async def flooder():
        await stall_behind_a_drain()
        while True:
            put_text("y")
            made.append(1)
            await asyncio.sleep(0)

    session, _ = stalled(flooder)
    assert session.join(2)
    assert session.link.close_reason is CloseReason.LIMIT
    assert 0 < len(made) <= 50
