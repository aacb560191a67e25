"""The fuzz target: ``fuzz_server.py`` in a child process, its log, and two healthy
sessions (one per transport) that must keep answering while the fuzzers run.

Test helper only, shared by ``tests/fuzz`` and the long runs in ``benchmarks/``.
Blocking stdlib sockets and subprocesses; every wait has a timeout. It sends no fuzz
case itself (``cases.py`` does).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.fuzz import clients
from tests.fuzz.strategies import SID, TASK
from tests.transports.wsclient import WSClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
START_TIMEOUT_S = 20.0

#: App options of the fuzz server: fuzz sessions are short-lived, so that a long run
#: does not pile them up (the healthy long-poll session is checked more often than
#: it expires), and a held poll comes back fast.
FUZZ_OPTIONS: dict[str, Any] = {"reconnect_timeout": 0, "session_expire_seconds": 120, "poll_hold_seconds": 0.1}


#: How a traceback starts in the log, at the start of a line (a request line that
#: merely says "Traceback" is echoed inside a log line, never at its start).
TRACEBACK = re.compile(r"^(?:Exception Group )?Traceback \(most recent call last\):", re.MULTILINE)


def tracebacks(log: str) -> int:
    """How many tracebacks ``log`` holds."""
    return len(TRACEBACK.findall(log))


class FuzzServer:
    """``fuzz_server.py`` on 127.0.0.1: ``port``, ``new_log()``, ``stop()``."""

    def __init__(self, log_path: Path, options: dict[str, Any] | None = None, max_seconds: float = 600.0,
                 head_timeout: float | None = None) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # the caller's PYTHONPATH first: the server runs the same wsgi_webio as the tests
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(ROOT / "src"), str(ROOT)]))
        args = [sys.executable, str(HERE / "fuzz_server.py"), json.dumps(FUZZ_OPTIONS if options is None else options),
                "--max-seconds", str(max_seconds)]
        if head_timeout is not None:
            args += ["--head-timeout", str(head_timeout)]
        self.log_path = log_path
        self._log = log_path.open("w", encoding="utf-8")
        self._read_at = 0
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env, cwd=str(ROOT))
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        try:
            line = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            line = ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"fuzz_server.py did not start (got {line!r}); its log:\n{self.full_log()}")
        self.port = int(line.split()[1])

    def _drain(self, lines: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            lines.put(line.strip())
        lines.put("")

    def full_log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def new_log(self) -> str:
        """What the server logged since the last call."""
        self._log.flush()
        with self.log_path.open("rb") as log:
            log.seek(self._read_at)
            data = log.read()
        self._read_at += len(data)
        return data.decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def _outputs(commands: list[dict[str, Any]]) -> list[str]:
    return [c["spec"]["content"] for c in commands if c.get("command") == "output"]


class HealthyHttp:
    """A long-poll session of the ``echo`` app that answers every ``check``."""

    def __init__(self, port: int) -> None:
        self.port = port
        answer = self._request("GET", "/?app=echo&ack=-1", "NEW")
        self.sid = answer.headers["webio-session-id"]
        self.ack, self.seq, self.task_id = -1, 0, ""
        self._take(answer)

    def _request(self, method: str, target: str, sid: str, body: bytes | None = None) -> clients.Answer:
        headers = [("webio-session-id", sid)] + ([("Content-Type", "application/json")] if body is not None else [])
        answer = clients.exchange(self.port, clients.build_request(method, target, headers, body))
        assert answer.status == 200, f"healthy session got {answer}"
        return answer

    def _take(self, answer: clients.Answer) -> list[str]:
        reply = answer.json()
        batches = reply["commands"]
        fresh = batches[max(0, self.ack + 1 - reply["seq"]):]
        self.ack = max(self.ack, reply["seq"] + len(batches) - 1)
        commands = [c for batch in fresh for c in batch]
        for command in commands:
            if command.get("command") == "input_group":
                self.task_id = command["task_id"]
        return _outputs(commands)

    def check(self, n: int) -> None:
        event = {"event": "from_submit", "task_id": self.task_id, "data": {"data": f"healthy {n}"}}
        answer = self._request("POST", f"/?ack={self.ack}&seq={self.seq}", self.sid, json.dumps([event]).encode())
        self.seq += 1
        outputs = self._take(answer)
        assert outputs == [f"echo: healthy {n}"], f"healthy HTTP session answered {answer}"


class HealthyWs:
    """A WebSocket session of the ``echo`` app, open all along, that answers every ``check``."""

    def __init__(self, port: int) -> None:
        self.client: WSClient = clients.ws_connect(port, {"app": "echo", "session": "NEW"})
        self.task_id = ""
        self._read_until_form()

    def _read_until_form(self) -> list[str]:
        outputs = []
        for _ in range(100):
            command = json.loads(self.client.recv_text())
            if command.get("command") == "output":
                outputs.append(command["spec"]["content"])
            if command.get("command") == "input_group":
                self.task_id = command["task_id"]
                return outputs
        raise AssertionError("healthy WebSocket session: no form in 100 commands")

    def check(self, n: int) -> None:
        event = {"event": "from_submit", "task_id": self.task_id, "data": {"data": f"healthy {n}"}}
        self.client.send_text(json.dumps(event))
        outputs = self._read_until_form()
        assert outputs == [f"echo: healthy {n}"], f"healthy WebSocket session answered {outputs}"

    def close(self) -> None:
        self.client.close()


class FuzzSession:
    """The long-poll session of the ``echo`` app that the HTTP cases aim at (made on first use)."""

    def __init__(self, port: int) -> None:
        request = clients.build_request("GET", "/?app=echo&ack=-1", [("webio-session-id", "NEW")])
        answer = clients.exchange(port, request)
        self.sid = answer.headers.get("webio-session-id", "none")
        self.seq = 0
        self.task_id = next((c["task_id"] for batch in answer.json()["commands"] for c in batch
                             if c.get("command") == "input_group"), "none")

    def follow(self, answer: clients.Answer) -> None:
        """Take the next event seq from an answer's ``ack`` (a refused batch may not count)."""
        try:
            ack = answer.json().get("ack")
        except (ValueError, AttributeError):
            return
        if isinstance(ack, int):
            self.seq = ack + 1

    def fill(self, value: Any) -> Any:
        """``value`` with the stand-ins replaced by this session's ids."""
        if isinstance(value, str):
            return value.replace(TASK, self.task_id).replace(SID, self.sid)
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.fill(v) for v in value)
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        return value


class Target:
    """What a fuzz case runs against: the server, and the healthy sessions to check after a batch."""

    def __init__(self, server: FuzzServer) -> None:
        self.server = server
        self.port = server.port
        self.http = HealthyHttp(server.port)
        self.ws = HealthyWs(server.port)
        self.checks = 0
        self._fuzz_session: FuzzSession | None = None

    @property
    def fuzz_session(self) -> FuzzSession:
        """The long-poll session the HTTP cases aim at, made on first use."""
        if self._fuzz_session is None:
            self._fuzz_session = FuzzSession(self.port)
        return self._fuzz_session

    def assert_healthy(self) -> None:
        """Both healthy sessions still answer, and the log shows no traceback."""
        self.checks += 1
        self.http.check(self.checks)
        self.ws.check(self.checks)
        log = self.server.new_log()
        assert not tracebacks(log), log[-4000:]

    def close(self) -> None:
        self.ws.close()
