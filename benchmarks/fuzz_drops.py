"""Forced connection drops: every command executed exactly once, in order, over both transports.

    python benchmarks/fuzz_drops.py                  # 1,000 drops per transport
    python benchmarks/fuzz_drops.py --drops 200 --transports ws

Starts ``tests/fuzz/fuzz_server.py`` on 127.0.0.1 and drives its ``counter`` app (each
answer ``k`` gives the outputs ``k.0`` .. ``k.4`` and a new form) the way wsgi_webio's
own client does, while cutting its connection at random points: right after sending an
event, part-way through the commands that follow, after acknowledging some of them, in
the middle of a request body, with a reset (RST) or a plain close. After every drop the
client resumes (WebSocket: ``?session=<id>&ack=<last executed>`` and the events that
``set_session_id.ack`` shows unapplied; long-poll: ``GET ?ack=<last batch>`` and the POST
again with the same ``seq`` while the reply's ``ack`` shows it unapplied).

It counts commands re-delivered after the client executed them, commands missing (a gap
in the command numbers or batch ids), batches whose content changed between two
deliveries, and at the end compares the outputs the client executed with the exact
sequence the app produced: nothing lost, nothing twice, in order. Prints the counts and
exits 1 on any problem. Bounded: every read has a timeout, the run a deadline
(``--max-minutes``). Not part of the test command.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import struct
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.fuzz import clients  # noqa: E402
from tests.fuzz.process import FuzzServer, tracebacks  # noqa: E402
from tests.transports.wsclient import ServerClosed, WSClient, masked_frame  # noqa: E402

BURST = 5  # outputs per answer: fuzz_server.BURST
COMMANDS_PER_EVENT = BURST + 2  # destroy_form, the outputs, the next input_group


def drop(sock: socket.socket, rng: random.Random, counts: Counter[str]) -> None:
    """Cut the connection: a reset (no FIN, unread data discarded) or a plain close."""
    if rng.random() < 0.5:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        counts["drops by reset"] += 1
    else:
        counts["drops by close"] += 1
    sock.close()


class Ledger:
    """What the client executed, and every way that went wrong."""

    def __init__(self) -> None:
        self.outputs: list[str] = []
        self.task_id = ""
        self.counts: Counter[str] = Counter()

    def execute(self, command: dict[str, Any]) -> None:
        self.counts["commands executed"] += 1
        if command.get("command") == "output":
            self.outputs.append(command["spec"]["content"])
        elif command.get("command") == "input_group":
            self.task_id = command["task_id"]

    def event(self, k: int) -> dict[str, Any]:
        return {"event": "from_submit", "task_id": self.task_id, "data": {"data": str(k)}}

    def verdict(self, events: int) -> dict[str, Any]:
        expected = [f"{k}.{i}" for k in range(events) for i in range(BURST)]
        seen = Counter(self.outputs)
        return {**self.counts, "events": events, "outputs executed": len(self.outputs),
                "outputs expected": len(expected), "outputs lost": sum(1 for o in expected if o not in seen),
                "outputs duplicated": sum(n - 1 for n in seen.values() if n > 1),
                "outputs in order": self.outputs == expected}


# ---------------------------------------------------------------------- WebSocket
class WsRun:
    """wsgi_webio's WebSocket client with acknowledged delivery, dropped ``drops`` times."""

    def __init__(self, port: int, rng: random.Random) -> None:
        self.port, self.rng, self.ledger = port, rng, Ledger()
        self.sid: str | None = None
        self.executed = -1  # number of the last command executed
        self.next_no = 0  # number of the next command frame on this connection
        self.sent = -1  # last event seq sent
        self.applied = -1  # last event seq the server says it applied

    def connect(self) -> WSClient:
        query = ({"app": "counter", "session": "NEW", "ack": "-1"} if self.sid is None
                 else {"session": self.sid, "ack": str(self.executed)})
        client = clients.ws_connect(self.port, query)
        hello = json.loads(client.recv_text())
        assert hello["command"] == "set_session_id", hello
        self.sid, self.next_no, self.applied = hello["spec"], hello["seq"], max(self.applied, hello["ack"])
        if self.next_no > self.executed + 1:
            self.ledger.counts["commands lost (gap on resume)"] += self.next_no - self.executed - 1
        if self.sent > self.applied:  # the event went down with the last connection: again
            client.send_text(json.dumps({"seq": self.sent, "events": [self.ledger.event(self.sent)]}))
            self.ledger.counts["events re-sent"] += 1
        return client

    def read(self, client: WSClient, frames: int) -> None:
        for _ in range(frames):
            number = self.next_no
            self.next_no += 1
            command = json.loads(client.recv_text())
            if number <= self.executed:
                self.ledger.counts["commands re-delivered after execution"] += 1
                continue
            if number > self.executed + 1:
                self.ledger.counts["commands lost (gap)"] += number - self.executed - 1
            self.executed = number
            self.ledger.execute(command)

    def owed(self) -> int:
        """Commands the server owes the client once every event sent is applied."""
        return 1 + COMMANDS_PER_EVENT * (self.sent + 1) - (self.executed + 1)

    def round(self) -> None:
        client = self.connect()
        try:
            if self.owed() == 0:  # all caught up: answer the form
                self.sent += 1
                client.send_text(json.dumps({"seq": self.sent, "events": [self.ledger.event(self.sent)]}))
            self.read(client, self.rng.randint(0, self.owed()))
            if self.rng.random() < 0.5:
                client.sock.sendall(masked_frame(0x1, json.dumps({"ack": self.executed}).encode()))
        finally:
            drop(client.sock, self.rng, self.ledger.counts)

    def finish(self) -> None:
        client = self.connect()
        try:
            self.read(client, self.owed())
            client.close()
        except ServerClosed:
            client.sock.close()


# ---------------------------------------------------------------------- long-poll
class HttpRun:
    """wsgi_webio's long-poll client (numbered batches, seq'd POSTs), dropped ``drops`` times."""

    def __init__(self, port: int, rng: random.Random) -> None:
        self.port, self.rng, self.ledger = port, rng, Ledger()
        self.batches: dict[int, str] = {}  # batch id -> its JSON, to see that a re-send is the same
        self.last_batch = -1
        self.sent = -1
        self.applied = -1
        reply = self.request("GET", "/?app=counter&ack=-1", "NEW", None, cut=None)
        assert reply is not None
        self.sid = reply.headers["webio-session-id"]
        self.take(reply)

    def request(self, method: str, target: str, sid: str, body: bytes | None, cut: str | None) -> clients.Answer | None:
        """One request; ``cut`` drops it mid-body, after sending, or mid-response."""
        headers = [("webio-session-id", sid)] + ([("Content-Type", "application/json")] if body is not None else [])
        data = clients.build_request(method, target, headers, body)
        sock = clients.connect(self.port)
        try:
            if cut == "mid-request":
                sock.sendall(data[:self.rng.randint(1, len(data) - 1)])
                return None
            sock.sendall(data)
            if cut == "after-request":
                return None
            if cut == "mid-response":
                sock.recv(self.rng.randint(1, 200))
                return None
            return clients.read_response(sock)
        finally:
            if cut:
                drop(sock, self.rng, self.ledger.counts)
            else:
                sock.close()

    def take(self, reply: clients.Answer) -> None:
        assert reply.status == 200, reply
        body = reply.json()
        self.applied = max(self.applied, body.get("ack", -1))
        for offset, batch in enumerate(body["commands"]):
            batch_id = body["seq"] + offset
            text = json.dumps(batch, sort_keys=True)
            if self.batches.setdefault(batch_id, text) != text:
                self.ledger.counts["batches changed between deliveries"] += 1
            if batch_id <= self.last_batch:
                continue  # a re-send of a batch already executed: the client skips it
            if batch_id > self.last_batch + 1:
                self.ledger.counts["batches lost (gap)"] += batch_id - self.last_batch - 1
            self.last_batch = batch_id
            for command in batch:
                self.ledger.execute(command)

    def post(self, cut: str | None) -> None:
        body = json.dumps([self.ledger.event(self.sent)]).encode()
        reply = self.request("POST", f"/?ack={self.last_batch}&seq={self.sent}", self.sid, body, cut)
        if reply is not None:
            self.take(reply)

    def round(self) -> None:
        cut = self.rng.choice(["mid-request", "after-request", "mid-response"])
        if self.sent == self.applied:
            self.sent += 1
        else:
            self.ledger.counts["events re-sent"] += 1
        self.post(cut)
        self.catch_up()

    def catch_up(self) -> None:
        """What a client does after a drop: poll, and POST again while its event is unapplied."""
        for _ in range(10):
            reply = self.request("GET", f"/?ack={self.last_batch}", self.sid, None, cut=None)
            assert reply is not None
            self.take(reply)
            if self.applied >= self.sent:
                return
            self.post(cut=None)
        self.ledger.counts["events never applied"] += 1

    def finish(self) -> None:
        self.catch_up()
        self.request("GET", f"/?ack={self.last_batch}", self.sid, None, cut=None)


def run(transport: str, port: int, drops: int, seed: int, deadline: float) -> dict[str, Any]:
    rng = random.Random(seed)
    runner: WsRun | HttpRun = WsRun(port, rng) if transport == "ws" else HttpRun(port, rng)
    started = time.monotonic()
    while sum(runner.ledger.counts[k] for k in ("drops by reset", "drops by close")) < drops:
        if time.monotonic() > deadline:
            runner.ledger.counts["stopped by the deadline"] = 1
            break
        runner.round()
    runner.finish()
    result = runner.ledger.verdict(runner.sent + 1)
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drops", type=int, default=1000, help="forced drops per transport")
    parser.add_argument("--transports", default="ws,http")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--log", type=Path, help="keep the server's log here")
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_minutes * 60
    options = {"reconnect_timeout": 60, "session_expire_seconds": 60}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = FuzzServer(Path(tmp) / "server.log", options, max_seconds=args.max_minutes * 60 + 60)
        try:
            for transport in args.transports.split(","):
                results[transport] = run(transport, server.port, args.drops, args.seed, deadline)
                print(transport, json.dumps(results[transport]), flush=True)
            log = server.full_log()
        finally:
            server.stop()
    if args.log:
        args.log.write_text(log)
    results["tracebacks_in_log"] = tracebacks(log)
    results["traceback_kinds"] = dict(Counter(re.findall(r"^([A-Za-z_.]+(?:Error|Exception|Disconnected)):", log,
                                                         re.MULTILINE)))
    results["log_lines_by_logger"] = dict(Counter(re.findall(r"^server (\w+ [\w.]+):", log, re.MULTILINE)))
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    bad = results["tracebacks_in_log"] or any(
        r["outputs lost"] or r["outputs duplicated"] or not r["outputs in order"] or r.get("stopped by the deadline")
        or any(n for k, n in r.items() if k.startswith(("commands lost", "batches lost", "batches changed",
                                                          "commands re-delivered", "events never")))
        for t, r in results.items() if t in ("ws", "http"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
