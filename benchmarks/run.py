"""wsgi_webio against PyWebIO 1.8, measured in the same run on the same machine (issue 5).

    python3 benchmarks/run.py            # full scale, about 30-45 minutes on 2 cores
    python3 benchmarks/run.py --quick    # every scenario at small scale, under ~2 minutes
    python3 benchmarks/run.py --only echo,push --quick

Needs (installs nothing itself): ``python3 -m pip install -r benchmarks/requirements.txt``.

Each server runs in its own process on 127.0.0.1 (``_bench_server.py``): wsgi_webio's
dev server (WebSocket and long-poll on one port), PyWebIO's stock Tornado server
(WebSocket, thread-based sessions; coroutine-based for one idle comparison) and
PyWebIO's stock Flask server (HTTP polling, thread-based sessions). A fresh server
is started for every measurement. The load client (``_load_client.py``, asyncio +
aiohttp, many users in one process) is another process and speaks each server's wire
protocol as its own browser client does. This driver measures the server process from
outside (``/proc/PID/stat`` and ``/proc/PID/task/*/schedstat`` for CPU) and asks it
for ``gc.collect()`` + VmRSS through its stdin.

Scenarios: echo, push, idle, fanout, churn (see ``docs/benchmarks.md``). Prints a
table (ours, PyWebIO, the ratio, the target, met or not) and writes the same, with
every raw figure, as JSON (``benchmarks/results/latest.json``, or ``quick.json`` with
``--quick``). Bounded: every wait has a timeout, every run a deadline, every server an
``--max-seconds`` after which it exits on its own; all processes are stopped at the end.
Tests never assert timings: this script only prints them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import queue
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVER = HERE / "_bench_server.py"
CLIENT = HERE / "_load_client.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")

REQUIREMENTS = "python3 -m pip install -r benchmarks/requirements.txt"

# ----------------------------------------------------------------------------- scale

FULL: dict[str, Any] = {
    "echo_users": [10, 100, 1000],
    "echo_rounds_paced": 20,       # answers per user in the paced runs
    "echo_think_s": 1.0,           # paced: each user pauses uniform(0, 2*think) before answering
    "echo_closed_total": 2000,     # closed loop: rounds per user = max(5, total // users)
    "echo_deadline_s": 180,
    "push_users": 10, "push_rounds": 10, "push_think_s": 0.5,
    "idle_sessions": [1000, 10000],
    "idle_window_s": 30,           # CPU window: covers ours' 25 s poll hold and both servers' 30 s pings
    "idle_settle_s": 3,
    "idle_deadline_s": 420,
    "flask_idle_max": 1000,        # see docs: PyWebIO's Flask server is not run at 10,000
    "fanout_commands": 20000, "fanout_rounds": 5,
    "churn_cycles": 10000, "churn_first": 1000, "churn_concurrency": 50, "churn_deadline_s": 600,
    "ours_churn_expire_s": 5,
}

QUICK: dict[str, Any] = {
    "echo_users": [10],
    "echo_rounds_paced": 3,
    "echo_think_s": 0.15,
    "echo_closed_total": 100,
    "echo_deadline_s": 20,
    "push_users": 3, "push_rounds": 3, "push_think_s": 0.1,
    "idle_sessions": [200],
    "idle_window_s": 2,
    "idle_settle_s": 0.5,
    "idle_deadline_s": 40,
    "flask_idle_max": 1000,
    "fanout_commands": 1000, "fanout_rounds": 2,
    "churn_cycles": 300, "churn_first": 100, "churn_concurrency": 20, "churn_deadline_s": 40,
    "ours_churn_expire_s": 1,
}

SCENARIOS = ("echo", "push", "idle", "fanout", "churn")

# (server kind, client flavor, offer permessage-deflate, label)
OURS_WS = ("ours", "ours-ws", 15, "wsgi_webio WebSocket")
OURS_LP = ("ours", "ours-lp", 0, "wsgi_webio long-poll")
OURS_WS_ASYNC = ("ours-coro", "ours-ws", 15, "wsgi_webio WebSocket, async def app")
PYWEBIO_WS = ("tornado", "pywebio-ws", 15, "PyWebIO Tornado (thread, deflate)")
PYWEBIO_WS_PLAIN = ("tornado", "pywebio-ws", 0, "PyWebIO Tornado (thread, no deflate)")
PYWEBIO_CORO_PLAIN = ("tornado-coro", "pywebio-ws", 0, "PyWebIO Tornado (coroutine, no deflate)")
PYWEBIO_CORO = ("tornado-coro", "pywebio-ws", 15, "PyWebIO Tornado (coroutine, deflate)")
PYWEBIO_HTTP = ("flask", "pywebio-http", 0, "PyWebIO Flask (thread, 1 s polling)")
#: Names for --targets.
TARGETS = {"ours-ws": OURS_WS, "ours-lp": OURS_LP, "ours-async": OURS_WS_ASYNC, "tornado": PYWEBIO_WS,
           "tornado-plain": PYWEBIO_WS_PLAIN, "tornado-coro-plain": PYWEBIO_CORO_PLAIN,
           "tornado-coro": PYWEBIO_CORO, "flask": PYWEBIO_HTTP}

_children: list[subprocess.Popen] = []


# ----------------------------------------------------------------------------- processes


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Proc:
    """A child process spoken to by lines: stdout read by a thread into a queue."""

    def __init__(self, argv: list[str], log: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env["PYTHONUNBUFFERED"] = "1"
        self.log = log
        self._err = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
                                  text=True, cwd=ROOT, env=env, start_new_session=True)
        _children.append(self.p)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.p.pid

    def _pump(self) -> None:
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix: str, timeout: float) -> str:
        """The rest of the next line starting with ``prefix`` (other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {prefix!r} line from {self.log.name} within {timeout:g}s")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"{self.log.name} exited (code {self.p.poll()}): {self.tail()}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def send(self, line: str) -> None:
        try:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def tail(self, n: int = 6) -> str:
        try:
            self._err.flush()
            lines = self.log.read_text(errors="replace").strip().splitlines()
            return " | ".join(lines[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.p.poll() is None:
            self.send("quit")
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(timeout=5)
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self._err.close()
        if self.p in _children:
            _children.remove(self.p)


class Server(Proc):
    def __init__(self, kind: str, logdir: Path, tag: str, max_seconds: float, expire: float = 0.0,
                 extra_args: tuple[str, ...] = ()) -> None:
        argv = [sys.executable, str(SERVER), "--kind", kind, "--max-seconds", str(int(max_seconds)), *extra_args]
        if expire:
            argv += ["--expire", str(expire)]
        super().__init__(argv, logdir / f"{tag}.server.log")
        self.kind = kind
        self.port = int(self.expect("PORT", 60))
        self._wait_ready(30)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/?test=1")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"server {self.kind} did not answer ?test=1: {self.tail()}")

    def stats(self, timeout: float = 60) -> dict:
        self.send("stats")
        return json.loads(self.expect("STATS", timeout))

    def wait_idle(self, timeout: float, registry_empty: bool = False) -> dict:
        """Stats once no app function runs (and, for ours, the registry is empty)."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            done = st["live"] == 0 and (not registry_empty or st.get("registry", 0) == 0)
            if done or time.monotonic() > deadline:
                st["settled"] = done
                return st
            time.sleep(0.25)

    def cpu(self) -> dict:
        """CPU of the whole process: utime+stime (all threads, ended ones too; clock ticks)
        and the sum of the live threads' schedstat run time (ns)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        ns = 0
        task_dir = f"/proc/{self.pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/schedstat") as f:
                    ns += int(f.read().split()[0])
            except OSError:
                pass
        return {"ticks_s": ticks / CLK_TCK, "schedstat_s": ns / 1e9, "t": time.monotonic()}


def gc_during(before: dict | None, after: dict | None) -> dict | None:
    """The server's automatic garbage collections between two ``stats``: per
    generation, how many and how many seconds, and the longest one so far."""
    if not before or not after:
        return None
    return {"collections": [a - b for a, b in zip(after["collections"], before["collections"], strict=True)],
            "seconds": [round(a - b, 4) for a, b in zip(after["seconds"], before["seconds"], strict=True)],
            "longest_s_so_far": round(after["longest_s"], 4),
            "tracked_objects": [before.get("tracked_objects"), after.get("tracked_objects")]}


def cpu_delta(a: dict, b: dict) -> dict:
    """``cpu_s``: the larger of the two measures. Clock ticks count every thread, ended ones
    too, but only to 10 ms; schedstat is exact to the ns but misses threads that ended
    in between (PyWebIO's per-request and per-session threads)."""
    ticks, ns = b["ticks_s"] - a["ticks_s"], b["schedstat_s"] - a["schedstat_s"]
    return {"cpu_s": max(ticks, ns), "ticks_s": ticks, "schedstat_s": ns, "wall_s": b["t"] - a["t"]}


class Client(Proc):
    def __init__(self, params: dict, logdir: Path, tag: str) -> None:
        super().__init__([sys.executable, str(CLIENT), json.dumps(params)], logdir / f"{tag}.client.log")

    def phase(self, name: str, timeout: float) -> dict:
        rest = self.expect("PHASE", timeout)
        got, _, info = rest.partition(" ")
        if got != name:
            raise RuntimeError(f"client phase {got!r}, expected {name!r}")
        return json.loads(info or "{}")

    def result(self, timeout: float) -> dict:
        return json.loads(self.expect("RESULT", timeout))


# ----------------------------------------------------------------------------- statistics


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def summary(lat: list[float]) -> dict:
    return {"n": len(lat), "p50_ms": pct(lat, 0.50), "p90_ms": pct(lat, 0.90), "p99_ms": pct(lat, 0.99),
            "max_ms": max(lat) if lat else None, "mean_ms": statistics.fmean(lat) if lat else None}


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


# ----------------------------------------------------------------------------- runs


class Bench:
    def __init__(self, args: argparse.Namespace, scale: dict) -> None:
        self.args = args
        self.s = scale
        self.logdir = Path(tempfile.mkdtemp(prefix="wsgi_webio_bench_"))
        self.runs: list[dict] = []
        self.n = 0

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def run(self, scenario: str, target: tuple, params: dict, fn, **extra: Any) -> dict:
        """One measurement: a fresh server, one client, ``fn`` driving the phases."""
        kind, flavor, compress, label = target
        if self.args.targets and target not in [TARGETS[t] for t in self.args.targets]:
            return {}
        self.n += 1
        tag = f"{self.n:02d}-{scenario}-{kind}-{flavor}-{compress}"
        record = {"scenario": scenario, "server": kind, "flavor": flavor, "compress": compress, "label": label,
                  "params": params, "loadavg_before": loadavg(), **extra}
        t0 = time.monotonic()
        self.log(f"[{self.n:02d}] {scenario:6} {label:42} {json.dumps(params)[:110]}")
        server = client = None
        deadline = params.get("deadline", 120)
        try:
            server = Server(kind, self.logdir, tag, max_seconds=deadline + 300,
                            expire=extra.get("expire", 0.0))
            cparams = dict(params, port=server.port, flavor=flavor, compress=compress, scenario=params["scenario"])
            client = Client(cparams, self.logdir, tag)
            record.update(fn(server, client, deadline))
        except Exception as exc:  # noqa: BLE001 - one failed run must not stop the others
            record["error"] = f"{type(exc).__name__}: {exc}"
            if server is not None:
                record["server_log"] = server.tail()
            if client is not None:
                record["client_log"] = client.tail()
            self.log(f"     FAILED: {record['error']}")
        finally:
            for proc in (client, server):
                if proc is not None:
                    proc.stop()
        record["wall_s"] = round(time.monotonic() - t0, 2)
        self.runs.append(record)
        self.log(f"     -> {brief(record)}")
        return record

    # ---- echo and push: the client reports a "ready" phase once its users are open
    @staticmethod
    def _drive_echo(server: Server, client: Client, deadline: float) -> dict:
        ready = client.phase("ready", 120)
        gc_before = server.stats(120).get("gc")  # the collector's counts and seconds so far
        cpu0 = server.cpu()
        client.send("go")
        res = client.result(deadline + 120)
        cpu = cpu_delta(cpu0, server.cpu())
        gc_after = server.stats(120)["gc"] if gc_before else None
        lat = res.pop("latencies_ms")
        out = {"opened": ready.get("opened"), "open_s": ready.get("open_s"), **summary(lat), **res,
               "server_cpu": cpu, "server_gc": gc_during(gc_before, gc_after)}
        if res.get("completed"):
            out["server_cpu_ms_per_interaction"] = 1000 * cpu["cpu_s"] / res["completed"]
        return out

    def echo(self) -> None:
        s = self.s
        for target in (OURS_WS, PYWEBIO_WS, OURS_LP, PYWEBIO_HTTP):
            for users in s["echo_users"]:
                for mode in ("paced", "closed"):
                    if mode == "paced":
                        rounds, think = s["echo_rounds_paced"], s["echo_think_s"]
                    else:
                        rounds, think = max(5, s["echo_closed_total"] // users), 0.0
                    params = {"scenario": "echo", "app": "echo", "users": users, "rounds": rounds, "think": think,
                              "deadline": s["echo_deadline_s"]}
                    self.run("echo", target, params, self._drive_echo, users=users, mode=mode)

    def push(self) -> None:
        s = self.s
        for target in (OURS_WS, PYWEBIO_WS, OURS_LP, PYWEBIO_HTTP):
            params = {"scenario": "echo", "app": "push", "users": s["push_users"], "rounds": s["push_rounds"],
                      "think": s["push_think_s"], "deadline": s["echo_deadline_s"]}
            self.run("push", target, params, self._drive_echo)

    # ---- idle
    def _drive_idle(self, server: Server, client: Client, deadline: float) -> dict:
        s = self.s
        client.phase("warm", 120)
        base = server.wait_idle(30)
        client.send("go")
        parked = client.phase("parked", deadline + 60)
        time.sleep(s["idle_settle_s"])
        st = server.stats(120)
        n = parked["prompted"]
        cpu0 = server.cpu()
        time.sleep(s["idle_window_s"])
        cpu = cpu_delta(cpu0, server.cpu())
        st_after = server.stats(120)
        client.send("go")
        res = client.result(180)
        per5 = 5.0 / cpu["wall_s"]
        return {
            "baseline": base, "parked": st, "after_window": st_after, **res,
            "rss_per_session_kib": (st["rss_kb"] - base["rss_kb"]) / n if n else None,
            "server_cpu_window": cpu,
            "cpu_s_per_5s": cpu["cpu_s"] * per5,
            "schedstat_s_per_5s": cpu["schedstat_s"] * per5,
        }

    def idle(self) -> None:
        s = self.s
        for n in s["idle_sessions"]:
            targets = [OURS_WS, OURS_WS_ASYNC, PYWEBIO_WS, PYWEBIO_WS_PLAIN, PYWEBIO_CORO_PLAIN, OURS_LP]
            if n <= s["flask_idle_max"]:
                targets.append(PYWEBIO_HTTP)
            if n == min(s["idle_sessions"]):
                targets.insert(4, PYWEBIO_CORO)
            for target in targets:
                params = {"scenario": "idle", "sessions": n, "warm": 10, "deadline": s["idle_deadline_s"],
                          "open_timeout": 60, "open_concurrency": 100}
                self.run("idle", target, params, self._drive_idle, sessions=n)

    # ---- fanout
    @staticmethod
    def _drive_fanout(server: Server, client: Client, deadline: float) -> dict:
        client.phase("ready", 60)
        cpu0 = server.cpu()
        client.send("go")
        res = client.result(deadline + 60)
        rates = res.get("rates") or []
        return {**res, "median_per_s": statistics.median(rates) if rates else None,
                "best_per_s": max(rates) if rates else None, "server_cpu": cpu_delta(cpu0, server.cpu())}

    def fanout(self) -> None:
        s = self.s
        for target in (OURS_WS, PYWEBIO_WS, PYWEBIO_WS_PLAIN, OURS_LP, PYWEBIO_HTTP):
            params = {"scenario": "fanout", "commands": s["fanout_commands"], "rounds": s["fanout_rounds"],
                      "deadline": 180 if not self.args.quick else 30}
            self.run("fanout", target, params, self._drive_fanout)

    # ---- churn
    def _drive_churn(self, server: Server, client: Client, deadline: float) -> dict:
        ours = server.kind == "ours"
        wait = (self.s["ours_churn_expire_s"] * 3 + 10) if ours else 30
        client.phase("warm", 120)
        base = server.wait_idle(wait, registry_empty=ours)
        client.send("go")
        points = []
        for _ in range(2):
            info = client.phase("checkpoint", deadline + 60)
            st = server.wait_idle(wait, registry_empty=ours)
            st["cycles"] = info["cycles"]
            st["elapsed_s"] = info["elapsed_s"]
            points.append(st)
            client.send("go")
        res = client.result(60)
        first, last = points
        growth = (last["rss_kb"] - first["rss_kb"]) / first["rss_kb"] * 100
        return {"baseline": base, "after_first": first, "after_all": last, **res, "rss_growth_pct": growth}

    def churn(self) -> None:
        s = self.s
        for target in (OURS_WS, PYWEBIO_WS, OURS_LP, PYWEBIO_HTTP):
            params = {"scenario": "churn", "cycles": s["churn_cycles"], "checkpoints": [s["churn_first"],
                      s["churn_cycles"]], "concurrency": s["churn_concurrency"], "warm": 10,
                      "deadline": s["churn_deadline_s"]}
            extra = {"expire": s["ours_churn_expire_s"]} if target[0] == "ours" else {}
            self.run("churn", target, params, self._drive_churn, **extra)


def brief(r: dict) -> str:
    if "error" in r:
        return "error"
    sc = r["scenario"]
    if sc in ("echo", "push"):
        return (f"p50 {fmt(r.get('p50_ms'))} ms, p99 {fmt(r.get('p99_ms'))} ms, {fmt(r.get('per_s'))}/s, "
                f"{r.get('completed')}/{r.get('expected')} done, errors {sum(r.get('errors', {}).values())}")
    if sc == "idle":
        return (f"{r.get('prompted')} prompted, {fmt(r.get('rss_per_session_kib'))} KiB/session, "
                f"{fmt(r.get('cpu_s_per_5s'))} CPU-s per 5 s")
    if sc == "fanout":
        return f"{fmt(r.get('median_per_s'))} commands/s"
    if sc == "churn":
        return (f"{r.get('cycles')} cycles, RSS {r['after_first']['rss_kb']} -> {r['after_all']['rss_kb']} kB "
                f"({fmt(r.get('rss_growth_pct'))} %)")
    return ""


# ----------------------------------------------------------------------------- the table


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if x == 0:
        return "0"
    mag = abs(x)
    if mag >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{max(0, digits - 1 - int(math.floor(math.log10(mag))))}f}"


def find(runs: list[dict], **kw: Any) -> dict | None:
    for r in runs:
        if all(r.get(k) == v for k, v in kw.items()) and "error" not in r:
            return r
    return None


def failed(runs: list[dict], **kw: Any) -> bool:
    return any(all(r.get(k) == v for k, v in kw.items()) and "error" in r for r in runs)


def row(section: str, metric: str, ours: Any, theirs: Any, better: str, target: str = "",
        met: bool | None = None, note: str = "") -> dict:
    """``better``: "lower" or "higher"; the ratio is how many times better ours is."""
    ratio = None
    if isinstance(ours, int | float) and isinstance(theirs, int | float) and ours > 0 and theirs > 0:
        ratio = theirs / ours if better == "lower" else ours / theirs
    return {"section": section, "metric": metric, "ours": ours, "pywebio": theirs, "ratio": ratio,
            "target": target, "met": met, "note": note}


def build_rows(runs: list[dict], scale: dict) -> list[dict]:
    rows: list[dict] = []

    def v(r: dict | None, key: str) -> Any:
        return None if r is None else r.get(key)

    def errs(r: dict | None) -> int | None:
        if r is None:
            return None
        return max(sum(r.get("errors", {}).values()), r["expected"] - r["completed"])

    # echo
    for transport, ours_t, theirs_t, need in (("WebSocket", OURS_WS, PYWEBIO_WS, 20),
                                              ("long-poll", OURS_LP, PYWEBIO_HTTP, 30)):
        for users in scale["echo_users"]:
            for mode in ("paced", "closed"):
                o = find(runs, scenario="echo", flavor=ours_t[1], users=users, mode=mode)
                t = find(runs, scenario="echo", flavor=theirs_t[1], users=users, mode=mode)
                sec = f"echo {transport} C={users} {mode}"
                p50 = row(sec, "latency p50 ms", v(o, "p50_ms"), v(t, "p50_ms"), "lower", f">= {need}x lower")
                p50["met"] = None if p50["ratio"] is None else p50["ratio"] >= need
                rows.append(p50)
                p99 = row(sec, "latency p99 ms", v(o, "p99_ms"), v(t, "p99_ms"), "lower")
                if users >= 1000 and o is not None:
                    p99["target"] = "ours < 100 ms, no errors"
                    p99["met"] = o["p99_ms"] is not None and o["p99_ms"] < 100 and errs(o) == 0
                rows.append(p99)
                rows.append(row(sec, "interactions/s", v(o, "per_s"), v(t, "per_s"), "higher"))
                rows.append(row(sec, "errors (failed or not done)", errs(o), errs(t), "lower",
                                note="ratio n/a"))
                rows[-1]["ratio"] = None
                if mode == "closed":
                    rows.append(row(sec, "server CPU ms per interaction", v(o, "server_cpu_ms_per_interaction"),
                                    v(t, "server_cpu_ms_per_interaction"), "lower"))
    # push
    for transport, ours_t, theirs_t in (("WebSocket", OURS_WS, PYWEBIO_WS), ("long-poll", OURS_LP, PYWEBIO_HTTP)):
        o = find(runs, scenario="push", flavor=ours_t[1])
        t = find(runs, scenario="push", flavor=theirs_t[1])
        sec = f"push {transport} (app answers 250 ms after the event)"
        r50 = row(sec, "delay the user sees p50 ms", v(o, "p50_ms"), v(t, "p50_ms"), "lower")
        r99 = row(sec, "delay p99 ms", v(o, "p99_ms"), v(t, "p99_ms"), "lower")
        if transport == "long-poll" and o is not None and o.get("p50_ms") is not None:
            r50["target"] = "ours within 5 ms of 250"
            r50["met"] = o["p50_ms"] - 250 <= 5
        rows += [r50, r99]
    # idle
    for n in scale["idle_sessions"]:
        o = find(runs, scenario="idle", server="ours", flavor="ours-ws", sessions=n)
        o_async = find(runs, scenario="idle", server="ours-coro", sessions=n)
        thread = find(runs, scenario="idle", server="tornado", compress=15, sessions=n)
        thread_plain = find(runs, scenario="idle", server="tornado", compress=0, sessions=n)
        coro_plain = find(runs, scenario="idle", server="tornado-coro", compress=0, sessions=n)
        coro = find(runs, scenario="idle", server="tornado-coro", compress=15, sessions=n)
        sec = f"idle WebSocket N={n}"
        r = row(sec, "KiB/session vs Tornado thread, deflate on", v(o, "rss_per_session_kib"),
                v(thread, "rss_per_session_kib"), "lower", ">= 8x lower")
        r["met"] = None if r["ratio"] is None else r["ratio"] >= 8
        rows.append(r)
        r = row(sec, "KiB/session vs Tornado coroutine, no deflate", v(o, "rss_per_session_kib"),
                v(coro_plain, "rss_per_session_kib"), "lower", "below it")
        r["met"] = None if r["ratio"] is None else r["ratio"] > 1
        rows.append(r)
        rows.append(row(sec, "KiB/session vs Tornado thread, no deflate", v(o, "rss_per_session_kib"),
                        v(thread_plain, "rss_per_session_kib"), "lower"))
        if coro is not None:
            rows.append(row(sec, "KiB/session vs Tornado coroutine, deflate on", v(o, "rss_per_session_kib"),
                            v(coro, "rss_per_session_kib"), "lower"))
        r = row(sec, "KiB/session, our async def app vs our plain app", v(o_async, "rss_per_session_kib"),
                v(o, "rss_per_session_kib"), "lower", "no more than plain")
        r["met"] = None if o_async is None or o is None else (
            o_async["rss_per_session_kib"] <= o["rss_per_session_kib"] * 1.05)
        rows.append(r)
        r = row(sec, "sessions that got their prompt", v(o, "prompted"), v(thread, "prompted"), "higher",
                f"all {n}" + (" in one process" if n >= 10000 else ""))
        r["ratio"] = None
        r["met"] = None if o is None else (o["prompted"] == n and o.get("alive_after") == n)
        rows.append(r)
        rows.append(row(sec, "server CPU-s per 5 s (vs thread, deflate)", v(o, "cpu_s_per_5s"),
                        v(thread, "cpu_s_per_5s"), "lower"))
        o = find(runs, scenario="idle", flavor="ours-lp", sessions=n)
        t = find(runs, scenario="idle", flavor="pywebio-http", sessions=n)
        sec = f"idle long-poll N={n}" + ("" if t is not None else " (PyWebIO Flask not run at this N)")
        rows.append(row(sec, "KiB/session", v(o, "rss_per_session_kib"), v(t, "rss_per_session_kib"), "lower"))
        r = row(sec, "sessions that got their prompt", v(o, "prompted"), v(t, "prompted"), "higher", f"all {n}")
        r["ratio"] = None
        r["met"] = None if o is None else (o["prompted"] == n and o.get("alive_after") == n)
        rows.append(r)
        rows.append(row(sec, "polls answered per second while parked", v(o, "polls_per_s"), v(t, "polls_per_s"),
                        "lower", note="ours: each held up to 25 s; PyWebIO's client polls every second"))
        r = row(sec, "server CPU-s per 5 s (PyWebIO: 1 s polling)", v(o, "cpu_s_per_5s"),
                v(t, "cpu_s_per_5s"), "lower")
        if n == 1000 or n == min(scale["idle_sessions"]):
            r["target"] = "ours <= 0.05 (1% of a core)"
            r["met"] = None if o is None else o["cpu_s_per_5s"] <= 0.05
        rows.append(r)
    # fanout
    o = find(runs, scenario="fanout", flavor="ours-ws")
    t15 = find(runs, scenario="fanout", server="tornado", compress=15)
    t0 = find(runs, scenario="fanout", server="tornado", compress=0)
    best = max([x for x in (v(t15, "median_per_s"), v(t0, "median_per_s")) if x is not None], default=None)
    r = row("fanout WebSocket (one task, M put_text)", "commands/s vs PyWebIO's better of deflate on/off",
            v(o, "median_per_s"), best, "higher", ">= 3x")
    r["met"] = None if r["ratio"] is None else r["ratio"] >= 3
    rows.append(r)
    rows.append(row("fanout WebSocket (one task, M put_text)", "commands/s vs Tornado deflate on",
                    v(o, "median_per_s"), v(t15, "median_per_s"), "higher"))
    rows.append(row("fanout WebSocket (one task, M put_text)", "commands/s vs Tornado no deflate",
                    v(o, "median_per_s"), v(t0, "median_per_s"), "higher"))
    rows.append(row("fanout long-poll (one task, M put_text)", "commands/s",
                    v(find(runs, scenario="fanout", flavor="ours-lp"), "median_per_s"),
                    v(find(runs, scenario="fanout", flavor="pywebio-http"), "median_per_s"), "higher"))
    # churn
    for transport, ours_t, theirs_t in (("WebSocket", OURS_WS, PYWEBIO_WS), ("long-poll", OURS_LP, PYWEBIO_HTTP)):
        o = find(runs, scenario="churn", flavor=ours_t[1])
        t = find(runs, scenario="churn", flavor=theirs_t[1])
        sec = f"churn {transport} ({scale['churn_cycles']} sessions opened and closed)"
        r = row(sec, f"RSS growth after {scale['churn_cycles']} vs after {scale['churn_first']}, %",
                v(o, "rss_growth_pct"), v(t, "rss_growth_pct"), "lower", "ours within 10%")
        r["ratio"] = None
        r["met"] = None if o is None else (abs(o["rss_growth_pct"]) <= 10
                                           and o.get("cycles") == scale["churn_cycles"])
        rows.append(r)
        rows.append(row(sec, f"RSS MB after {scale['churn_first']}", None if o is None else
                        o["after_first"]["rss_kb"] / 1024, None if t is None else t["after_first"]["rss_kb"] / 1024,
                        "lower"))
        rows.append(row(sec, f"RSS MB after {scale['churn_cycles']}", None if o is None else
                        o["after_all"]["rss_kb"] / 1024, None if t is None else t["after_all"]["rss_kb"] / 1024,
                        "lower"))
        rows.append(row(sec, "cycles/s", None if o is None else o["cycles"] / o["elapsed_s"],
                        None if t is None else t["cycles"] / t["elapsed_s"], "higher"))
    return rows


def print_table(rows: list[dict], out=sys.stdout) -> None:
    head = f"{'metric':52} {'ours':>10} {'PyWebIO':>10} {'ratio':>8}  {'target':30} met"
    section = None
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            print(f"[{section}]", file=out)
        ratio = "" if r["ratio"] is None else f"{fmt(r['ratio'], 2)}x"
        met = "" if r["met"] is None and not r["target"] else ("met" if r["met"] else
                                                              ("NOT MET" if r["met"] is False else "n/a"))
        print(f"  {r['metric']:50} {fmt(r['ours']):>10} {fmt(r['pywebio']):>10} {ratio:>8}  {r['target']:30} {met}",
              file=out)
    print("ratio: how many times better ours is (PyWebIO/ours for lower-is-better figures, ours/PyWebIO "
          "for higher-is-better); n/a: the run failed or was not part of this invocation.", file=out)


# ----------------------------------------------------------------------------- metadata


def versions() -> dict:
    from importlib import metadata

    out = {}
    for name in ("gevent", "greenlet", "gevent-websocket", "Werkzeug", "pywebio", "tornado", "Flask", "aiohttp"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "platform": platform.platform(),
                            "python": platform.python_version(), "implementation": platform.python_implementation()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info["nofile_hard"] = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return info


def git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + (" (src/ modified)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def check_requirements() -> None:
    missing = []
    for mod in ("gevent", "geventwebsocket", "werkzeug", "pywebio", "tornado", "flask", "aiohttp"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        sys.exit(f"missing: {', '.join(missing)}. Install the benchmark's requirements first:\n    {REQUIREMENTS}")
    import pywebio

    if not pywebio.__version__.startswith("1.8."):
        sys.exit(f"PyWebIO {pywebio.__version__} is installed; the comparison is against 1.8.x:\n    {REQUIREMENTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every scenario at small scale (smoke test, ~2 min)")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--targets", default="",
                        help=f"comma-separated subset of the servers/transports: {','.join(TARGETS)} (default all)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON output (default benchmarks/results/latest.json, quick.json with --quick)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override one scale setting, e.g. --set echo_users=[10,100] (see FULL in run.py)")
    args = parser.parse_args()
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    args.targets = [x.strip() for x in args.targets.split(",") if x.strip()]
    bad = sorted(set(args.targets) - set(TARGETS))
    if bad:
        parser.error(f"unknown target(s): {', '.join(bad)}; targets: {', '.join(TARGETS)}")
    scale = dict(QUICK if args.quick else FULL)
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in scale:
            parser.error(f"unknown setting {key!r}; settings: {', '.join(scale)}")
        scale[key] = json.loads(value)
    check_requirements()
    raise_nofile()
    out = args.out or HERE / "results" / ("quick.json" if args.quick else "latest.json")

    def on_term(signum, frame):  # noqa: ARG001 - stop the children like Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    bench = Bench(args, scale)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "mode": "quick" if args.quick else "full",
            "started_utc": started.isoformat(timespec="seconds"), "git": git_rev(), "machine": machine(),
            "versions": versions(), "scale": scale, "scenarios": only, "loadavg_start": loadavg()}
    bench.log(f"wsgi_webio benchmarks ({meta['mode']}): {', '.join(only)}; logs in {bench.logdir}")
    bench.log(f"machine: {meta['machine']}; load average {meta['loadavg_start']}")
    try:
        for name in SCENARIOS:
            if name in only:
                getattr(bench, name)()
    except KeyboardInterrupt:
        bench.log("interrupted: printing what was measured")
    finally:
        for p in list(_children):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
    meta["duration_s"] = round(time.monotonic() - t0, 1)
    meta["loadavg_end"] = loadavg()
    rows = build_rows(bench.runs, scale)
    rows = [r for r in rows if r["ours"] is not None or r["pywebio"] is not None
            or any(r["section"].startswith(name) for name in only)]
    print()
    print(f"wsgi_webio vs PyWebIO {meta['versions'].get('pywebio')} -- {meta['mode']} run, "
          f"{meta['started_utc']}, {meta['duration_s']} s, git {meta['git']}")
    m = meta["machine"]
    print(f"machine: {m.get('nproc')} CPUs ({m.get('cpu', '?')}), {m.get('mem_gib')} GiB, {m.get('platform')}, "
          f"Python {m.get('python')}; load average at start {meta['loadavg_start']}, at end {meta['loadavg_end']}")
    if args.quick:
        print("QUICK RUN: small scale, for smoke testing; the figures are noisy and not the issue's scale.")
    print()
    print_table(rows)
    failures = [r for r in bench.runs if "error" in r]
    if failures:
        print(f"\n{len(failures)} run(s) failed (logs in {bench.logdir}):")
        for r in failures:
            print(f"  {r['scenario']} {r['label']}: {r['error']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "rows": rows, "runs": bench.runs}, indent=1) + "\n")
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
