"""Malformed input of any shape, over HTTP and WebSocket alike, gets a client error
(400 / close 1007) and one short log line at most: never a 500, a 1011 or a traceback
(issue 14, defects 3 and 4)."""

from __future__ import annotations

import logging

import gevent
import pytest

from tests.live.httpclient import request
from tests.live.test_http import echo_app, form_task
from tests.live.test_websocket import connect, recv, submit, until
from tests.runtime.conftest import make_info
from tests.transports.wsclient import ServerClosed
from wsgi_webio.errors import ChannelClosed as ChannelClosedError
from wsgi_webio.options import WebIOConfig
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.transports.websocket import WebSocketConnection

pytestmark = pytest.mark.live

MALFORMED_JSON = [
    pytest.param(b"[" * 10_000, id="10,000 open brackets"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, id="10,000 nested arrays, balanced"),
    pytest.param(b'{"a":' * 5_000 + b"1" + b"}" * 5_000, id="5,000 nested objects"),
    pytest.param(b'[{"event": "from_submit", "task_id": "t", "data": NaN}]', id="NaN"),
    pytest.param(b'[{"event": "from_submit", "task_id": "t", "data": -Infinity}]', id="-Infinity"),
    pytest.param(b'[{"event": "from_submit", "task_id": "t", "data": ' + b"1" * 5000 + b"}]",
                 id="integer of 5,000 digits"),
    pytest.param(b"", id="empty"),
    pytest.param(b'["unterminated', id="unterminated string"),
]

LIMIT = 256 * 1024


def no_traceback(records: list[logging.LogRecord]) -> bool:
    return not any(r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage() for r in records)


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_malformed_json_post_gets_400_and_one_log_line(live, caplog, body):
    server = live(echo_app, max_message_size=LIMIT)
    first = server.get(ack=-1)
    sid, task = first.headers["webio-session-id"], form_task(first)
    with caplog.at_level(logging.INFO, logger="wsgi_webio"):
        reply = server.post(sid, body, seq=0, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert "malformed JSON" in reply.json()["error"] and len(reply.json()["error"]) < 200
    assert no_traceback(caplog.records)
    assert len([r for r in caplog.records if "malformed JSON" in r.getMessage()]) == 1
    assert all(len(r.getMessage()) < 200 for r in caplog.records if r.name.startswith("wsgi_webio.transports"))
    # the session did not take the refused batch (no seq consumed) and carries on
    ok = server.post(sid, [{"event": "from_submit", "task_id": task, "data": {"data": "ok"}}], seq=0, ack=0)
    assert ok.status == 200


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_malformed_json_frame_closes_1007_and_one_log_line(live, caplog, body):
    server = live(echo_app, max_message_size=LIMIT)
    client = connect(server, "session=NEW")
    sid = recv(client)["spec"]
    form = recv(client)
    with caplog.at_level(logging.INFO, logger="wsgi_webio"):
        client.send_frame(0x1, body)
        with pytest.raises(ServerClosed) as info:
            until(client, "never")
        with gevent.Timeout(5):
            while not [r for r in caplog.records if "1007" in r.getMessage()]:
                gevent.sleep(0.01)
    assert info.value.code == 1007 and "malformed JSON" in info.value.reason
    assert no_traceback(caplog.records)
    assert len([r for r in caplog.records if "malformed JSON" in r.getMessage()]) == 1
    assert all(len(r.getMessage()) < 200 for r in caplog.records if r.name.startswith("wsgi_webio.transports"))
    again = connect(server, f"session={sid}")  # the session survives its client's garbage
    assert recv(again)["spec"] == sid
    again.send_text(submit(form["task_id"], "fine"))
    assert until(again, "output")["spec"]["content"] == "echo: fine"


CHUNKED = [
    pytest.param(b"zz\r\n[]\r\n0\r\n\r\n", id="chunk size not hex"),
    pytest.param(b"3\r\n[]]XX0\r\n\r\n", id="chunk without its CRLF"),
]


@pytest.mark.parametrize("body", CHUNKED)
def test_malformed_chunked_body_gets_400_without_traceback(live, caplog, body):
    server = live(echo_app)
    first = server.get(ack=-1)
    sid, task = first.headers["webio-session-id"], form_task(first)
    headers = {"webio-session-id": sid, "Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    with caplog.at_level(logging.INFO, logger="wsgi_webio"):
        reply = request(server.port, "POST", "/", params={"ack": 0, "seq": 0}, headers=headers, body=body,
                        raw_body=True)
    assert reply.status == 400 and "malformed or truncated request body" in reply.json()["error"]
    assert no_traceback(caplog.records)
    assert len([r for r in caplog.records if "request body" in r.getMessage()]) == 1
    ok = server.post(sid, [{"event": "from_submit", "task_id": task, "data": {"data": "ok"}}], seq=0, ack=0)
    assert ok.status == 200


class ReaderChannel:
    """A channel read by a reader greenlet (TLS, gevent-websocket's handler, uWSGI):
    gives one message, then reports the close we sent, as those channels do."""

    def __init__(self, message: str) -> None:
        self.messages = [message]
        self.closed = False
        self.close_code: int | None = None

    def receive(self) -> str:
        if self.closed:
            raise ChannelClosedError(self.close_code or 1006, "closed")
        return self.messages.pop(0)

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed, self.close_code = True, code

    def send(self, text: str) -> None:
        pass

    def send_many(self, texts: list[str]) -> None:
        pass


def test_malformed_json_on_a_reader_greenlet_channel_is_logged_once(caplog):
    registry = SessionRegistry(WebIOConfig())
    try:
        session = registry.create(echo_app, make_info("websocket"))
        channel = ReaderChannel("[" * 10_000)
        conn = WebSocketConnection(session, channel, acked=False, start=0)  # type: ignore[arg-type]
        with caplog.at_level(logging.INFO, logger="wsgi_webio"), gevent.Timeout(5):
            conn.serve()
            conn.ended(channel.close_code or 1006, "closed")  # as an evented channel reports its end
        assert channel.close_code == 1007
        assert no_traceback(caplog.records)
        assert len([r for r in caplog.records if "1007" in r.getMessage()]) == 1
    finally:
        registry.close_all()
