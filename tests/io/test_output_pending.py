"""Outputs appear at once and in order, without __del__: the pending-output rules of
wsgi_webio.ui.pending and ui.delivery (embedding, eager sends, flushes before commands and on yield,
flow control), checked on the raw wire."""

from __future__ import annotations

import json
from typing import Any

import gevent
import gevent.event
import pytest

from wsgi_webio.errors import NoSessionError, SessionClosed
from wsgi_webio.output import (
    Output,
    flush_pending,
    put_collapse,
    put_column,
    put_row,
    put_table,
    put_text,
    toast,
)
from wsgi_webio.runtime import context
from wsgi_webio.session import eval_js, run_async
from wsgi_webio.ui import delivery, pending


def texts(commands: list[dict[str, Any]]) -> list[str]:
    """What the output commands show, one entry per command (nested contents joined)."""
    def flat(spec: Any) -> str:
        if isinstance(spec, str):
            return spec
        parts = [spec.get("content", "")] if isinstance(spec.get("content"), str) else []
        for key in ("contents",):
            parts += [flat(s) for s in spec.get(key) or []]
        for row in spec.get("data") or []:
            parts += [flat(cell) for cell in row]
        return "+".join(p for p in parts if p)

    return [flat(c["spec"]) for c in commands if c["command"] == "output"]


def run_to_end(start, app) -> list[dict[str, Any]]:
    session, driver = start(app)
    assert session.join(2)
    return driver.commands()


def test_outputs_arrive_once_in_creation_order(start):
    def app():
        put_text("a")
        put_text("b")
        put_table([["x", put_text("c")], [put_row([put_text("d"), put_collapse("e", [put_text("f")])])]])
        put_text("g")

    commands = run_to_end(start, app)
    assert texts(commands) == ["a", "b", "x+c+d+f", "g"]
    assert [c["command"] for c in commands] == ["output"] * 4 + ["close_session"]


def test_a_task_that_ends_sends_its_outputs_before_the_session_closes(start):
    commands = run_to_end(start, lambda: put_text("bye"))
    assert [c["command"] for c in commands] == ["output", "close_session"]


def test_dropped_outputs_go_at_the_next_creation_held_ones_wait(start):
    seen = []

    def app():
        session = context.get_current_session()
        put_text("a")
        put_text("b")
        seen.append(session.link.next_seq)  # "a" is out: nothing can embed it any more
        held = put_text("c")
        put_text("d")
        put_text("e")
        seen.append(session.link.next_seq)  # "c" is held, so "d" waits behind it
        put_row([held])
        seen.append(session.link.next_seq)  # row's creation: "d" and "e" went, "c" was embedded
        flush_pending()
        seen.append(session.link.next_seq)

    commands = run_to_end(start, app)
    assert seen == [1, 2, 4, 5]
    assert texts(commands) == ["a", "b", "d", "e", "c"]


def test_output_shows_while_the_task_waits_on_something_else(start):
    release = gevent.event.Event()

    def app():
        put_text("working")
        release.wait()  # any wait that yields to the hub, as time.sleep does once patched
        put_text("done")

    session, driver = start(app)
    assert texts([driver.wait_for("output")]) == ["working"]
    assert not release.is_set() and session.tasks()
    release.set()
    assert texts([driver.wait_for("output")]) == ["done"]


def test_outputs_go_before_any_other_command_of_the_task(start):
    def app():
        put_text("a")
        toast("t")
        b = put_text("b")
        context.get_current_session().send_command("input_group", {"label": "", "inputs": []})  # too early
        flush_pending()
        context.get_current_session().send_command("input_group", {"label": "", "inputs": []})
        put_row([b])

    commands = run_to_end(start, app)
    assert [(c["command"], c["spec"].get("content") if c["command"] == "output" else None) for c in commands] == [
        ("output", "a"), ("toast", None), ("input_group", None), ("output", "b"), ("input_group", None),
        ("output", None), ("close_session", None)]


def test_eval_js_waits_after_the_outputs_before_it(start):
    def app():
        put_text("before")
        put_text("value", eval_js("1 + 1"))

    _, driver = start(app)
    script = driver.wait_for("run_script")
    assert [c["command"] for c in driver.commands()] == []
    driver.send("js_yield", script["task_id"], 2)
    assert texts([driver.wait_for("output")]) == ["value 2"]


def test_input_shows_outputs_before_its_form(start):
    from wsgi_webio.input import input

    def app():
        put_text("question")
        put_text("got", input("name?"))

    _, driver = start(app)
    form = driver.wait_for("input_group")
    assert form["spec"]["label"] == "name?"
    driver.send("from_submit", form["task_id"], {"data": "Ada"})
    commands = []
    with gevent.Timeout(2):
        while "got Ada" not in texts(commands):
            commands += driver.commands()
            gevent.sleep(0)


def test_tasks_keep_their_own_order(start):
    def worker(tag):
        for i in range(3):
            put_text(f"{tag}{i}")
            gevent.sleep(0)

    def app():
        run_async(worker, "x")
        run_async(worker, "y")

    shown = texts(run_to_end(start, app))
    assert [t for t in shown if t[0] == "x"] == ["x0", "x1", "x2"]
    assert [t for t in shown if t[0] == "y"] == ["y0", "y1", "y2"]


def test_send_and_show(start):
    def app():
        a = put_text("a")
        b = put_text("b")
        a.show()  # a now; b stays pending behind it
        put_column([b])
        a.send()  # a copy, after the pending column

    assert texts(run_to_end(start, app)) == ["a", "b", "a"]


def test_style_and_onclick_need_a_pending_output(start):
    errors = []

    def app():
        a = put_text("a")
        put_row([a])
        b = put_text("b")
        b.show()
        for call in (lambda: a.style("color: red"), lambda: b.onclick(lambda: None), lambda: b.style("x")):
            with pytest.raises(RuntimeError, match="already"):
                call()
        with pytest.raises(TypeError, match="with block"), put_text("c"):
            pass
        errors.append("checked")

    run_to_end(start, app)
    assert errors == ["checked"]


def test_a_failing_put_drops_the_outputs_passed_to_it(start):
    def app():
        with pytest.raises(ValueError):
            put_table([[put_text("lost")]], header=[(1, 2, 3)])
        with pytest.raises(TypeError):
            put_row([put_text("lost too")], size=3)
        put_text("kept")

    assert texts(run_to_end(start, app)) == ["kept"]


def test_runaway_task_meets_flow_control_at_once(start):
    made = []

    def app():
        while True:
            put_text("x" * 100)
            made.append(1)

    session, _ = start(app, high_water=2000, low_water=0)
    with gevent.Timeout(2):
        while not (session.link.paused and all(t.waiting_flow for t in session.tasks())):
            gevent.sleep(0)
    assert session.link.buffered_bytes <= 2000 + 200
    assert len(made) < 25  # blocked in put_text, not piling up pending outputs


def test_held_outputs_past_the_hard_cap_are_sent(start, monkeypatch):
    monkeypatch.setattr(pending, "MAX_PENDING_HARD", 10)
    counts = []

    def app():
        held = [put_text(str(i)) for i in range(25)]
        counts.append(context.get_current_session().link.next_seq)
        put_column(held[-3:])

    shown = texts(run_to_end(start, app))
    assert counts[0] >= 10
    assert shown[:22] == [str(i) for i in range(22)]
    assert shown[-1] == "22+23+24"


def test_pending_outputs_wait_for_a_slow_client_in_a_drain_task(start):
    release = gevent.event.Event()

    def app():
        held = [put_text("z" * 200) for _ in range(30)]  # all held: none sent at creation
        del held
        release.wait()

    session, driver = start(app, high_water=1000, low_water=0)
    with gevent.Timeout(2):
        while not (session.link.paused and any(t.waiting_flow for t in session.tasks())):
            gevent.sleep(0)
    assert session.link.buffered_bytes <= 1000 + 300
    assert len(session.tasks()) == 2  # the app, and the drain task waiting for the client
    got = 0
    with gevent.Timeout(2):
        while got < 30:
            got += len(driver.commands())
            gevent.sleep(0)
    assert not release.is_set()


def test_outputs_of_a_task_that_ended_outlive_it_until_sent(start):
    def app():
        held = [put_text("z" * 200) for _ in range(30)]
        del held

    session, driver = start(app, high_water=1000, low_water=0)
    with gevent.Timeout(2):
        while not session.link.paused:
            gevent.sleep(0)
    assert not session.is_closed  # the drain task keeps it open
    got = []
    with gevent.Timeout(2):
        while not got or got[-1]["command"] != "close_session":
            got += driver.commands()
            gevent.sleep(0)
    assert len(texts(got)) == 30


def test_output_of_a_closed_session_raises(start):
    outcome = []

    def app():
        context.get_current_session().close()
        try:
            put_text("late")
        except SessionClosed:
            outcome.append("closed")
            raise

    session, _ = start(app)
    assert session.join(2) and outcome == ["closed"]


def test_outputs_need_a_session():
    with pytest.raises(NoSessionError):
        put_text("x")
    with pytest.raises(NoSessionError):
        Output({"type": "text", "content": "x"})
    with pytest.raises(NoSessionError):
        flush_pending()


def test_the_pending_state_lives_on_the_session_and_is_forgotten(start):
    session, _ = start(lambda: [put_text(str(i)) for i in range(3)])
    assert session.join(2)
    assert session.extensions[delivery.STATE_KEY].tasks == {}


def test_public_output_constructor_is_pending_like_put(start):
    def app():
        pin = Output({"type": "pin", "input": {"type": "text", "name": "n"}}, scope="ROOT", position=0)
        put_row([pin])

    commands = run_to_end(start, app)
    (row,) = [c for c in commands if c["command"] == "output"]
    assert row["spec"]["contents"] == [{"type": "pin", "input": {"type": "text", "name": "n"}}]
    assert json.dumps(row)  # plain JSON
