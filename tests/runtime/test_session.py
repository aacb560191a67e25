"""Greenlet tests of Session: real greenlets, no sockets, every wait bounded."""

from __future__ import annotations

import gevent
import pytest

from wsgi_webio.core.state import CloseReason, SessionState
from wsgi_webio.errors import NoSessionError, RemoteProtocolError, SessionClosed
from wsgi_webio.input import input
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.runtime import context
from wsgi_webio.session import defer_call, local, run_async


def test_input_blocks_until_submit_then_app_finishes(open_session):
    def app():
        name = input("name?")
        put_text("hi", name)

    session, driver = open_session(app)
    form = driver.wait_for("input_group")
    assert form["spec"]["label"] == "name?"
    driver.send("from_submit", form["task_id"], {"data": "Bob"})
    assert driver.wait_for("output")["spec"]["content"] == "hi Bob"
    assert session.join(2)
    assert session.is_closed and session.link.close_reason is CloseReason.APP_FINISHED


def test_close_wakes_blocked_input_with_uncatchable_exception(open_session):
    seen = []

    def app():
        try:
            input("x")
        except Exception as exc:  # must not catch SessionClosed
            seen.append(exc)
        finally:
            seen.append("finally")

    session, driver = open_session(app)
    driver.wait_for("input_group")
    session.close()
    assert session.join(2)
    assert seen == ["finally"]
    assert driver.commands()[-1] == {"command": "close_session"}


def test_deferred_calls_run_once_in_order_errors_logged(open_session, caplog):
    order = []

    def app():
        defer_call(lambda: order.append(1))
        defer_call(lambda: 1 / 0)
        defer_call(lambda: order.append(3))
        input("wait")

    session, driver = open_session(app)
    driver.wait_for("input_group")
    session.close()
    session.close()  # idempotent
    assert session.join(2)
    assert order == [1, 3]
    assert "ZeroDivisionError" in caplog.text


def test_callbacks_keep_session_alive_and_run_in_own_greenlets(open_session):
    clicks = []

    def app():
        put_buttons(["a", "b"], onclick=lambda v: (clicks.append(v), gevent.sleep(10)))

    session, driver = open_session(app)
    spec = driver.wait_for("output")["spec"]
    with gevent.Timeout(2):
        while session.tasks():
            gevent.sleep(0)  # main task ends
    assert not session.is_closed and session.need_keep_alive()
    driver.send("callback", spec["callback_id"], 0)
    driver.send("callback", spec["callback_id"], 1)  # not blocked by the sleeping first click
    with gevent.Timeout(2):
        while len(clicks) < 2:
            gevent.sleep(0)
    assert clicks == ["a", "b"]


def test_serial_mode_runs_clicks_one_at_a_time(open_session):
    log = []

    def click(v):
        log.append(f"start {v}")
        gevent.sleep(0.01)
        log.append(f"end {v}")

    def app():
        put_buttons(["a", "b"], onclick=click, serial_mode=True)

    session, driver = open_session(app)
    spec = driver.wait_for("output")["spec"]
    driver.send("callback", spec["callback_id"], 0)
    driver.send("callback", spec["callback_id"], 1)
    with gevent.Timeout(2):
        while len(log) < 4:
            gevent.sleep(0.001)
    assert log == ["start a", "end a", "start b", "end b"]


def test_unknown_task_and_callback_ids_are_refused_and_session_survives(open_session):
    def app():
        put_text("got", input("x"))

    session, driver = open_session(app)
    form = driver.wait_for("input_group")
    with pytest.raises(RemoteProtocolError, match="unknown task id"):
        driver.send("from_submit", "forged-task", {"data": "x"})
    with pytest.raises(RemoteProtocolError, match="unknown callback id"):
        driver.send("callback", "CB-forged", 0)
    with pytest.raises(RemoteProtocolError, match="unknown callback id"):
        driver.send("callback", form["task_id"], 0)  # a task id is not a callback
    driver.send("from_submit", form["task_id"], {"data": "ok"})
    assert driver.wait_for("output")["spec"]["content"] == "got ok"


def test_exception_in_task_is_logged_and_shown_as_toast(open_session, caplog):
    def app():
        raise ValueError("boom")

    session, driver = open_session(app)
    toast = driver.wait_for("toast")
    assert "internal error" in toast["spec"]["content"]
    assert "boom" not in toast["spec"]["content"]
    assert "ValueError: boom" in caplog.text


def test_debug_mode_shows_traceback_popup(registry, clock):
    from tests.runtime.conftest import Driver, make_info

    registry.config = registry.config.__class__(debug=True)

    def app():
        raise ValueError("boom")

    session = registry.create(app, make_info())
    popup = Driver(session).wait_for("popup")
    assert "ValueError: boom" in popup["spec"]["content"][0]["content"]


def test_run_async_task_keeps_session_open_until_it_ends(open_session):
    release = gevent.event.Event()

    def worker():
        release.wait(2)
        put_text("worker done")

    def app():
        handle = run_async(worker)
        put_text("main done", handle.closed())

    session, driver = open_session(app)
    driver.wait_for("output")
    gevent.sleep(0)
    assert not session.is_closed
    release.set()
    assert driver.wait_for("output")["spec"]["content"] == "worker done"
    assert session.join(2)


def test_task_handle_close_ends_task(open_session):
    def app():
        handle = run_async(lambda: input("never"))
        local.handle = handle
        input("main")

    session, driver = open_session(app)
    driver.wait_for("input_group")
    handle = session.local.handle
    with gevent.Timeout(2):
        while handle is None:
            gevent.sleep(0)
            handle = session.local.handle
    handle.close()
    with gevent.Timeout(2):
        while not handle.closed():
            gevent.sleep(0)


def test_scope_stack_is_per_task(open_session):
    def app():
        session, task = context.current_task()
        task.scopes.append("inner")
        run_async(lambda: put_text("other task"))
        put_text("main task")

    session, driver = open_session(app)
    scopes = {}
    with gevent.Timeout(2):
        while len(scopes) < 2:
            for c in driver.commands():
                if c["command"] == "output":
                    scopes[c["spec"]["content"]] = c["spec"]["scope"]
            gevent.sleep(0)
    assert scopes == {"main task": "#pywebio-scope-inner", "other task": "#pywebio-scope-ROOT"}


def test_io_outside_a_session_names_the_fix():
    with pytest.raises(NoSessionError, match="register_thread"):
        put_text("x")


def test_local_store_semantics(open_session):
    def app():
        local.a = 1
        assert local.missing is None
        with pytest.raises(AttributeError):
            local._private = 1
        put_text("a" in local, local["a"])

    session, driver = open_session(app)
    assert driver.wait_for("output")["spec"]["content"] == "True 1"


def test_flow_control_blocks_runaway_task_until_client_drains(registry):
    from tests.runtime.conftest import Driver, make_info

    registry.config = registry.config.__class__(high_water=2000, low_water=500)
    sent = []

    def app():
        for i in range(1000):
            put_text("x" * 50)
            sent.append(i)

    session = registry.create(app, make_info())
    with gevent.Timeout(2):
        while not session.link.paused:
            gevent.sleep(0)
    stalled = len(sent)
    gevent.sleep(0.01)
    assert len(sent) == stalled < 1000  # blocked in send_command, not spinning
    assert all(t.waiting_flow for t in session.tasks())
    assert session.link.buffered_bytes <= 2000 + 200
    driver = Driver(session)
    with gevent.Timeout(5):
        while len(sent) < 1000:
            driver.commands()  # the client drains; the task resumes
            gevent.sleep(0)
    assert session.join(2)


def test_flow_controlled_task_is_released_by_close(registry):
    from tests.runtime.conftest import make_info

    registry.config = registry.config.__class__(high_water=1000, low_water=0)
    finished = []

    def app():
        try:
            while True:
                put_text("y" * 100)
        finally:
            finished.append(True)

    session = registry.create(app, make_info())
    with gevent.Timeout(2):
        while not session.link.paused:
            gevent.sleep(0)
    session.close(CloseReason.EXPIRED)
    assert session.join(2)
    assert finished == [True]


def test_expiry_closes_detached_session_and_wakes_input(registry, clock):
    from tests.runtime.conftest import make_info

    woke = []

    def app():
        try:
            input("x")
        except SessionClosed:
            woke.append(True)
            raise

    session = registry.create(app, make_info())
    gevent.sleep(0)
    registry.sweep()
    assert not session.is_closed  # not yet expired
    clock.now += 6
    registry.sweep()
    assert session.is_closed and session.link.close_reason is CloseReason.EXPIRED
    assert session.join(2) and woke == [True]
    assert registry.active_count() == 0


def test_attached_session_never_expires(registry, clock):
    from tests.runtime.conftest import make_info

    session = registry.create(lambda: input("x"), make_info())
    class Quiet:
        def write_ready(self):
            pass

    session.connection_made(Quiet())
    clock.now += 1000
    registry.sweep()
    assert session.link.state is SessionState.ATTACHED


def test_two_registries_share_nothing(clock):
    from tests.runtime.conftest import make_info
    from wsgi_webio.options import WebIOConfig
    from wsgi_webio.runtime.registry import SessionRegistry

    a, b = SessionRegistry(WebIOConfig(), clock), SessionRegistry(WebIOConfig(), clock)
    s = a.create(lambda: input("x"), make_info())
    assert a.get(s.id) is s and b.get(s.id) is None
    assert (a.active_count(), b.active_count()) == (1, 0)
    a.close_all()
    b.close_all()


def test_max_sessions_refuses_with_503(clock):
    from tests.runtime.conftest import make_info
    from wsgi_webio.options import WebIOConfig
    from wsgi_webio.runtime.registry import SessionRegistry

    reg = SessionRegistry(WebIOConfig(max_sessions=1), clock)
    reg.create(lambda: input("x"), make_info())
    with pytest.raises(RemoteProtocolError) as info:
        reg.create(lambda: input("x"), make_info())
    assert info.value.status_hint == 503
    reg.close_all()


def test_stale_event_after_task_end_is_quietly_dropped(open_session):
    from wsgi_webio.session import run_async

    def app():
        handle = run_async(lambda: input("side"))
        local.side = handle
        input("main")

    session, driver = open_session(app)
    forms = [driver.wait_for("input_group"), driver.wait_for("input_group")]
    side = next(f for f in forms if f["spec"]["label"] == "side")
    driver.send("from_submit", side["task_id"], {"data": "x"})
    with gevent.Timeout(2):
        while side["task_id"] in {t.id for t in session.tasks()}:
            gevent.sleep(0)
    assert driver.send("input_event", side["task_id"], {"event_name": "blur", "name": "data", "value": "x"}) == []
    with pytest.raises(RemoteProtocolError, match="unknown task id"):
        driver.send("input_event", "never-issued", {"event_name": "blur"})


def test_handle_closed_before_the_task_ran_does_not_keep_session_open(open_session):
    def app():
        run_async(lambda: input("never")).close()  # killed before it ever ran

    session, driver = open_session(app)
    assert session.join(2)
    assert session.link.close_reason is CloseReason.APP_FINISHED


def test_scope_interface_of_the_seeds(open_session):
    def app():
        session, _ = context.current_task()
        session.push_scope("a")
        put_text(session.get_scope_name(), session.get_scope_name(0))
        assert session.pop_scope() == "a"
        with pytest.raises(ValueError, match="ROOT"):
            session.pop_scope()

    session, driver = open_session(app)
    assert driver.wait_for("output")["spec"]["content"] == "a ROOT"
    assert session.join(2)


def test_batch_overflowing_a_task_queue_is_refused_whole(open_session):
    from wsgi_webio.protocol import ClientEvent, EventBatch
    from wsgi_webio.runtime.session import MAX_TASK_EVENTS

    def app():
        gevent.sleep(10)  # never reads its events

    session, driver = open_session(app)
    gevent.sleep(0)
    task = session.tasks()[0].id
    flood = tuple(ClientEvent("input_event", task, {}) for _ in range(MAX_TASK_EVENTS + 1))
    with pytest.raises(RemoteProtocolError) as info:
        session.data_received(EventBatch(flood, seq=0))
    assert info.value.status_hint == 429
    assert session.tasks()[0].pending_events() == 0 and session.link.last_event_seq == -1  # nothing applied


def test_running_callbacks_are_capped(open_session):
    from wsgi_webio.protocol import ClientEvent, EventBatch
    from wsgi_webio.runtime.session import MAX_CALLBACK_TASKS

    started = []

    def app():
        put_buttons(["a"], onclick=lambda v: (started.append(v), gevent.sleep(10)))

    session, driver = open_session(app)
    cb = driver.wait_for("output")["spec"]["callback_id"]
    clicks = tuple(ClientEvent("callback", cb, 0) for _ in range(MAX_CALLBACK_TASKS))
    session.data_received(EventBatch(clicks))
    with pytest.raises(RemoteProtocolError) as info:
        driver.send("callback", cb, 0)
    assert info.value.status_hint == 429
    gevent.sleep(0)
    assert len(started) == MAX_CALLBACK_TASKS


def test_paused_task_waits_before_adding_more(registry):
    from tests.runtime.conftest import make_info

    registry.config = registry.config.__class__(high_water=1000, low_water=0)

    def app():
        for _ in range(3):
            run_async(lambda: [put_text("z" * 200) for _ in range(100)])

    session = registry.create(app, make_info())
    with gevent.Timeout(2):
        while not (session.link.paused and all(t.waiting_flow for t in session.tasks())):
            gevent.sleep(0)
    # one command may cross the mark; the paused tasks added nothing after it
    assert session.link.buffered_bytes <= 1000 + 300


def test_no_log_line_carries_the_session_id(open_session, caplog):
    """The id reads and drives a session (a credential): logs name it by its tag only."""
    import logging

    from wsgi_webio.runtime.session import session_tag

    def app():
        defer_call(lambda: 1 / 0)
        raise RuntimeError("boom")

    caplog.set_level(logging.DEBUG, logger="wsgi_webio")
    session, driver = open_session(app)
    assert session.join(2)
    assert "RuntimeError" in caplog.text and "ZeroDivisionError" in caplog.text
    assert session.id not in caplog.text
    assert session.tag == session_tag(session.id) and session.tag in caplog.text
