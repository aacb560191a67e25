"""Floors of the core: round-trip latency of both transports and the hub stall of a
1 MiB inbound WebSocket message. Prints a table; asserts nothing.

    python benchmarks/floors.py [--rounds 2000]

The server runs in its own process (``_floor_server.py``); the client here uses
plain blocking sockets with TCP_NODELAY, as browsers do. Loopback only; every loop
is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live.httpclient_sync import JsonClient  # noqa: E402
from tests.transports.wsclient import WSClient  # noqa: E402

DEADLINE_S = 120


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def ws_echo(port: int, rounds: int) -> list[float]:
    client = WSClient.connect("127.0.0.1", port, "/?session=NEW")
    json.loads(client.recv_text())
    form = json.loads(client.recv_text())
    times = []
    deadline = time.monotonic() + DEADLINE_S
    for i in range(rounds):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        client.send_text(json.dumps({"event": "from_submit", "task_id": form["task_id"], "data": {"data": str(i)}}))
        while True:  # the reply is 3 commands: destroy_form, output, input_group
            msg = json.loads(client.recv_text())
            if msg["command"] == "input_group":
                form = msg
                break
        times.append((time.perf_counter() - t0) * 1000)
    client.close()
    return times


def http_echo(port: int, rounds: int) -> list[float]:
    client = JsonClient(port)
    status, headers, body = client.call("GET", {"ack": -1}, {"webio-session-id": "NEW"})
    sid = headers["webio-session-id"]
    task = body["commands"][0][-1]["task_id"]
    ack, times = 0, []
    deadline = time.monotonic() + DEADLINE_S
    for i in range(rounds):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        status, _, body = client.call("POST", {"ack": ack, "seq": i}, {"webio-session-id": sid},
                                      [{"event": "from_submit", "task_id": task, "data": {"data": str(i)}}])
        times.append((time.perf_counter() - t0) * 1000)
        ack = body["seq"] + len(body["commands"]) - 1
        task = [c for b in body["commands"] for c in b if c["command"] == "input_group"][-1]["task_id"]
    client.close()
    return times


def stall(proc: subprocess.Popen[str], port: int, kind: str) -> tuple[float, float]:
    proc.stdin.write("reset\n")
    proc.stdin.flush()
    proc.stdout.readline()
    client = WSClient.connect("127.0.0.1", port, "/?session=NEW")
    json.loads(client.recv_text())
    json.loads(client.recv_text())
    size = 1024 * 1024
    if kind == "binary":
        payload = os.urandom(size)
        opcode = 0x2
    else:  # a 1 MiB JSON text event with non-ASCII content
        text = json.dumps({"event": "input_event", "task_id": "x", "data": "é" * (size // 2 - 40)}, ensure_ascii=False)
        payload, opcode = text.encode(), 0x1
    t0 = time.perf_counter()
    client.send_frame(opcode, payload)
    client.recv_close()  # both are refused after being read whole (not an upload / unknown task)
    rtt = (time.perf_counter() - t0) * 1000
    client.sock.close()
    proc.stdin.write("report\n")
    proc.stdin.flush()
    return rtt, float(proc.stdout.readline().split()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_floor_server.py"))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    try:
        port = int(proc.stdout.readline().split()[1])
        print(f"{'scenario':44} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'>30ms':>6}")
        for name, fn in (("WebSocket echo, 3-command reply, c=1", ws_echo),
                         ("HTTP POST echo, reply carries output, c=1", http_echo)):
            times = fn(port, args.rounds)
            slow = sum(t > 30 for t in times)
            print(f"{name:44} {pct(times, .5):9.3f} {pct(times, .99):9.3f} {max(times):9.3f} {slow:6d}")
        print()
        print(f"{'1 MiB inbound WebSocket message':44} {'RTT ms':>9} {'hub stall ms':>13}")
        for kind in ("binary", "text"):
            results = [stall(proc, port, kind) for _ in range(5)]
            rtt = statistics.median(r[0] for r in results)
            worst = statistics.median(r[1] for r in results)
            print(f"{kind + ' (median of 5)':44} {rtt:9.2f} {worst:13.2f}")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
