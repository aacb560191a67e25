"""The dev server and the command line, run as real processes on loopback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.live.test_http import commands, echo_app
from wsgi_webio import make_server, wsgi_app

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]


def spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsgi_webio", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()  # the server prints its URL first; EOF if it died
    return proc, line


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    return proc.returncode, err


def test_cli_serves_app_on_free_port_and_stops_on_sigterm():
    proc, line = spawn("--port", "0", "tests.live.cli_app:main")
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line + proc.stderr.read()
    port = int(match.group(1))
    assert port != 0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/?test=1", timeout=5) as reply:
        assert reply.read() == b"ok"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/?ack=-1", headers={"webio-session-id": "NEW"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert b"input_group" in reply.read()
    code, err = stop(proc)
    assert code == 0 and "stopped" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["nocolon"], "expected module:function", id="bad spec"),
        pytest.param(["no_such_module_xyz:main"], "cannot import", id="missing module"),
        pytest.param(["tests.live.cli_app:nope"], "has no attribute", id="missing function"),
    ],
)
def test_cli_bad_app_spec_fails_clearly(args, message):
    proc = subprocess.run([sys.executable, "-m", "wsgi_webio", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode != 0 and message in proc.stderr


def test_cli_port_in_use_fails_clearly(live):
    server = live(echo_app)
    proc = subprocess.run([sys.executable, "-m", "wsgi_webio", "--port", str(server.port), "tests.live.cli_app:main"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0 and f"cannot listen on 127.0.0.1:{server.port}" in proc.stderr


def test_bad_options_fail_at_start():
    with pytest.raises(TypeError, match="unknown option.*reconect_timeout"):
        wsgi_app(echo_app, reconect_timeout=5)
    with pytest.raises(ValueError, match="max_message_size"):
        make_server(echo_app, "127.0.0.1", 0, max_message_size=0)
    with pytest.raises(TypeError, match="not callable"):
        wsgi_app({"index": "not a function"})
    with pytest.raises(TypeError, match="generator function"):
        def generator_app():
            yield
        wsgi_app(generator_app)


def test_session_info_describes_the_client(live):
    seen = {}

    def app():
        from wsgi_webio.session import info

        seen.update(ua=info.user_agent, lang=info.user_language, host=info.server_host, ip=info.user_ip,
                    protocol=info.protocol, request=info.request, backend=info.backend)
        put_text_done()

    def put_text_done():
        from wsgi_webio.output import put_text

        put_text("done")

    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
    server = live(app, trusted_proxies=["127.0.0.0/8"])
    reply = server.get("NEW", ack=-1, headers={"User-Agent": ua, "Accept-Language": "fr-CH,fr;q=0.9",
                                                "X-Forwarded-For": "203.0.113.9, 127.0.0.2"})
    assert [c["spec"]["content"] for c in commands(reply) if c["command"] == "output"] == ["done"]
    assert seen["ua"].is_mobile and seen["lang"] == "fr-CH"
    assert seen["host"] == f"127.0.0.1:{server.port}" and seen["ip"] == "203.0.113.9"
    assert seen["protocol"] == "http" and seen["request"].headers["User-Agent"] == ua
    untrusted = live(app)
    untrusted.get("NEW", ack=-1, headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["ip"] == "127.0.0.1"  # X-Forwarded-For from an untrusted peer is ignored
