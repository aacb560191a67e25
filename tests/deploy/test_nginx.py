"""nginx (Debian's) in front of gunicorn with our worker: the example configuration of
docs/deploy.md carries WebSocket and long-poll, and X-Forwarded-For reaches session.info."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.procs import (
    INSTALL_HINT,
    ServerProcess,
    free_port,
    long_poll_session,
    require,
    tool,
    websocket_session,
)

pytestmark = pytest.mark.live

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if NGINX is None:
        pytest.fail(f"nginx is not installed; {INSTALL_HINT}", pytrace=False)
    require("gunicorn")
    tmp = tmp_path_factory.mktemp("nginx")
    app_port, port = free_port(), free_port()
    app = ServerProcess([tool("gunicorn"), "-k", "wsgi_webio.gunicorn.GeventWebSocketWorker", "-w", "1",
                         "-b", f"127.0.0.1:{app_port}", "--no-control-socket", "tests.deploy.apps:proxied"], app_port)
    template = (Path(__file__).parent / "nginx.conf").read_text()
    conf = tmp / "nginx.conf"
    conf.write_text(template.replace("{tmp}", str(tmp)).replace("{app_port}", str(app_port))
                    .replace("{port}", str(port)).replace("{user}", "user root;" if os.geteuid() == 0 else ""))
    check = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(conf)], check=False, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr
    nginx = ServerProcess([NGINX, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"], port)
    try:
        app.wait_ready()
        nginx.wait_ready()
        yield port
    finally:
        nginx.kill()
        app.kill()


def test_websocket_through_nginx(proxy):
    assert websocket_session(proxy, value="ws") == ["echo: ws from 127.0.0.1 via websocket"]


def test_long_poll_through_nginx_with_forwarded_for(proxy):
    # nginx appends the peer (127.0.0.1, trusted) to what the client sent: the entry left
    # of the trusted proxies is the client.
    texts = long_poll_session(proxy, value="lp", headers={"X-Forwarded-For": "203.0.113.7"})
    assert texts == ["echo: lp from 203.0.113.7 via http"]
