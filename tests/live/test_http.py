"""Live tests of the HTTP long-poll transport against a real dev server."""

from __future__ import annotations

import gc

import gevent
import gevent.event
import pytest

from wsgi_webio.errors import SessionClosed
from wsgi_webio.input import input
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.session import run_async

pytestmark = pytest.mark.live


def echo_app():
    while True:
        put_text("echo:", input("say"))


def input_reporting_close():
    """An app parked in input() and an Event set when SessionClosed wakes it."""
    woke = gevent.event.Event()

    def app():
        try:
            input("x")
        except SessionClosed:
            woke.set()
            raise

    return app, woke


def commands(reply):
    return [c for batch in reply.json()["commands"] for c in batch]


def form_task(reply):
    return next(c["task_id"] for c in commands(reply) if c["command"] == "input_group")


def test_new_session_gets_server_id_and_first_form(live):
    server = live(echo_app)
    reply = server.get("NEW-clientchosenid", ack=-1)
    sid = reply.headers["webio-session-id"]
    assert reply.status == 200 and sid != "clientchosenid" and len(sid) >= 22
    assert server.app.registry.get("clientchosenid") is None
    assert [c["command"] for c in commands(reply)] == ["input_group"]
    assert reply.json()["seq"] == 0 and reply.json()["ack"] == -1


def test_echo_round_trip_in_post_reply(live):
    server = live(echo_app)
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    reply = server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "hi"}}],
                        seq=0, ack=0)
    assert reply.status == 200
    out = [c["spec"]["content"] for c in commands(reply) if c["command"] == "output"]
    assert out == ["echo: hi"]
    assert reply.json()["ack"] == 0


def test_retried_post_is_applied_once(live):
    clicks = []

    def app():
        put_buttons(["a"], onclick=clicks.append)

    server = live(app)
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    cb = commands(first)[0]["spec"]["callback_id"]
    events = [{"event": "callback", "task_id": cb, "data": 0}]
    assert server.post(sid, events, seq=0, ack=0).json()["ack"] == 0
    assert server.post(sid, events, seq=0, ack=0).json()["ack"] == 0  # the retry
    assert server.post(sid, events + events, seq=0, ack=0).json()["ack"] == 1  # one old, one new
    assert clicks == ["a", "a"]


def test_waiting_get_is_held_until_output_then_wakes(live):
    go = gevent.event.Event()

    def app():
        put_text("first")
        go.wait(10)
        put_text("pushed")
        input("keep open")

    server = live(app)
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    poll = gevent.spawn(server.get, sid, ack=0, wait=1)
    assert poll.join(timeout=0.3) is None and not poll.ready()  # held: nothing new yet
    go.set()
    reply = poll.get(timeout=5)
    assert [c["spec"]["content"] for c in commands(reply) if c["command"] == "output"] == ["pushed"]


def test_waiting_get_answers_empty_at_hold_limit(live):
    server = live(lambda: input("x"), poll_hold_seconds=0.2)
    first = server.get(ack=-1)
    reply = server.get(first.headers["webio-session-id"], ack=0, wait=1)
    assert reply.status == 200 and reply.json()["commands"] == []


def test_get_without_wait_answers_at_once(live):
    server = live(lambda: input("x"))
    first = server.get(ack=-1)
    with gevent.Timeout(2):
        reply = server.get(first.headers["webio-session-id"], ack=0)
    assert reply.json()["commands"] == []


def test_unacked_batches_are_resent_then_dropped(live):
    server = live(lambda: (put_text("a"), input("x")))
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    again = server.get(sid, ack=-1)  # the client lost the first reply
    assert again.json()["seq"] == 0 and commands(again) == commands(first)
    assert server.get(sid, ack=0).json()["commands"] == []


def test_expiry_closes_session_and_wakes_its_input(live):
    app, woke = input_reporting_close()
    server = live(app, session_expire_seconds=0.2)
    first = server.get(ack=-1)
    assert woke.wait(5)
    assert server.app.registry.active_count() == 0
    reply = server.get(first.headers["webio-session-id"], ack=0)
    assert {"command": "close_session"} in commands(reply)


def test_flow_control_blocks_runaway_task_until_client_polls(live):
    progress = []

    def app():
        for i in range(2000):
            put_text(f"line {i:04d} " + "x" * 40)
            progress.append(i)

    server = live(app, high_water=4000, low_water=1000)
    sid = server.get(ack=-1).headers["webio-session-id"]
    session = server.app.registry.get(sid)
    with gevent.Timeout(2):
        while not session.link.paused:
            gevent.sleep(0.001)
    stalled = len(progress)
    assert stalled < 2000 and session.link.buffered_bytes < 4000 + 200
    received, ack = [], -1
    with gevent.Timeout(10):
        while True:
            reply = server.get(sid, ack=ack, wait=1).json()
            for i, batch in enumerate(reply["commands"]):
                if reply["seq"] + i > ack:
                    received.extend(c.get("spec", {}).get("content") for c in batch if c["command"] == "output")
            ack = reply["seq"] + len(reply["commands"]) - 1
            if received and received[-1] == "line 1999 " + "x" * 40:
                break
    assert received == [f"line {i:04d} " + "x" * 40 for i in range(2000)]


def test_page_test_probe_and_unknown_app(live):
    server = live({"index": echo_app, "other": echo_app})
    page = server.get(None)
    assert page.status == 200 and "text/html" in page.headers["content-type"]
    assert "webio.js" in page.text
    assert server.get(None, test=1).text == "ok"
    assert server.get(None, app="nope").status == 404
    assert server.get("NEW", app="nope", ack=-1).status == 404


def test_post_answers_when_woken_task_settles_not_after_the_settle_limit(live):
    server = live(echo_app, post_settle_seconds=60)
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    with gevent.Timeout(10):  # far below the 60 s limit: the POST did not wait it out
        reply = server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "x"}}],
                            seq=0, ack=0)
    assert [c["command"] for c in commands(reply)] == ["destroy_form", "output", "input_group"]


def test_newer_waiting_poll_releases_the_older_and_close_wakes_it(live):
    server = live(echo_app)
    sid = server.get(ack=-1).headers["webio-session-id"]
    channel = server.app.registry.get(sid).transport_state
    older = gevent.spawn(server.get, sid, ack=0, wait=1)
    with gevent.Timeout(5):
        while channel._generation < 1:  # until the older poll is held
            gevent.sleep(0.001)
    newer = gevent.spawn(server.get, sid, ack=0, wait=1)
    assert older.get(timeout=5).json()["commands"] == []  # released, not left to pile up
    assert not newer.ready()
    server.app.registry.get(sid).close()
    assert [c for b in newer.get(timeout=5).json()["commands"] for c in b] == [{"command": "close_session"}]


def test_final_commands_survive_a_lost_reply(live):
    server = live(lambda: put_text("done", input("x")))
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "!"}}], seq=0, ack=0)
    server.app.registry.sweep()  # the reply above is "lost"; the session closed meanwhile
    retry = server.get(sid, ack=0)
    contents = [c.get("spec", {}) and c["spec"].get("content") for c in commands(retry)]
    assert "done !" in contents and {"command": "close_session"} in commands(retry)


def test_oversized_chunked_body_is_413(live):
    from tests.live.httpclient import request as raw_request

    server = live(echo_app, max_message_size=1000)
    sid = server.get(ack=-1).headers["webio-session-id"]
    chunk = b"[" + b" " * 3000 + b"]"
    body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
    reply = raw_request(server.port, "POST", "/", params={"seq": 0, "ack": 0},
                        headers={"webio-session-id": sid, "Transfer-Encoding": "chunked",
                                 "Content-Type": "application/json"}, body=body, raw_body=True)
    assert reply.status == 413


def test_dev_server_refuses_foreign_host_names(live):
    server = live(echo_app)  # bound to 127.0.0.1: loopback names only
    from tests.live.httpclient import request as raw_request

    rebound = raw_request(server.port, "GET", "/", params={"ack": -1},
                          headers={"Host": "evil.example", "webio-session-id": "NEW",
                                   "Origin": "http://evil.example"})
    assert rebound.status == 400 and "not allowed" in rebound.text
    assert server.app.registry.active_count() == 0
    assert raw_request(server.port, "GET", "/", headers={"Host": f"localhost:{server.port}"}).status == 200


def test_finished_session_is_forgotten_once_the_client_acknowledges_its_last_batch(live):
    server = live(lambda: put_text("bye"))
    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    reply = server.get(sid, ack=-1)
    assert {"command": "close_session"} in commands(reply)
    assert server.app.registry.get(sid) is not None  # kept: the reply may be lost
    last = reply.json()["seq"] + len(reply.json()["commands"]) - 1
    server.get(sid, ack=last)  # the client's goodbye: it executed everything
    assert server.app.registry.get(sid) is None


def held_poll(server, sid, ack):
    """A ``GET ?wait=1`` in its own greenlet, returned once the server holds it."""
    channel = server.app.registry.get(sid).transport_state
    generation = channel._generation
    poll = gevent.spawn(server.get, sid, ack=ack, wait=1)
    with gevent.Timeout(5):
        while channel._generation == generation:  # until the server holds it
            gevent.sleep(0.001)
    return poll


def open_with_held_poll(server):
    """A new session read by a Client, and its held GET: (client, first reply, id, poll)."""
    client = Client()
    first = server.get(ack=-1)
    client.read(first)
    sid = first.headers["webio-session-id"]
    return client, first, sid, held_poll(server, sid, ack=0)


class Client:
    """Executes batches by id, once each, in the order replies are read (as webio.js)."""

    def __init__(self):
        self.last = -1
        self.executed = []

    def read(self, reply):
        data = reply.json()
        for offset, batch in enumerate(data["commands"]):
            if data["seq"] + offset > self.last:
                self.executed.extend(batch)
                self.last = data["seq"] + offset

    def outputs(self):
        return [c["spec"]["content"] for c in self.executed if c["command"] == "output"]


def test_one_request_per_interaction_the_post_reply_carries_the_echo(live):
    go = gevent.event.Event()

    def pusher():
        go.wait(10)
        put_text("later")  # the app's own push, after the POST has answered

    def app():
        run_async(pusher)
        while True:
            put_text("echo:", input("say"))

    server = live(app)
    client, first, sid, poll = open_with_held_poll(server)
    reply = server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "hi"}}],
                        seq=0, ack=0)
    client.read(reply)
    assert [c["command"] for c in commands(reply)] == ["destroy_form", "output", "input_group"]
    assert not poll.ready()  # the echo did not wake the held GET
    go.set()
    pushed = poll.get(timeout=5)
    client.read(pushed)
    assert client.outputs() == ["echo: hi", "later"]  # the push came through the held GET; each once
    assert [c["command"] for c in client.executed].count("input_group") == 2


def test_lost_post_reply_is_carried_again_by_the_retry_not_by_the_held_get(live):
    server = live(echo_app)
    client, first, sid, poll = open_with_held_poll(server)
    events = [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "once"}}]
    lost = server.post(sid, events, seq=0, ack=0)  # the client never reads this reply
    retry = server.post(sid, events, seq=0, ack=0)
    assert retry.json()["seq"] == lost.json()["seq"] and commands(retry) == commands(lost)
    client.read(retry)
    assert client.outputs() == ["echo: once"] and not poll.ready()
    server.app.registry.get(sid).close()
    client.read(poll.get(timeout=5))  # the close wakes it, with the unacknowledged batch again
    assert client.outputs() == ["echo: once"] and client.executed[-1] == {"command": "close_session"}


def test_a_long_task_streams_through_the_held_get_while_its_post_waits(live):
    go = gevent.event.Event()

    def app():
        input("start")
        put_text("working")
        go.wait(10)  # longer than STREAM_AFTER_SECONDS: the POST stops holding the GET back
        put_text("done")
        input("again")

    server = live(app)
    client, first, sid, poll = open_with_held_poll(server)
    post = gevent.spawn(server.post, sid, [{"event": "from_submit", "task_id": form_task(first), "data": {}}],
                        seq=0, ack=0)
    streamed = poll.get(timeout=5)
    assert not go.is_set() and not post.ready()
    client.read(streamed)
    assert client.outputs() == ["working"]
    go.set()
    client.read(post.get(timeout=5))
    assert client.outputs() == ["working", "done"]


def test_a_post_that_leaves_its_task_paused_asks_for_the_ack_at_once(live):
    # The POST reply carries the first commands and the task then waits for the client's
    # acknowledgement: the reply says "ack_now", the client acknowledges with a GET that
    # is not held, and the session goes on well before the poll hold; every batch
    # travels once (the held GET is not woken to repeat the POST reply).
    def app():
        count = int(input("how many"))
        for i in range(count):
            put_text(f"line {i:04d} " + "x" * 40)
        input("more?")

    server = live(app, high_water=4000, low_water=1000, poll_hold_seconds=30)
    client, first, sid, poll = open_with_held_poll(server)
    received = []

    def read(reply):
        data = reply.json()
        received.extend(range(data["seq"], data["seq"] + len(data["commands"])))
        client.read(reply)
        return data

    posted = read(server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "500"}}],
                              seq=0, ack=0))
    assert posted.get("ack_now") is True and not poll.ready()
    read(server.get(sid, ack=client.last))  # the browser client's ack, not held
    with gevent.Timeout(10):  # far below the 30 s hold
        while not any(c["command"] == "input_group" and c["spec"]["label"] == "more?" for c in client.executed):
            read(poll.get())
            poll = gevent.spawn(server.get, sid, ack=client.last, wait=1)
    assert client.outputs() == [f"line {i:04d} " + "x" * 40 for i in range(500)]
    assert sorted(received) == list(range(1, max(received) + 1))  # each batch after the first once


def test_requests_leave_no_reference_cycles_behind(live):
    # Garbage that only the cyclic collector frees makes it run often, and its full
    # collections stall every session of the worker. Werkzeug's Request makes a cycle
    # through environ["werkzeug.request"]; the app must undo it.
    server = live(echo_app)

    def interact(rounds, first, seq):
        reply = first
        for _ in range(rounds):
            reply = server.post(sid, [{"event": "from_submit", "task_id": form_task(reply), "data": {"data": "x"}}],
                                seq=seq, ack=reply.json()["seq"] + len(reply.json()["commands"]) - 1)
            seq += 1
        return reply, seq

    first = server.get(ack=-1)
    sid = first.headers["webio-session-id"]
    reply, seq = interact(5, first, 0)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        interact(20, reply, seq)
        server.get(sid, ack=-1)
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.split(".")[0] in ("werkzeug", "wsgi_webio", "gevent")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


def test_finished_http_sessions_leave_no_reference_cycles_behind(live):
    # A session's parts and its long-poll channel hold no reference back to it: a
    # session that ends is freed by reference counting, not by the cyclic collector.
    server = live(lambda: put_text("got", input("say")))

    def one_session():
        first = server.get(ack=-1)
        sid = first.headers["webio-session-id"]
        reply = server.post(sid, [{"event": "from_submit", "task_id": form_task(first), "data": {"data": "x"}}],
                            seq=0, ack=0)
        server.get(sid, ack=reply.json()["seq"] + len(reply.json()["commands"]) - 1)  # the last batch is read
        with gevent.Timeout(5):
            while len(server.app.registry):
                gevent.sleep(0.01)

    one_session()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            one_session()
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.split(".")[0] in ("werkzeug", "wsgi_webio", "gevent")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []
