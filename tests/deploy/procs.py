"""Helpers of the deployment tests: real server processes on loopback ports, and blocking
clients that drive a session over each transport (the server is another process, so
plain sockets, no gevent).

Every wait is bounded; readiness is polled on the server's own ``?test=1`` answer.
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.transports.wsclient import WSClient

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


INSTALL_HINT = "run ./scripts/test.sh (it installs the test extras, nginx and uWSGI's build deps)"


def require(module: str) -> Any:
    """Import a test dependency, failing loudly (never skipping) when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"the deployment tests need {module!r} ({exc}); {INSTALL_HINT}", pytrace=False)


def tool(name: str) -> str:
    """The console script installed next to this Python (gunicorn, uwsgi, waitress-serve)."""
    path = BIN / name
    return str(path) if path.exists() else name


class ServerProcess:
    """One server process; its output goes to a temporary file (read with :meth:`log`)."""

    def __init__(self, args: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.port = port
        self._out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **(env or {})},
            start_new_session=True,
        )

    def log(self) -> str:
        self._out.flush()
        self._out.seek(0)
        return self._out.read()

    def wait_ready(self, path: str = "/", timeout: float = 30.0) -> None:
        """Poll ``path?test=1`` until any HTTP answer. :raises RuntimeError: if it died or timed out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited with {self.proc.returncode}:\n{self.log()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", path + "?test=1")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.05)
            finally:
                conn.close()
        raise RuntimeError(f"{self.args[0]} not ready after {timeout}s:\n{self.log()}")

    def wait_log(self, text: str, timeout: float = 10.0) -> str:
        """Wait until ``text`` is in the output; returns the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the output after {timeout}s:\n{self.log()}")

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.args[0]} still running after {timeout}s:\n{self.log()}") from None

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: the server and its workers
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self._out.close()


def run_to_exit(args: list[str], timeout: float = 30.0, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a command that should exit by itself; (returncode, output)."""
    result = subprocess.run(args, check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    return result.returncode, result.stdout + result.stderr


# --------------------------------------------------------------------------- HTTP
class Http:
    """A blocking keep-alive client on one port."""

    def __init__(self, port: int, timeout: float = 30.0, cookie: str | None = None) -> None:
        self.port = port
        self.cookie = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, body: Any = None) -> tuple[int, dict[str, str], bytes]:
        hdrs = dict(headers or {})
        if self.cookie:
            hdrs.setdefault("Cookie", self.cookie)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        self.conn.request(method, path + ("?" + urlencode(params) if params else ""), body=data, headers=hdrs)
        reply = self.conn.getresponse()
        payload = reply.read()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, payload

    def get(self, path: str = "/", **kw: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, **kw)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def get(port: int, path: str = "/", **kw: Any) -> tuple[int, dict[str, str], bytes]:
    """One GET on its own connection."""
    with Http(port) as client:
        return client.get(path, **kw)


def commands(reply_body: bytes) -> list[dict[str, Any]]:
    """The commands of a long-poll reply, batches flattened."""
    return [cmd for batch in json.loads(reply_body)["commands"] for cmd in batch]


def texts(cmds: list[dict[str, Any]]) -> list[str]:
    return [c["spec"]["content"] for c in cmds if c.get("command") == "output" and c["spec"].get("type") == "text"]


def long_poll_session(port: int, path: str = "/", value: str = "hi", cookie: str | None = None,
                      headers: dict[str, str] | None = None) -> list[str]:
    """Create a session over HTTP, answer its form with ``value``; the texts it printed."""
    client = Http(port, cookie=cookie)
    try:
        status, headers, body = client.get(path, params={"ack": -1},
                                           headers={"webio-session-id": "NEW", **(headers or {})})
        assert status == 200, (status, body)
        sid = headers["webio-session-id"]
        seen = commands(body)
        form = next(c for c in seen if c["command"] == "input_group")
        event = {"event": "from_submit", "task_id": form["task_id"], "data": {"data": value}}
        status, _, body = client.request("POST", path, params={"ack": 0, "seq": 0},
                                         headers={"webio-session-id": sid}, body=[event])
        assert status == 200, (status, body)
        return texts(seen + commands(body))
    finally:
        client.close()


# --------------------------------------------------------------------------- WebSocket
def ws_connect(port: int, path: str = "/", query: str = "session=NEW&ack=-1", origin: str | None = "same",
               cookie: str | None = None) -> WSClient:
    headers = {"Cookie": cookie} if cookie else None
    if origin == "same":
        origin = f"http://127.0.0.1:{port}"
    return WSClient.connect("127.0.0.1", port, f"{path}?{query}", origin=origin, headers=headers, timeout=10)


def ws_read_until(client: WSClient, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read commands until one named ``name``; (it, everything read)."""
    seen = []
    while True:
        cmd = json.loads(client.recv_text())
        seen.append(cmd)
        if cmd.get("command") == name:
            return cmd, seen


def websocket_session(port: int, path: str = "/", value: str = "hi", cookie: str | None = None) -> list[str]:
    """Create a session over WebSocket, answer its form; the texts it printed (up to the echo)."""
    client = ws_connect(port, path, cookie=cookie)
    try:
        form, seen = ws_read_until(client, "input_group")
        assert seen[0]["command"] == "set_session_id", seen
        client.send_text(json.dumps({"event": "from_submit", "task_id": form["task_id"], "data": {"data": value}}))
        while not any(t.startswith("echo:") for t in texts(seen)):
            seen.append(json.loads(client.recv_text()))
        return texts(seen)
    finally:
        client.close()


# --------------------------------------------------------------------------- graceful stop
def stop_with_open_sessions(server: ServerProcess, stop: Callable[[], None], websocket: bool = True,
                            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Open a session over WebSocket (if ``websocket``) and one over long-poll whose poll is
    held, run ``stop``; (what the WebSocket got up to close_session, what the held poll got).

    The held poll is in the server before ``stop``: it was sent before a ``?test=1`` on
    another connection that has been answered (a server accepts its backlog in order), since
    some servers stop accepting the moment they are told to stop.
    """
    ws = ws_connect(server.port) if websocket else None
    poller = Http(server.port, timeout=15)
    try:
        if ws is not None:
            ws_read_until(ws, "input_group")
        with Http(server.port) as client:
            _, headers, _ = client.get("/", params={"ack": -1}, headers={"webio-session-id": "NEW"})
        poller.conn.request("GET", "/?ack=0&wait=1", headers={"webio-session-id": headers["webio-session-id"]})
        status, _, _ = get(server.port, params={"test": 1})
        assert status == 200
        stop()
        held = commands(poller.conn.getresponse().read())
        got: list[dict[str, Any]] = []
        if ws is not None:
            _, got = ws_read_until(ws, "close_session")
        return got, held
    finally:
        poller.close()
        if ws is not None:
            ws.close()


def assert_told_restarting(cmds: list[dict[str, Any]]) -> None:
    """The page was shown the restarting message, then its session closed."""
    assert [c["command"] for c in cmds][-2:] == ["toast", "close_session"], cmds
    assert "restarting" in cmds[-2]["spec"]["content"]
