"""Every kind of bad HTTP input gets a clear status and message, is logged once,
and harms neither its own session nor another one."""

from __future__ import annotations

import json
import logging

import pytest

from tests.live.test_http import commands, echo_app, form_task

pytestmark = pytest.mark.live

HOSTILE = {"Origin": "https://evil.example"}


def binary_event(event: dict, files: list[tuple[dict, bytes]]) -> bytes:
    parts = [json.dumps(event).encode()]
    for header, content in files:
        parts += [json.dumps(header).encode(), content]
    return b"".join(len(p).to_bytes(8, "big") + p for p in parts)


@pytest.fixture
def two_sessions(live):
    server = live(echo_app, max_message_size=4096)
    sessions = []
    for _ in range(2):
        reply = server.get(ack=-1)
        sessions.append((reply.headers["webio-session-id"], form_task(reply)))
    return server, sessions


def still_echoes(server, sid, task, seq, ack=0):
    reply = server.post(sid, [{"event": "from_submit", "task_id": task, "data": {"data": "alive"}}], seq=seq, ack=ack)
    assert reply.status == 200, reply.text
    return [c for c in commands(reply) if c["command"] == "output"][-1]["spec"]["content"] == "echo: alive"


BAD_POSTS = [
    pytest.param(b"{not json", "application/json", 400, "malformed JSON", id="malformed JSON"),
    pytest.param(b'{"event": "callback"}', "application/json", 400, "expected a JSON array", id="wrong shape"),
    pytest.param(b'[{"event": "explode", "task_id": "t"}]', "application/json", 400, "unknown event 'explode'",
                 id="unknown event name"),
    pytest.param(b'[{"event": "from_submit", "task_id": "nope", "data": {}}]', "application/json", 400,
                 "unknown task id 'nope'", id="unknown task id"),
    pytest.param(b'[{"event": "callback", "task_id": "CB-x", "data": 0}]', "application/json", 400,
                 "unknown callback id 'CB-x'", id="unknown callback id"),
    pytest.param(b'["\xff\xfe"]', "application/json", 400, "not valid UTF-8", id="invalid UTF-8"),
    pytest.param(b"\x00\x00\x00\x00\x00\x00\x00\x09{}", "application/octet-stream", 400, "segment claims 9 bytes",
                 id="binary that is not an upload"),
    pytest.param(b"[" + b" " * 5000 + b"]", "application/json", 413, "exceeds the 4096-byte limit",
                 id="oversized body"),
]


@pytest.mark.parametrize(("body", "ctype", "status", "message"), BAD_POSTS)
def test_bad_post_is_refused_clearly_and_harms_no_session(two_sessions, caplog, body, ctype, status, message):
    server, [(sid, task), (other_sid, other_task)] = two_sessions
    with caplog.at_level(logging.WARNING, logger="wsgi_webio"):
        reply = server.post(sid, body, seq=0, headers={"Content-Type": ctype})
    assert reply.status == status
    assert message in reply.json()["error"]
    refusals = [r for r in caplog.records if message.split("'")[0].strip() in r.getMessage()]
    assert len(refusals) == 1  # logged once
    next_seq = server.app.registry.get(sid).link.last_event_seq + 1
    assert still_echoes(server, sid, task, seq=next_seq)
    assert still_echoes(server, other_sid, other_task, seq=0)


def test_bad_query_parameters(two_sessions):
    server, [(sid, _), _] = two_sessions
    assert server.get(sid, ack="x").status == 400
    assert "must be an integer" in server.get(sid, ack="x").json()["error"]
    assert server.get(sid, ack=99).status == 400  # ack ahead of what was sent
    reply = server.post(sid, [], seq="", ack=0)
    assert reply.status == 400 and "missing query parameter 'seq'" in reply.json()["error"]


def test_gap_in_event_seq_is_a_conflict(two_sessions):
    server, [(sid, task), _] = two_sessions
    reply = server.post(sid, [{"event": "from_submit", "task_id": task, "data": {"data": "x"}}], seq=5, ack=0)
    assert reply.status == 409 and "next expected" in reply.json()["error"]
    assert still_echoes(server, sid, task, seq=0)


def test_post_without_session_and_post_creating_session(live):
    server = live(echo_app)
    no_sid = server.post(None, [], seq=0)
    assert no_sid.status == 400 and "without a webio-session-id" in no_sid.json()["error"]
    create = server.post("NEW", [], seq=0)
    assert create.status == 403 and "created by GET only" in create.json()["error"]
    assert server.app.registry.active_count() == 0


def test_unknown_session_gets_close_session(live):
    server = live(echo_app)
    for reply in (server.get("no-such-session", ack=3), server.post("no-such-session", [], seq=0, ack=3)):
        assert reply.status == 200
        body = reply.json()
        assert body["commands"] == [[{"command": "close_session"}]] and body["seq"] == 4
        assert "unknown or expired" in body["error"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hostile_origin_is_refused_and_creates_nothing(live, method):
    server = live(echo_app)
    if method == "GET":
        reply = server.get("NEW", ack=-1, headers=dict(HOSTILE))
    else:
        sid = server.get(ack=-1).headers["webio-session-id"]
        reply = server.post(sid, [], seq=0, headers=dict(HOSTILE))
    assert reply.status == 403 and "evil.example" in reply.text
    assert server.app.registry.active_count() == (0 if method == "GET" else 1)


def test_cross_site_fetch_without_origin_is_refused(live):
    server = live(echo_app)
    reply = server.get("NEW", ack=-1, headers={"Sec-Fetch-Site": "cross-site"})
    assert reply.status == 403 and server.app.registry.active_count() == 0


def test_allowed_origin_pattern_and_check_origin(live):
    server = live(echo_app, allowed_origins=["*.example.org"])
    ok = server.get("NEW", ack=-1, headers={"Origin": "https://tools.example.org"})
    assert ok.status == 200 and ok.headers["access-control-allow-origin"] == "https://tools.example.org"
    assert server.get("NEW", ack=-1, headers=dict(HOSTILE)).status == 403
    custom = live(echo_app, check_origin=lambda origin: origin.endswith(".internal"))
    assert custom.get("NEW", ack=-1, headers={"Origin": "http://a.internal"}).status == 200
    assert custom.get("NEW", ack=-1, headers={"Origin": "https://tools.example.org"}).status == 403


def test_same_origin_passes(live):
    server = live(echo_app)
    reply = server.get("NEW", ack=-1, headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert reply.status == 200


def test_upload_reaches_the_task(live):
    got = []

    def app():
        from wsgi_webio.runtime import context

        session, task = context.current_task()
        session.send_command("input_group", {"label": "f", "inputs": [{"type": "file", "name": "f"}]}, task.id)
        got.append(session.next_client_event())

    server = live(app)
    first = server.get(ack=-1)
    sid, task = first.headers["webio-session-id"], form_task(first)
    body = binary_event({"event": "from_submit", "task_id": task, "data": {"f": None}},
                        [({"filename": "../../etc/a.txt", "size": 3, "mime_type": "text/plain",
                           "last_modified": 1, "input_name": "f"}, b"abc")])
    reply = server.post(sid, body, seq=0, ack=0, headers={"Content-Type": "application/octet-stream"})
    assert reply.status == 200
    upload = got[0].data["f"]  # a single-file field (the page sent null) gets one file
    assert (upload.filename, upload.content) == ("a.txt", b"abc")
