"""The blocking entry points (start_server, path_deploy, the Flask and Django
start_server) in real processes on loopback ports: they serve the page, a session,
``static_dir``, and stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from tests.deploy.procs import ROOT, Http, ServerProcess, commands, free_port, get, long_poll_session, texts

pytestmark = pytest.mark.live

ENV = {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def serve(kind: str, directory: Path | None = None, env: dict[str, str] | None = None) -> ServerProcess:
    port = free_port()
    args = [sys.executable, "-m", "tests.platform.serve_entry", kind, str(port)]
    server = ServerProcess(args + ([str(directory)] if directory else []), port, env={**ENV, **(env or {})})
    try:
        server.wait_ready()
    except BaseException:
        server.kill()
        raise
    return server


def stop(server: ServerProcess) -> None:
    try:
        server.signal(signal.SIGTERM)
        assert server.wait_exit(15) == 0, server.log()
        assert "wsgi_webio stopped" in server.log()
    finally:
        server.kill()


def texts_of(port: int, path: str = "/") -> list[str]:
    """The texts a new long-poll session of the app at ``path`` shows first."""
    with Http(port) as client:
        status, _, body = client.get(path, params={"ack": -1}, headers={"webio-session-id": "NEW"})
    assert status == 200, body
    return texts(commands(body))


@pytest.mark.parametrize("kind", ["start_server", "flask"])
def test_start_server_serves_the_app_and_static_dir(kind: str, tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("static file", encoding="utf-8")
    server = serve(kind, tmp_path)
    try:
        status, _, body = get(server.port, "/")
        assert status == 200 and b"<title>Live app</title>" in body
        assert get(server.port, "/static/note.txt")[2] == b"static file"
        assert get(server.port, "/static/../serve_entry.py")[0] == 404
        assert texts_of(server.port) == ["live hello"]
        assert f"http://127.0.0.1:{server.port}/" in server.log()
    finally:
        stop(server)


def test_django_start_server_serves_the_app() -> None:
    server = serve("django")
    try:
        assert texts_of(server.port) == ["live hello"]
    finally:
        stop(server)


def test_path_deploy_serves_a_directory(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "echo.py").write_text(
        "from wsgi_webio.input import input\nfrom wsgi_webio.output import put_text\n\n"
        "def main():\n    '''Echo tool'''\n    put_text('echo: ' + input('value?'))\n", encoding="utf-8")
    server = serve("path_deploy", tmp_path)
    try:
        status, _, body = get(server.port, "/tools/")
        assert status == 200 and b'href="echo"' in body and b"Echo tool" in body
        assert long_poll_session(server.port, "/tools/echo", value="x") == ["echo: x"]
    finally:
        stop(server)


def test_auto_open_webbrowser_opens_the_served_url() -> None:
    browser = f"{sys.executable} {ROOT / 'tests' / 'platform' / 'fake_browser.py'} %s"
    server = serve("open", env={"BROWSER": browser})
    try:
        server.wait_log(f"fake browser opened http://127.0.0.1:{server.port}/")
    finally:
        stop(server)
