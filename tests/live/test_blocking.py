"""A task that holds the hub (issue 14, defect 2), against real dev-server processes on
loopback: the watchdog logs it without the session id, interrupts it past
``max_blocking_seconds`` while a healthy session is served again, exits a process held
inside a C call, SIGTERM ends a blocked process, and ``run_blocking`` keeps the others
responsive. The apps are in ``tests/live/blocking_app.py``."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
#: The bound the tests run with; the issue's promise is "served again within it plus one second".
BOUND_S = 1.0
#: Slack for a loaded test machine on top of what the issue states.
SLACK_S = 10.0


class Server:
    """``python -m wsgi_webio tests.live.blocking_app:apps`` with its output in a file."""

    def __init__(self, *args: str) -> None:
        self.out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wsgi_webio", "--port", "0", *args, "tests.live.blocking_app:apps"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self.out, text=True, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the URL first; EOF if it died
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line + self.log()
        self.port = int(match.group(1))

    def log(self) -> str:
        self.out.flush()
        self.out.seek(0)
        return self.out.read()

    def wait_log(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged within {timeout}s:\n{self.log()}")

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {timeout}s:\n{self.log()}") from None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.out.close()


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[Server] = []

    def start(*args: str) -> Server:
        started.append(Server(*args))
        return started[-1]

    yield start
    for server in started:
        server.close()


class Client:
    """One long-poll session of ``app`` on its own keep-alive connection."""

    def __init__(self, port: int, app: str, timeout: float = 30.0) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.app = app
        self.ack = -1
        self.sid = "NEW"
        self.seen: list[dict[str, Any]] = []

    def _send(self, method: str, query: str, body: Any = None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"webio-session-id": self.sid, **({"Content-Type": "application/json"} if data else {})}
        self.conn.request(method, f"/?app={self.app}&{query}", body=data, headers=headers)

    def _reply(self) -> list[dict[str, Any]]:
        reply = self.conn.getresponse()
        payload = json.loads(reply.read())
        assert reply.status == 200, payload
        self.sid = reply.getheader("webio-session-id") or self.sid
        batches = payload["commands"]
        if batches:  # "seq" numbers the first batch
            self.ack = payload["seq"] + len(batches) - 1
        cmds = [c for batch in batches for c in batch]
        self.seen.extend(cmds)
        return cmds

    def open(self) -> dict[str, Any]:
        """Create the session; its first form."""
        self._send("GET", "ack=-1")
        return next(c for c in self._reply() if c["command"] == "input_group")

    def submit(self, form: dict[str, Any], value: str) -> None:
        """Send the form's answer; read the reply with :meth:`reply`."""
        self._send("POST", f"ack={self.ack}&seq=0",
                   [{"event": "from_submit", "task_id": form["task_id"], "data": {"data": value}}])

    def reply(self) -> list[dict[str, Any]]:
        return self._reply()

    def poll(self) -> list[dict[str, Any]]:
        self._send("GET", f"ack={self.ack}&wait=1")
        return self._reply()

    def texts(self) -> list[str]:
        return [c["spec"]["content"] for c in self.seen if c["command"] == "output"]

    def toasts(self) -> list[str]:
        return [c["spec"]["content"] for c in self.seen if c["command"] == "toast"]

    def close(self) -> None:
        self.conn.close()


def echo(port: int, timeout: float) -> list[str]:
    """A healthy session from start to end, every request bounded by ``timeout``."""
    client = Client(port, "index", timeout=timeout)
    try:
        client.submit(client.open(), "alive")
        client.reply()
        return client.texts()
    finally:
        client.close()


@contextlib.contextmanager
def spinning(port: int, app: str = "spin") -> Iterator[Client]:
    """A session of ``app`` whose answer starts the task that holds the hub."""
    spinner = Client(port, app)
    try:
        spinner.submit(spinner.open(), "go")
        yield spinner
    finally:
        spinner.close()


@pytest.mark.parametrize("app", ["spin", "spin_async"])
def test_a_spinning_task_is_logged_interrupted_and_told_while_others_are_served_again(serve, app):
    server = serve("--max-blocking-seconds", str(BOUND_S))
    assert echo(server.port, timeout=10) == ["echo: alive"]
    with spinning(server.port, app) as spinner:
        server.wait_log(f" by task {app}-")  # the spin holds the hub (not a slow start-up)
        # Sent while the hub is held: answered once the task is interrupted.
        assert echo(server.port, timeout=BOUND_S + 1 + SLACK_S) == ["echo: alive"]
        spinner.reply()
        deadline = time.monotonic() + 30
        while not any("was stopped" in t for t in spinner.toasts()) and time.monotonic() < deadline:
            spinner.poll()
        assert any("kept the server busy without pausing" in t for t in spinner.toasts()), spinner.seen
        assert "spun to the end" not in spinner.texts()
        log = server.wait_log("interrupting")
        assert re.search(rf"held for \d+\.\d s by task {app}-\S+ of session s#[0-9a-f]{{10}}", log), log
        assert spinner.sid not in log  # a credential: never logged


def test_a_task_held_inside_a_c_call_makes_the_process_exit_for_its_supervisor(serve):
    server = serve("--max-blocking-seconds", str(BOUND_S))
    with spinning(server.port, "stuck"):
        assert server.wait_exit(BOUND_S + 5 + SLACK_S) == 70
    assert "exiting with status 70" in server.log()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sigterm_and_ctrl_c_end_a_process_whose_hub_a_task_holds(serve, sig):
    server = serve("--max-blocking-seconds", "0")  # log only: only the signal can end it
    with spinning(server.port):
        server.wait_log(" by task spin-")  # the spin holds the hub (not a slow start-up)
        server.proc.send_signal(sig)
        assert server.wait_exit(5 + SLACK_S) == 0  # the dev server's graceful stop is 5 s
    assert "stopped" in server.log()


@pytest.mark.parametrize("app", ["offload", "offload_async"])
def test_run_blocking_keeps_other_sessions_responsive(serve, app, tmp_path):
    server = serve()
    flag = tmp_path / "flag"
    worker = Client(server.port, app)
    worker.submit(worker.open(), str(flag))
    try:
        # The offloaded call spins in a thread until the flag exists: meanwhile the hub serves.
        assert echo(server.port, timeout=10) == ["echo: alive"]
        assert "held for" not in server.log()
        flag.touch()
        deadline = time.monotonic() + 30
        worker.reply()
        while "offloaded done" not in worker.texts() and time.monotonic() < deadline:
            worker.poll()
        assert "offloaded done" in worker.texts()
    finally:
        flag.touch()
        worker.close()
