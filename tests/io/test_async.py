"""``async def`` apps on the greenlet core, through the harness (issue 6)."""

from __future__ import annotations

import asyncio
import logging

import gevent
import gevent.event

from wsgi_webio.input import (
    actions,
    checkbox,
    file_upload,
    input,
    input_group,
    radio,
    select,
    slider,
    textarea,
)
from wsgi_webio.output import put_buttons, put_text, use_scope
from wsgi_webio.pin import pin, pin_wait_change, put_input
from wsgi_webio.runtime import aio
from wsgi_webio.session import defer_call, eval_js, hold, run_async, run_asyncio_coroutine
from wsgi_webio.testing import open_app


def test_every_input_function_can_be_awaited():
    got = {}

    async def main():
        got["input"] = await input("name?")
        got["textarea"] = await textarea("bio?")
        got["select"] = await select("pick", ["a", "b"])
        got["checkbox"] = await checkbox("tick", ["x", "y"])
        got["radio"] = await radio("one", ["p", "q"])
        got["slider"] = await slider("level", value=3)
        got["actions"] = await actions("go?", ["yes", "no"])
        got["file"] = await file_upload("file?")
        got["group"] = await input_group("group", [input("a", name="a"), input("b", name="b", type="number")])
        put_text("done")  # outputs need no await

    with open_app(main) as page:
        page.wait_for_form("name?").submit("Ada")
        page.wait_for_form("bio?").submit("hi")
        page.wait_for_form("pick").submit("b")
        page.wait_for_form("tick").submit(["y"])
        page.wait_for_form("one").submit("q")
        page.wait_for_form("level").submit(7)
        page.wait_for_form("go?").click("no")
        page.wait_for_form("file?").upload("data", [("f.txt", b"F")]).submit()
        page.wait_for_form("group").submit(a="x", b=2)
        page.wait_for_text("done")
    assert got["input"] == "Ada" and got["textarea"] == "hi" and got["select"] == "b"
    assert got["checkbox"] == ["y"] and got["radio"] == "q" and got["slider"] == 7 and got["actions"] == "no"
    assert got["file"]["content"] == b"F" and got["group"] == {"a": "x", "b": 2}


def test_eval_js_pins_and_asyncio_primitives():
    async def main():
        width = await eval_js("window.innerWidth")
        put_input("p", value="v0")
        before = await pin.p
        changed = await pin_wait_change("p")
        queue: asyncio.Queue[int] = asyncio.Queue()
        await queue.put(1)
        got = await asyncio.wait_for(queue.get(), timeout=1)
        await asyncio.sleep(0.01)
        put_text(f"{width} {before} {changed['value']} {got}")

    with open_app(main, eval_js=lambda code, args: 800) as page:
        page.wait_for_text("")
        with gevent.Timeout(5):
            while "p" not in page.pins:
                page.settle([])
        page.set_pin("p", "v1")
        page.wait_for_text("800 v0 v1 1")


def test_run_async_handle_and_session_end_when_all_tasks_end():
    async def ticker(times):
        for i in range(times):
            put_text(f"tick {i}")
            await asyncio.sleep(0.01)

    async def forever():
        while True:
            await asyncio.sleep(10)

    async def main():
        handle = run_async(forever())
        run_async(ticker(3))
        put_text("closed early:", handle.closed())
        handle.close()
        while not handle.closed():
            await asyncio.sleep(0.001)
        put_text("now closed:", handle.closed())

    with open_app(main) as page:
        page.wait_for_text("tick 2")
        page.wait_for_text("now closed: True")
        assert "closed early: False" in page.text
        page.wait_closed()  # every task ended: the session closed itself


def test_close_cancels_coroutines_runs_deferred_and_leaves_no_task_behind():
    seen = []

    async def background():
        put_text("background up")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            seen.append("background cancelled")
            raise

    async def main():
        defer_call(lambda: seen.append("deferred"))
        run_async(background())
        try:
            await input("wait")
        finally:
            seen.append("main finally")

    loop = aio.get_loop()
    before = {t for t in asyncio.all_tasks(loop)}
    with open_app(main) as page:
        page.wait_for_form("wait")
        page.wait_for_text("background up")  # a task cancelled before its first step never runs
        page.session.close()
        assert page.session.join(5)
    assert sorted(seen) == ["background cancelled", "deferred", "main finally"]
    assert {t for t in asyncio.all_tasks(loop) if not t.done()} <= before
    assert not [h for h in loop._scheduled if not h.cancelled()]  # no timer left either


def test_async_callbacks_plain_and_serial():
    order = []

    async def clicked(value):
        order.append(f"start {value}")
        await asyncio.sleep(0.01)
        order.append(f"end {value}")
        put_text(f"clicked {value}")

    async def main():
        put_buttons(["a"], onclick=clicked)
        put_buttons(["s"], onclick=clicked, mutex_mode=True)
        await hold()

    with open_app(main) as page:
        page.click("a")
        page.wait_for_text("clicked a")
        page.click("s")
        page.click("s")
        page.wait_for_text("clicked s\nclicked s")
    assert order[-4:] == ["start s", "end s", "start s", "end s"]


def test_use_scope_decorates_coroutine_functions():
    @use_scope("box", clear=True)
    async def fill():
        await asyncio.sleep(0)
        put_text("in the box")

    async def main():
        await fill()
        put_text("outside")

    with open_app(main) as page:
        page.wait_for_text("outside")
        assert page.scope("box").text == "in the box"


def test_run_asyncio_coroutine_in_async_and_plain_tasks():
    async def compute():
        await asyncio.sleep(0.01)
        return 42

    async def async_main():
        put_text("async got", await run_asyncio_coroutine(compute()))

    def plain_main():
        put_text("plain got", run_asyncio_coroutine(compute()))

    for app, expected in ((async_main, "async got 42"), (plain_main, "plain got 42")):
        with open_app(app) as page:
            page.wait_for_text(expected)


def test_input_without_await_says_how_to_fix():
    async def main():
        name = input("x")  # forgot the await: the value says so wherever it shows up
        put_text("got", name)
        await name

    with open_app(main) as page:
        page.wait_for_text("not awaited: in an async def app, write `await` before this call")
        page.wait_for_form("x").submit("late")


def test_blocking_wait_inside_a_coroutine_is_refused():
    async def main():
        from wsgi_webio.runtime.context import get_current_session

        try:
            get_current_session().next_client_event()  # what a blocking input() would do here
        except RuntimeError as exc:
            put_text("refused:", exc)

    with open_app(main) as page:
        page.wait_for_text("write `await input(...)`")


def test_a_coroutine_holding_the_hub_is_reported_by_task_name(caplog):
    import time

    async def hog():
        time.sleep(0.15)  # blocking call inside a coroutine: stalls the hub (unpatched here)
        put_text("hogged")

    with caplog.at_level(logging.WARNING, logger="wsgi_webio"), open_app(hog) as page:
        page.wait_for_text("hogged")
    [record] = [r for r in caplog.records if "held the hub" in r.getMessage()]
    assert "hog-" in record.getMessage()


def test_aiohttp_request_to_a_loopback_server():
    import aiohttp
    from gevent.pywsgi import WSGIServer

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"pong from loopback"]

    server = WSGIServer(("127.0.0.1", 0), wsgi, log=None)
    server.start()

    async def main():
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{server.server_port}/") as reply:
                put_text("aiohttp:", await reply.text())

    try:
        with open_app(main, timeout=10) as page:
            page.wait_for_text("aiohttp: pong from loopback")
    finally:
        server.stop()


def test_plain_tasks_never_see_the_hub_loop_as_running():
    # Were it visible, asyncio.run() in a plain app and Django's async-safety checks
    # would fail ("cannot be called from a running event loop").
    async def async_main():
        await asyncio.sleep(0)  # the hub's loop is up
        put_text("async up")

    def plain_main():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        put_text("hub loop visible:", running is aio.get_loop())

    with open_app(async_main) as first:
        first.wait_for_text("async up")
        with open_app(plain_main) as page:
            page.wait_for_text("hub loop visible: False")


def test_a_plain_callback_waking_asyncio_objects_wakes_the_loop():
    queue: list[asyncio.Queue[str]] = []

    async def main():
        q: asyncio.Queue[str] = asyncio.Queue()
        queue.append(q)
        put_buttons(["send"], onclick=lambda _v: q.put_nowait("from a plain callback"))
        put_text("got:", await q.get())

    with open_app(main) as page:
        page.click("send")
        page.wait_for_text("got: from a plain callback", timeout=3)


def test_wait_for_timeout_on_an_input_takes_its_form_down():
    async def main():
        try:
            await asyncio.wait_for(input("first"), timeout=0.1)
        except TimeoutError:
            put_text("first timed out")
        put_text("second got", await input("second"))

    with open_app(main) as page:
        page.wait_for_text("first timed out")
        form = page.wait_for_form("second")
        assert [f.label for f in page.forms] == ["second"]  # the first form is gone
        form.submit("x")
        page.wait_for_text("second got x")


def test_hub_holding_inside_gather_children_is_reported(caplog):
    import time

    async def hog():
        time.sleep(0.15)

    async def main():
        await asyncio.gather(hog(), asyncio.sleep(0))
        put_text("gathered")

    with caplog.at_level(logging.WARNING, logger="wsgi_webio"), open_app(main) as page:
        page.wait_for_text("gathered")
    assert [r for r in caplog.records if "held the hub" in r.getMessage() and "main-" in r.getMessage()]


def test_chat_room_two_sessions_share_state():
    messages: list[str] = []
    listeners: set[asyncio.Event] = set()

    async def show(seen: int):
        wake = asyncio.Event()
        listeners.add(wake)
        try:
            while True:
                while seen < len(messages):
                    put_text(messages[seen])
                    seen += 1
                await wake.wait()
                wake.clear()
        finally:
            listeners.discard(wake)

    async def room():
        name = await input("nick?")
        run_async(show(0))
        while True:
            messages.append(f"{name}: {await input('say')}")
            for wake in listeners:
                wake.set()

    with open_app(room) as ann, open_app(room) as bob:
        ann.wait_for_form("nick?").submit("ann")
        bob.wait_for_form("nick?").submit("bob")
        ann.wait_for_form("say").submit("hi bob")
        bob.wait_for_text("ann: hi bob")
        bob.wait_for_form("say").submit("hi ann")
        ann.wait_for_text("bob: hi ann")
    assert not listeners  # closing both sessions cancelled their listeners


def test_an_awaiting_coroutine_holds_no_greenlet_and_counts_as_settled():
    async def async_main():
        put_text("async got", await input("name?"))

    def plain_main():
        put_text("plain got", input("name?"))

    for app in (async_main, plain_main):
        with open_app(app) as page:
            form = page.wait_for_form("name?")
            [task] = page.session.tasks()
            assert task.settled and task.waiting_event
            if app is async_main:
                assert task.greenlet is None and task.coroutine is not None  # no greenlet parked
            else:
                assert task.coroutine is None and not isinstance(task.greenlet, gevent.Greenlet)
            woken = page.send("from_submit", form.task_id, {"data": "Ada"})
            assert woken == [task]  # settle() waited for it: it ran and ended
            page.wait_for_text(("async" if app is async_main else "plain") + " got Ada")
            assert task.done and task.settled


def test_awaited_calls_of_one_task_take_turns():
    async def main():
        first, second = await asyncio.gather(input("first"), eval_js("2"))
        put_text(f"{first} {second}")

    asked = []

    def answer(code, args):
        asked.append(code)
        return int(code) * 10

    with open_app(main, eval_js=answer) as page:
        page.wait_for_form("first").fill("data", "one")
        assert asked == []  # eval_js waits for its turn: after the form is answered
        page.wait_for_form("first").submit()
        page.wait_for_text("one 20")


def test_validate_onchange_and_input_update_in_an_awaited_form():
    from wsgi_webio.input import input_update

    async def main():
        data = await input_group("sign up", [
            input("name", name="name", validate=lambda v: "too short" if len(v) < 3 else None,
                  onchange=lambda v: input_update("echo", value=v.upper())),
            input("echo", name="echo"),
        ])
        put_text("got", data["name"], data["echo"])

    with open_app(main) as page:
        form = page.wait_for_form("sign up")
        form.change("name", "Al")
        assert form.values["echo"] == "AL"
        form.blur("name")
        assert form.feedback("name") == (False, "too short")
        form.change("name", "Ada")
        form.submit()
        page.wait_for_text("got Ada ADA")


def test_a_serial_async_callback_can_await_input():
    async def ask(_value):
        put_text("answer:", await input("why?"))

    def main():
        put_buttons(["ask"], onclick=ask, serial_mode=True)
        hold()

    with open_app(main) as page:
        page.click("ask")
        page.wait_for_form("why?").submit("because")
        page.wait_for_text("answer: because")


def test_closing_wakes_a_detached_asyncio_task_waiting_on_the_client():
    from wsgi_webio.errors import SessionClosed

    seen = []

    async def side():
        try:
            await input("side")
        except SessionClosed:
            seen.append("side got SessionClosed")

    side_done = gevent.event.Event()

    async def main():
        asyncio.ensure_future(side()).add_done_callback(lambda _f: side_done.set())  # not run_async
        put_text("ready")
        await hold()

    with open_app(main) as page:
        page.wait_for_text("ready")
        page.session.close()
        assert page.session.join(5)
        assert side_done.wait(5)
    assert seen == ["side got SessionClosed"]


def test_a_coroutine_task_closed_before_it_ran_never_warns(recwarn):
    import gc

    async def side():
        put_text("never")

    async def main():
        handle = run_async(side())
        handle.close()
        await asyncio.sleep(0)
        put_text("closed:", handle.closed())

    with open_app(main) as page:
        page.wait_for_text("closed: True")
        page.wait_closed()
    gc.collect()
    assert "never" not in page.text
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_two_waits_of_one_task_cancelled_together():
    # The running wait hands its turn on while the queued one is being cancelled too:
    # both must end cancelled, not with an error from the turn bookkeeping.
    async def main():
        first = asyncio.ensure_future(input("a"))
        second = asyncio.ensure_future(input("b"))
        await asyncio.sleep(0)  # the first takes the turn, the second queues
        first.cancel()
        second.cancel()
        results = await asyncio.gather(first, second, return_exceptions=True)
        put_text(" ".join(type(r).__name__ for r in results))
        put_text("after:", await input("c"))

    with open_app(main) as page:
        page.wait_for_text("CancelledError CancelledError")
        page.wait_for_form("c").submit("ok")
        page.wait_for_text("after: ok")
