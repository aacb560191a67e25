"""uWSGI: a real uWSGI (built from PyPI) with --gevent and --http-websockets serving both
transports, its graceful stops, and the adapter over uWSGI's websocket API checked against a
fake of it."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from typing import ClassVar

import gevent
import pytest

from tests.deploy.procs import (
    ServerProcess,
    assert_told_restarting,
    free_port,
    get,
    long_poll_session,
    require,
    stop_with_open_sessions,
    tool,
    websocket_session,
    ws_connect,
)
from tests.transports.wsclient import HandshakeRefused
from wsgi_webio.transports import uwsgi as adapter
from wsgi_webio.transports.wshandler import ChannelClosed

APP = "tests.deploy.apps:application"


def uwsgi(*extra: str, http_socket: bool = False) -> ServerProcess:
    """The documented command (the --http router), or with the worker speaking HTTP itself."""
    port = free_port()
    listen = (["--http-socket", f"127.0.0.1:{port}"] if http_socket
              else ["--http", f"127.0.0.1:{port}", "--http-websockets", "--http-keepalive"])
    args = [tool("uwsgi"), *listen, "--gevent", "100", "--gevent-early-monkey-patch", "--master", "--die-on-term",
            "--module", APP, *extra]
    return ServerProcess(args, port)


@pytest.fixture(scope="module")
def server():
    require("gunicorn")  # the test extras are installed (uwsgi has no module outside uWSGI)
    proc = uwsgi()
    try:
        proc.wait_ready()
        yield proc
    finally:
        proc.kill()


@pytest.mark.live
def test_long_poll_through_plain_wsgi(server):
    assert long_poll_session(server.port, value="lp") == ["echo: lp"]


@pytest.mark.live
def test_websocket_through_uwsgi_api(server):
    assert websocket_session(server.port, value="ws") == ["echo: ws"]


@pytest.mark.live
def test_origin_is_refused_before_the_handshake(server):
    with pytest.raises(HandshakeRefused) as refused:
        ws_connect(server.port, origin="https://evil.example")
    assert refused.value.status == 403
    assert "sec-websocket-accept" not in refused.value.headers


@pytest.mark.live
def test_callbacks_and_acks_cross_greenlets(server):
    # The button's callback runs in its own greenlet and its output is written by the
    # transport's writer greenlet: both reach the socket through the request greenlet.
    client = ws_connect(server.port)
    try:
        frames = []
        while not any(f.get("command") == "input_group" for f in frames):
            frames.append(json.loads(client.recv_text()))
        form = frames[-1]
        client.send_text(json.dumps({"event": "from_submit", "task_id": form["task_id"], "data": {"data": "x"}}))
        while not any(isinstance(f.get("spec"), dict) and f["spec"].get("type") == "buttons" for f in frames):
            frames.append(json.loads(client.recv_text()))
        buttons = frames[-1]["spec"]
        client.send_text(json.dumps({"ack": len(frames) - 2}))
        click = {"event": "callback", "task_id": buttons["callback_id"], "data": buttons["buttons"][0]["value"]}
        client.send_text(json.dumps(click))
        reply = json.loads(client.recv_text())
        assert reply["spec"]["content"] == "again: x"
    finally:
        client.close()


@pytest.mark.live
def test_several_processes_are_refused_with_the_fix():
    require("gunicorn")
    proc = uwsgi("--processes", "2")
    try:
        proc.wait_ready()
        status, _, body = get(proc.port)
        assert status == 500
        assert b"uWSGI runs 2 worker processes" in body and b"without --processes" in body
    finally:
        proc.kill()


@pytest.mark.live
def test_sigterm_tells_open_sessions_when_the_worker_holds_the_connections():
    # --http-socket (or --socket behind nginx): on SIGTERM uWSGI's gevent loop stops accepting
    # and calls uwsgi.atexit, where the app tells its sessions before the worker exits.
    require("gunicorn")
    proc = uwsgi(http_socket=True)
    try:
        proc.wait_ready()
        started = time.monotonic()
        ws, held = stop_with_open_sessions(proc, lambda: proc.signal(signal.SIGTERM))
        assert_told_restarting(ws)
        assert_told_restarting(held)
        assert proc.wait_exit(8) == 0
        assert time.monotonic() - started < 6
    finally:
        proc.kill()


@pytest.mark.live
def test_graceful_stop_through_the_master_fifo_behind_the_http_router(tmp_path):
    # SIGTERM kills the --http router at once (pages lose their connection); the master
    # FIFO's "q" stops the workers first (SIGHUP: the app tells its sessions, so an open
    # WebSocket does not hold the stop) and the router after them.
    require("gunicorn")
    fifo = tmp_path / "master.fifo"
    proc = uwsgi("--master-fifo", str(fifo))
    try:
        proc.wait_ready()

        def quit_gracefully() -> None:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # the master reads it: never blocks
            try:
                os.write(fd, b"q")
            finally:
                os.close(fd)

        started = time.monotonic()
        ws, held = stop_with_open_sessions(proc, quit_gracefully)
        assert_told_restarting(ws)
        assert_told_restarting(held)
        assert proc.wait_exit(10) == 0
        assert time.monotonic() - started < 8
    finally:
        proc.kill()


# --------------------------------------------------------------------------- the adapter alone
class FakeUwsgi:
    """uWSGI's websocket calls over one end of a socketpair; records which greenlet calls."""

    opt: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        self.server_sock, self.peer = socket.socketpair()
        self.server_sock.setblocking(False)
        self.inbox: list[bytes] = []
        self.sent: list[tuple[str, bytes]] = []
        self.callers: set[object] = set()

    def _note(self) -> None:
        self.callers.add(gevent.getcurrent())

    def websocket_handshake(self) -> None:
        self._note()

    def connection_fd(self) -> int:
        return self.server_sock.fileno()

    def websocket_recv_nb(self) -> bytes:
        self._note()
        try:
            data = self.server_sock.recv(65536)
        except BlockingIOError:
            data = None
        if data == b"":
            raise OSError("closed")
        if data:
            self.inbox.extend(m for m in data.split(b"\n") if m)
        return self.inbox.pop(0) if self.inbox else b""

    def websocket_send(self, data: bytes) -> None:
        self._note()
        self.sent.append(("text", bytes(data)))

    def websocket_send_binary(self, data: bytes) -> None:
        self._note()
        self.sent.append(("binary", bytes(data)))


ENVIRON = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_UPGRADE": "websocket",
           "HTTP_CONNECTION": "Upgrade", "HTTP_SEC_WEBSOCKET_VERSION": "13",
           "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture
def fakes():
    made: list[FakeUwsgi] = []

    def make() -> FakeUwsgi:
        made.append(FakeUwsgi())
        return made[-1]

    yield make
    for fake in made:
        fake.peer.close()
        fake.server_sock.close()


def test_adapter_calls_uwsgi_only_from_the_request_greenlet(fakes):
    api = fakes()
    got = []

    def request():
        channel = adapter.open_uwsgi_channel(dict(ENVIRON), 100, api)
        others = [gevent.spawn(channel.send, f"from {i}") for i in range(3)]
        got.append(channel.receive())
        gevent.joinall(others, timeout=5)
        assert all(g.successful() for g in others)
        closer = gevent.spawn(channel.close, 1000)  # asked from another greenlet too
        closer.join(5)
        with pytest.raises(ChannelClosed):
            channel.receive()
        api.peer.shutdown(socket.SHUT_WR)  # the peer answers our close: finish() stops waiting
        channel.finish()

    main = gevent.spawn(request)
    gevent.sleep(0.01)
    api.peer.sendall(b'{"event":1}\n')
    main.get(timeout=5)
    assert got == ['{"event":1}']
    assert sorted(data for _, data in api.sent) == [b"from 0", b"from 1", b"from 2"]
    assert api.callers == {main}
    api.peer.setblocking(False)
    assert api.peer.recv(100) == b"\x88\x02\x03\xe8"  # our close frame, written raw: 1000


def test_adapter_binary_oversize_timeout_and_bad_requests(fakes):
    api = fakes()

    def request():
        channel = adapter.open_uwsgi_channel(dict(ENVIRON), 10, api)
        assert channel.receive() == b"\x00\x00bin"  # a zero first byte: an upload (binary)
        with pytest.raises(ChannelClosed) as too_big:
            channel.receive()
        assert too_big.value.code == 1009
        with pytest.raises(ChannelClosed):
            channel.send("late")
        api.peer.shutdown(socket.SHUT_WR)
        channel.finish()

    api.peer.sendall(b"\x00\x00bin\n" + b"x" * 20 + b"\n")
    gevent.spawn(request).get(timeout=5)

    silent_api = fakes()

    def silent():
        channel = adapter.open_uwsgi_channel(dict(ENVIRON), 10, silent_api)
        channel.set_read_timeout(0.05)
        with pytest.raises(ChannelClosed) as lost:
            channel.receive()
        assert lost.value.code == 1006
        channel.finish()

    gevent.spawn(silent).get(timeout=5)
    with pytest.raises(adapter.UpgradeRefused) as refused:
        adapter.open_uwsgi_channel({**ENVIRON, "HTTP_SEC_WEBSOCKET_VERSION": "8"}, 10, fakes())
    assert refused.value.status == 426
