"""The development server and script mode as real processes: graceful stop on SIGTERM, a
script's top-level input()/put_text() served as its single session, bad configuration."""

from __future__ import annotations

import json
import re
import signal
import sys
import time

import pytest

from tests.deploy.procs import Http, ServerProcess, free_port, run_to_exit, ws_connect, ws_read_until
from wsgi_webio import wsgi_app

pytestmark = pytest.mark.live

NO_BROWSER = {"WSGI_WEBIO_NO_BROWSER": "1"}


def test_sigterm_tells_open_sessions_then_the_dev_server_exits():
    port = free_port()
    server = ServerProcess([sys.executable, "-m", "wsgi_webio", "--port", str(port), "tests.deploy.apps:main"], port)
    try:
        server.wait_ready()
        ws = ws_connect(port)
        ws_read_until(ws, "input_group")
        poller = Http(port)
        _, headers, _ = poller.get("/", params={"ack": -1}, headers={"webio-session-id": "NEW"})
        poller.conn.request("GET", "/?ack=0&wait=1", headers={"webio-session-id": headers["webio-session-id"]})
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        held = [c for batch in json.loads(poller.conn.getresponse().read())["commands"] for c in batch]
        assert [c["command"] for c in held] == ["toast", "close_session"]
        assert "restarting" in held[0]["spec"]["content"]
        toast, _ = ws_read_until(ws, "toast")
        assert "restarting" in toast["spec"]["content"]
        ws_read_until(ws, "close_session")
        ws.close()
        poller.close()
        assert server.wait_exit(8) == 0
        assert time.monotonic() - started < 3
        assert "wsgi_webio stopped" in server.log()
    finally:
        server.kill()


def script(env: dict[str, str] | None = None) -> tuple[ServerProcess, int]:
    proc = ServerProcess([sys.executable, "tests/deploy/script_app.py"], 0, env={**NO_BROWSER, **(env or {})})
    log = proc.wait_log(" runs at http://127.0.0.1:")
    proc.port = int(re.search(r"runs at http://127\.0\.0\.1:(\d+)/", log).group(1))
    return proc, proc.port


def test_script_mode_over_long_poll_runs_the_script_as_its_one_session():
    proc, port = script()
    try:
        with Http(port) as client:
            status, headers, body = client.get("/", params={"ack": -1}, headers={"webio-session-id": "NEW"})
            assert status == 200
            first = [c for batch in json.loads(body)["commands"] for c in batch]
            assert [c["command"] for c in first] == ["output", "input_group"]
            assert first[0]["spec"]["content"] == "starting"
            event = [{"event": "from_submit", "task_id": first[1]["task_id"], "data": {"data": "Ada"}}]
            status, _, body = client.request("POST", "/", params={"ack": 0, "seq": 0}, body=event,
                                             headers={"webio-session-id": headers["webio-session-id"]})
            last = [c for batch in json.loads(body)["commands"] for c in batch]
        assert [c["command"] for c in last] == ["destroy_form", "output", "close_session"]
        assert last[1]["spec"]["content"] == "Hello, Ada"
        assert proc.wait_exit(10) == 0  # the script ended: so did the server
    finally:
        proc.kill()


def test_script_mode_over_websocket_and_a_second_tab_is_told_off():
    proc, port = script()
    try:
        ws = ws_connect(port)
        form, seen = ws_read_until(ws, "input_group")
        assert seen[1]["spec"]["content"] == "starting"
        other = ws_connect(port)
        toast, _ = ws_read_until(other, "toast")
        assert "another tab" in toast["spec"]["content"]
        other.close()
        ws.send_text(json.dumps({"event": "from_submit", "task_id": form["task_id"], "data": {"data": "Bo"}}))
        output, _ = ws_read_until(ws, "output")
        assert output["spec"]["content"] == "Hello, Bo"
        ws_read_until(ws, "close_session")
        ws.close()
        assert proc.wait_exit(10) == 0
    finally:
        proc.kill()


def test_script_mode_port_in_use_fails_clearly():
    busy = ServerProcess([sys.executable, "-m", "wsgi_webio", "--port", str(free_port()), "tests.deploy.apps:main"], 0)
    try:
        busy.port = int(busy.args[4])
        busy.wait_ready()
        code, out = run_to_exit([sys.executable, "tests/deploy/script_app.py"],
                                env={**NO_BROWSER, "WSGI_WEBIO_PORT": str(busy.port)})
        assert code != 0
        assert f"script mode cannot listen on 127.0.0.1:{busy.port}" in out
    finally:
        busy.kill()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda: wsgi_app({"calc": 42}), TypeError, "'calc' is not callable", id="app not callable"),
        pytest.param(lambda: wsgi_app(42), TypeError, "must be a function", id="not an app"),
        pytest.param(lambda: wsgi_app(print, max_sesions=3), TypeError, "max_sesions", id="unknown option"),
    ],
)
def test_bad_configuration_fails_at_start(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_unpatched_process_is_reported_once(caplog):
    # This test process never monkey-patches: a server in it says so, once.
    import gevent

    from tests.deploy.procs import get as http_get
    from wsgi_webio import make_server
    from wsgi_webio._env import is_patched

    assert not is_patched()
    server, app = make_server(print, "127.0.0.1", 0)
    server.start()
    try:
        for _ in range(2):
            status, _, _ = gevent.get_hub().threadpool.apply(http_get, (server.server_port, "/?test=1"))
            assert status == 200
    finally:
        server.stop(timeout=1)
        app.close()
    warnings = [r for r in caplog.records if "has not monkey-patched" in r.getMessage()]
    assert len(warnings) == 1
    assert "time.sleep()" in warnings[0].getMessage()
