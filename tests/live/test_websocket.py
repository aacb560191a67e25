"""Live tests of the WebSocket transport against a real dev server."""

from __future__ import annotations

import gc
import json
import logging

import gevent
import gevent.event
import gevent.socket
import pytest

from tests.live.test_http import echo_app, input_reporting_close
from tests.transports.wsclient import OP_BINARY, OP_PING, HandshakeRefused, ServerClosed, WSClient, masked_frame
from wsgi_webio.input import input
from wsgi_webio.output import put_text

pytestmark = pytest.mark.live


def connect(server, query: str, origin: str | None = None) -> WSClient:
    return server.ws(query, origin)


def recv(client: WSClient) -> dict:
    return json.loads(client.recv_text())


def until(client: WSClient, command: str) -> dict:
    with gevent.Timeout(5):
        while True:
            msg = recv(client)
            if msg["command"] == command:
                return msg


def submit(task: str, value: str) -> str:
    return json.dumps({"event": "from_submit", "task_id": task, "data": {"data": value}})


@pytest.mark.parametrize("query", ["app=index&session=NEW", "app=index&session=NEW&ack=-1"], ids=["pywebio", "acked"])
def test_echo(live, query):
    server = live(echo_app)
    client = connect(server, query)
    hello = recv(client)
    assert hello["command"] == "set_session_id" and len(hello["spec"]) >= 22
    form = until(client, "input_group")
    client.send_text(submit(form["task_id"], "hello"))
    assert until(client, "output")["spec"]["content"] == "echo: hello"
    client.close()


def test_several_events_in_one_frame(live):
    server = live(echo_app)
    client = connect(server, "session=NEW")
    form = until(client, "input_group")
    client.send_text(json.dumps([json.loads(submit(form["task_id"], "a"))]))
    assert until(client, "output")["spec"]["content"] == "echo: a"


def test_hostile_origin_gets_403_never_101_and_creates_nothing(live):
    server = live(echo_app)
    with pytest.raises(HandshakeRefused) as refused:
        connect(server, "session=NEW", origin="https://evil.example")
    assert refused.value.status == 403 and b"evil.example" in refused.value.body
    assert b"101" not in refused.value.head
    assert server.app.registry.active_count() == 0
    same = connect(server, "session=NEW", origin=f"http://127.0.0.1:{server.port}")
    assert recv(same)["command"] == "set_session_id"


@pytest.mark.parametrize("origin", [
    pytest.param("https://127.0.0.1:{port}", id="https page on an http server"),
    pytest.param("http://127.0.0.1:{port}/", id="trailing slash"),
    pytest.param("http://127.0.0.1:{port}/app", id="path"),
])
def test_origin_with_another_scheme_or_a_path_is_refused(live, origin):
    server = live(echo_app)
    value = origin.format(port=server.port)
    with pytest.raises(HandshakeRefused) as refused:
        connect(server, "session=NEW", origin=value)
    assert refused.value.status == 403 and b"101" not in refused.value.head
    reply = server.get(headers={"Origin": value})  # the HTTP transport, too: refused, never echoed
    assert reply.status == 403 and "access-control-allow-origin" not in {k.lower() for k in reply.headers}
    assert server.app.registry.active_count() == 0


def test_message_of_2_mib_sent_in_full_gets_1009_with_its_reason(live):
    server = live(echo_app)  # max_message_size: 1 MiB by default
    client = connect(server, "session=NEW")
    until(client, "input_group")
    client.sock.sendall(masked_frame(OP_BINARY, b"\0" * (2 << 20)))  # all of it before reading
    with pytest.raises(ServerClosed) as info:
        until(client, "never")
    assert (info.value.code, info.value.reason) == (1009, f"message too big: {2 << 20} > {1 << 20} bytes")


def test_reconnect_redelivers_unacked_commands_once(live):
    go = gevent.event.Event()

    def app():
        put_text("one")
        go.wait(10)
        put_text("two")
        put_text("three")
        put_text("echo", input("x"))

    server = live(app)
    client = connect(server, "session=NEW&ack=-1")
    hello = recv(client)
    sid = hello["spec"]
    assert hello["seq"] == 0
    assert recv(client)["spec"]["content"] == "one"  # seq 0, executed but never acked
    client.sock.close()  # the network drops: no close frame
    session = server.app.registry.get(sid)
    with gevent.Timeout(5):
        while session.link.attached:
            gevent.sleep(0.001)
    go.set()  # the app goes on while detached
    with gevent.Timeout(5):
        while len(session.link) < 4:
            gevent.sleep(0.001)
    again = connect(server, f"session={sid}&ack=0")
    hello = recv(again)
    assert hello["spec"] == sid and hello["seq"] == 1
    got = [recv(again) for _ in range(3)]
    assert [c["command"] for c in got] == ["output", "output", "input_group"]
    assert [c["spec"].get("content") for c in got[:2]] == ["two", "three"]
    again.send_text(json.dumps({"ack": 3}))
    again.send_text(submit(got[2]["task_id"], "back"))
    assert until(again, "output")["spec"]["content"] == "echo back"


def test_events_numbered_by_seq_are_applied_once_across_reconnects(live):
    server = live(echo_app)
    client = connect(server, "session=NEW&ack=-1")
    sid = recv(client)["spec"]
    form = recv(client)
    batch = json.dumps({"seq": 0, "events": [json.loads(submit(form["task_id"], "once"))]})
    client.send_text(batch)
    assert until(client, "output")["spec"]["content"] == "echo: once"
    client.sock.close()
    again = connect(server, f"session={sid}&ack=2")
    assert recv(again)["ack"] == 0  # the server already applied event 0
    again.send_text(batch)  # a client unsure whether it arrived re-sends it
    again.send_text(json.dumps({"seq": 1, "events": [json.loads(submit(form["task_id"], "twice"))]}))
    outputs = []
    with gevent.Timeout(5):
        while not outputs or outputs[-1] != "echo: twice":
            msg = recv(again)
            if msg["command"] == "output":
                outputs.append(msg["spec"]["content"])
    assert outputs == ["echo: twice"]


def test_after_reconnect_timeout_client_gets_close_session(live):
    app, closed = input_reporting_close()
    server = live(app, reconnect_timeout=0.2)
    client = connect(server, "session=NEW&ack=-1")
    sid = recv(client)["spec"]
    client.sock.close()
    assert closed.wait(5)
    with gevent.Timeout(5):
        while server.app.registry.get(sid) is not None:
            gevent.sleep(0.01)
    late = connect(server, f"session={sid}&ack=0")
    assert recv(late) == {"command": "close_session"}
    with pytest.raises(ServerClosed) as info:
        late.recv_text()
    assert info.value.code == 1008 and "unknown or expired" in info.value.reason


def test_reconnect_timeout_zero_closes_at_once(live):
    server = live(echo_app, reconnect_timeout=0)
    client = connect(server, "session=NEW")
    recv(client)
    client.close()
    with gevent.Timeout(5):
        while server.app.registry.active_count():
            gevent.sleep(0.01)


def test_session_closing_delivers_close_session_then_closes_1000(live):
    server = live(lambda: put_text("bye"))
    client = connect(server, "session=NEW")
    recv(client)
    assert recv(client)["spec"]["content"] == "bye"
    assert recv(client) == {"command": "close_session"}
    with pytest.raises(ServerClosed) as info:
        recv(client)
    assert info.value.code == 1000


def test_pings_keep_idle_connection_alive(live):
    server = live(echo_app, ping_interval=0.1)
    client = connect(server, "session=NEW")
    with gevent.Timeout(5):
        while client.recv()[0] != OP_PING:
            pass


def test_newer_connection_replaces_older(live):
    server = live(echo_app)
    first = connect(server, "session=NEW")
    sid = recv(first)["spec"]
    second = connect(server, f"session={sid}")
    assert recv(second)["spec"] == sid
    with pytest.raises(ServerClosed) as info:
        until(first, "never")
    assert info.value.code == 1001


BAD_FRAMES = [
    pytest.param("text", "{oops", 1007, "malformed JSON", id="malformed JSON"),
    pytest.param("text", '{"hello": 1}', 1008, "unrecognised message", id="wrong shape"),
    pytest.param("text", '{"event": "explode", "task_id": "t"}', 1008, "unknown event", id="unknown event name"),
    pytest.param("text", '{"event": "from_submit", "task_id": "nope"}', 1008, "unknown task id", id="unknown task"),
    pytest.param("text", '{"event": "callback", "task_id": "CB-x"}', 1008, "unknown callback id",
                 id="unknown callback"),
    pytest.param("text", '{"ack": 5}', 1008, "ack frames need", id="ack without ack mode"),
    pytest.param("raw", b"\xff\xfe", 1007, "", id="invalid UTF-8"),
    pytest.param("binary", b"\x00" * 7, 1003, "truncated", id="binary that is not an upload"),
    pytest.param("binary", b"\x00" * 5000, 1009, "", id="oversized message"),
]


@pytest.mark.parametrize(("kind", "payload", "code", "reason"), BAD_FRAMES)
def test_bad_frame_closes_with_code_and_harms_no_session(live, kind, payload, code, reason):
    server = live(echo_app, max_message_size=4096)
    victim = connect(server, "session=NEW")
    victim_sid = recv(victim)["spec"]
    bystander = connect(server, "session=NEW")
    recv(bystander)
    by_form = recv(bystander)
    recv(victim)
    if kind == "text":
        victim.send_text(payload)
    elif kind == "binary":
        victim.send_binary(payload)
    else:
        victim.send_frame(0x1, payload)
    with pytest.raises(ServerClosed) as info:
        until(victim, "never")
    assert info.value.code == code and reason in info.value.reason
    bystander.send_text(submit(by_form["task_id"], "fine"))
    assert until(bystander, "output")["spec"]["content"] == "echo: fine"
    # the refused client's session survives: it can reconnect and carry on
    again = connect(server, f"session={victim_sid}")
    assert recv(again)["spec"] == victim_sid
    assert server.app.registry.get(victim_sid) is not None and not server.app.registry.get(victim_sid).is_closed


def test_unknown_session_id(live):
    server = live(echo_app)
    client = connect(server, "session=forged-id")
    assert recv(client) == {"command": "close_session"}
    with pytest.raises(ServerClosed) as info:
        recv(client)
    assert info.value.code == 1008


def test_bad_ack_in_url_and_resume_from_lost_commands(live):
    server = live(echo_app)
    bad = connect(server, "session=NEW&ack=x")
    with pytest.raises(ServerClosed) as info:
        recv(bad)
    assert info.value.code == 1008 and "ack" in info.value.reason
    first = connect(server, "session=NEW&ack=-1")
    sid = recv(first)["spec"]
    recv(first)
    first.sock.close()
    ahead = connect(server, f"session={sid}&ack=50")
    with pytest.raises(ServerClosed) as info:
        recv(ahead)
    assert info.value.code == 1008 and "cannot resume" in info.value.reason


def test_batched_frames_carry_several_commands(live):
    server = live(lambda: (put_text("a"), put_text("b"), input("x")))
    client = connect(server, "session=NEW&ack=-1&batch=1")
    assert recv(client)["command"] == "set_session_id"
    received = []
    with gevent.Timeout(5):
        while len(received) < 3:
            frame = json.loads(client.recv_text())
            assert isinstance(frame, list)
            received.extend(frame)
    assert [c["command"] for c in received] == ["output", "output", "input_group"]


def test_flow_control_over_websocket_waits_for_acks(live):
    progress = []

    def app():
        for i in range(500):
            put_text(f"{i:04d}" + "x" * 60)
            progress.append(i)

    server = live(app, high_water=3000, low_water=500)
    client = connect(server, "session=NEW&ack=-1")
    sid = recv(client)["spec"]
    session = server.app.registry.get(sid)
    with gevent.Timeout(5):
        while not session.link.paused:
            gevent.sleep(0.001)
    assert len(progress) < 500  # the client has not acknowledged: the task waits
    seen = []
    with gevent.Timeout(10):
        while len(seen) < 500:
            msg = recv(client)
            if msg["command"] == "output":
                seen.append(msg["spec"]["content"][:4])
                client.send_text(json.dumps({"ack": len(seen) - 1}))  # a client acks what it executed
    assert seen == [f"{i:04d}" for i in range(500)]


def test_replaced_connection_is_detached_at_once_so_expiry_still_runs(live):
    app, closed = input_reporting_close()
    server = live(app, reconnect_timeout=0.3)
    silent = connect(server, "session=NEW&ack=-1")  # stays open but never answers again
    sid = recv(silent)["spec"]
    session = server.app.registry.get(sid)
    newer = connect(server, f"session={sid}&ack=-1")
    recv(newer)
    assert session.link.attached == 1  # only the newer connection counts
    newer.sock.close()
    assert closed.wait(5)  # expiry ran although the silent socket is still open


def test_session_that_closed_while_attached_redelivers_after_reconnect(live):
    server = live(lambda: put_text("last words"))
    client = connect(server, "session=NEW&ack=-1")
    sid = recv(client)["spec"]
    assert recv(client)["spec"]["content"] == "last words"  # executed, never acknowledged
    client.sock.close()
    session = server.app.registry.get(sid)
    with gevent.Timeout(5):
        while session.link.attached:
            gevent.sleep(0.001)
    server.app.registry.sweep()  # a sweep must not forget it while commands are undelivered
    again = connect(server, f"session={sid}&ack=-1")
    assert recv(again)["spec"] == sid
    assert recv(again)["spec"]["content"] == "last words"
    assert recv(again) == {"command": "close_session"}


def test_bad_websocket_message_is_logged_once(live, caplog):
    server = live(echo_app, max_message_size=1024)
    client = connect(server, "session=NEW")
    recv(client)
    with caplog.at_level(logging.WARNING, logger="wsgi_webio"):
        client.send_binary(b"\x00" * 5000)
        with pytest.raises(ServerClosed):
            until(client, "never")
        with gevent.Timeout(5):
            while not [r for r in caplog.records if "1009" in r.getMessage()]:
                gevent.sleep(0.01)
    assert len([r for r in caplog.records if "1009" in r.getMessage()]) == 1


def test_finished_session_is_forgotten_once_its_client_closed_cleanly(live):
    server = live(lambda: put_text("bye"), reconnect_timeout=60)
    client = connect(server, "session=NEW&ack=-1")
    sid = recv(client)["spec"]
    assert recv(client)["spec"]["content"] == "bye"
    assert recv(client) == {"command": "close_session"}
    client.close()  # our close answers the server's: a clean handshake
    with gevent.Timeout(2):  # well before the housekeeper's first sweep (5 s)
        while server.app.registry.get(sid) is not None:  # no sweep, no 60 s wait
            gevent.sleep(0.01)


def test_sessions_over_websocket_leave_no_reference_cycles_behind(live):
    # A connection's objects must be freed by reference counting when it ends: garbage
    # for the cyclic collector makes its full collections, which stall the worker, come
    # more often.
    server = live(lambda: put_text("got", input("say")))

    def one_session():
        client = connect(server, "app=index&session=NEW&ack=-1")
        form = until(client, "input_group")
        client.send_text(submit(form["task_id"], "hi"))
        until(client, "close_session")
        client.close()

    def settled():
        with gevent.Timeout(5):
            while len(server.app.registry):
                gevent.sleep(0.01)

    one_session()
    settled()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            one_session()
        settled()
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.split(".")[0] in ("werkzeug", "wsgi_webio", "gevent")
                or type(o).__name__ in ("method", "partial")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


def test_shutdown_tells_the_websocket_client_and_closes_its_connection(live):
    server = live(echo_app)
    client = connect(server, "session=NEW")
    until(client, "input_group")
    job = gevent.spawn(server.app.shutdown, "going down", 5.0)
    assert until(client, "toast")["spec"]["content"] == "going down"
    assert until(client, "close_session")["command"] == "close_session"
    with pytest.raises(ServerClosed) as info:
        until(client, "never")
    assert info.value.code == 1000
    client.send_close(1000)
    job.get(timeout=10)  # returns once the client has its last commands
    assert server.app.stopping
