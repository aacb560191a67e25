"""WebSocketConnection against a fake channel: no sockets, real greenlets."""

from __future__ import annotations

import json

import gevent
import gevent.event
import pytest

from tests.runtime.conftest import make_info
from wsgi_webio.errors import RemoteProtocolError
from wsgi_webio.options import WebIOConfig
from wsgi_webio.output import put_text
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.transports.websocket import WebSocketConnection


class SlowChannel:
    """Delivers frames to ``frames`` but blocks each send until ``release`` is set."""

    closed = False

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.release = gevent.event.Event()
        self.sending = gevent.event.Event()

    def send_many(self, texts):
        self.frames.extend(texts)  # the peer already reads the first frames...
        self.sending.set()
        self.release.wait(5)  # ...while the sendall is still blocked

    def send(self, text):
        self.send_many([text])

    def ping(self):
        pass

    def close(self, code=1000, reason=""):
        self.closed = True


@pytest.fixture
def registry():
    reg = SessionRegistry(WebIOConfig())
    yield reg
    reg.close_all()


def test_ack_for_frames_of_a_send_still_in_progress_is_accepted(registry):
    session = registry.create(lambda: [put_text(str(i)) for i in range(3)], make_info("websocket"))
    channel = SlowChannel()
    conn = WebSocketConnection(session, channel, acked=True, start=0)
    session.connection_made(conn)
    conn.write_ready()
    with gevent.Timeout(2):
        channel.sending.wait()
    conn.handle_message(json.dumps({"ack": 0}))  # the client ran frame 0 already
    assert session.link.first_seq == 1
    with pytest.raises(RemoteProtocolError, match="ahead"):
        conn.handle_message(json.dumps({"ack": conn.sent}))
    channel.release.set()
