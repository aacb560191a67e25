"""Each output shows once and none is lost: the hub callback leaves outputs that are
still referenced (being built into a parent, or held) for the task's next flush
point or its end, and a flush that stops early hands what it left back to the hub
callback (wsgi_webio.ui.pending, rules 3 and 4)."""

from __future__ import annotations

import asyncio

import gevent
import gevent.event

from tests.io.test_output_pending import texts
from wsgi_webio.output import put_row, put_text
from wsgi_webio.testing import open_app

BIG = "z" * 1200  # over the 1000-byte high-water mark on its own


def shown_once(page, text):
    """``text`` is on the page exactly once, inside a row with the fetched value."""
    assert page.text.count(text) == 1, page.text
    (row,) = page.find(type="row")
    assert [child.text for child in row.children] == [text, "fetched"]


def test_an_output_built_into_a_parent_across_a_yield_shows_once():
    def fetch():
        gevent.sleep(0.01)  # the hub runs meanwhile: "label" is pending, on the caller's stack
        return "fetched"

    def app():
        put_row([put_text("label"), put_text(fetch())])
        put_text("end")

    with open_app(app) as page:
        page.wait_for_text("end")
        shown_once(page, "label")


def test_an_output_built_into_a_parent_across_an_await_shows_once():
    async def fetch():
        await asyncio.sleep(0.01)
        return "fetched"

    async def app():
        put_row([put_text("label"), put_text(await fetch())])
        put_text("end")

    with open_app(app) as page:
        page.wait_for_text("end")
        shown_once(page, "label")


def test_an_output_held_while_the_task_waits_shows_once_where_it_is_used(start):
    release = gevent.event.Event()
    waiting = []

    def app():
        held = put_text("held")
        put_text("after")
        waiting.append(True)
        release.wait()
        put_row([held, put_text("fetched")])

    _, driver = start(app)
    with gevent.Timeout(2):
        while not waiting:
            gevent.sleep(0)
    gevent.sleep(0)  # the hub callback scheduled at the first output runs before this returns
    # The trade-off: "held" (and what follows it) waits for the task's next flush point.
    assert driver.commands() == []
    release.set()
    got = []
    with gevent.Timeout(2):
        while not got or got[-1]["command"] != "close_session":
            got += driver.commands()
            gevent.sleep(0)
    assert texts(got) == ["after", "held+fetched"]


def test_a_task_that_ends_holding_an_output_still_shows_it():
    def app():
        kept = put_text("kept")
        gevent.sleep(0.01)  # the hub callback sees it held and leaves it to the task's end
        assert kept

    async def async_app():
        kept = put_text("kept")
        await asyncio.sleep(0.01)
        assert kept

    for main in (app, async_app):
        with open_app(main) as page:
            page.wait_closed()
            assert page.text == "kept"


def test_outputs_behind_a_flow_blocked_send_reach_the_page_when_the_task_ends(start):
    def app():
        a, b, _c = put_text(BIG), put_text(BIG), put_text("C")
        a.send()
        b.send()  # blocks in flow control holding the queue: the hub callback finds it busy

    _, driver = start(app, high_water=1000, low_water=0)
    got = []
    with gevent.Timeout(2):
        while not got or got[-1]["command"] != "close_session":
            got += driver.commands()
            gevent.sleep(0)
    assert texts(got) == [BIG, BIG, "C"]


def test_outputs_behind_a_flow_blocked_send_reach_the_page_while_the_task_waits(start):
    release = gevent.event.Event()

    def app():
        a, b, c = put_text(BIG), put_text(BIG), put_text("C")
        a.send()
        b.send()
        del a, b, c
        release.wait()

    session, driver = start(app, high_water=1000, low_water=0)
    got = []
    with gevent.Timeout(2):
        while texts(got) != [BIG, BIG, "C"]:
            got += driver.commands()
            gevent.sleep(0)
    assert not release.is_set() and session.tasks()
