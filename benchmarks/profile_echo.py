"""Profile wsgi_webio's server under the echo load with py-spy (sampling, from outside).

    python3 benchmarks/profile_echo.py [--transport ws|lp] [--users 50] [--seconds 20] [--svg]

Starts wsgi_webio's dev server (``_bench_server.py --kind ours``) and the echo load
client (``_load_client.py``: ``--users`` closed-loop users, no think time, over the
chosen transport), attaches ``py-spy record`` to the server for ``--seconds``, and
writes under ``benchmarks/results/``:

- ``profile-echo-<transport>.folded``: the samples as collapsed stacks (one line per
  stack, ``frame;frame;... count``; feed it to speedscope or flamegraph.pl);
- ``profile-echo-<transport>.txt``: the functions with the most samples, by self time
  and by inclusive time, as shares of the server's busy samples, plus a few groupings;
- with ``--svg``, ``profile-echo-<transport>.svg``: py-spy's flame graph from a second
  recording of the same length.

Needs py-spy (``python3 -m pip install py-spy``) and permission to ptrace the server
(root, or ``kernel.yama.ptrace_scope`` 0). Loopback only; every process stops by itself.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HERE, ROOT, Client, Server, cpu_delta, raise_nofile, summary  # noqa: E402

#: Groupings reported in the summary: a stack counts for a group when a frame's file matches.
GROUPS = {
    "wsgi_webio (all of its frames, inclusive)": ("wsgi_webio/",),
    "werkzeug (Request/Response, headers, URL parsing)": ("werkzeug/",),
    "gevent.pywsgi (HTTP parsing and writing)": ("gevent/pywsgi.py",),
    "geventwebsocket + wsgi_webio's wshandler/wsframes": ("geventwebsocket/", "transports/wshandler.py",
                                                          "transports/wsframes.py"),
    "json (encode and decode)": ("json/",),
    "socket send/recv (gevent socket layer)": ("gevent/_socket3.py", "gevent/_socketcommon.py"),
    "email (pywsgi's header parsing)": ("email/",),
    "logging": ("logging/",),
}


#: The server's stdin reader (``FileObjectThread``, the benchmark's control channel) runs in
#: gevent's threadpool thread and blocks in read(), which py-spy does not always see as idle.
IGNORE = "gevent/threadpool.py"


def record(pid: int, seconds: int, fmt: str, out: Path) -> subprocess.Popen:
    argv = ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
            "--format", fmt, "--output", str(out)]
    if fmt == "raw":
        argv.append("--function")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def analyse(folded: Path, top: int) -> str:
    self_counts: collections.Counter[str] = collections.Counter()
    incl_counts: collections.Counter[str] = collections.Counter()
    groups: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames or any(IGNORE in f for f in frames):
            continue
        total += n
        self_counts[frames[-1]] += n
        for f in set(frames):
            incl_counts[f] += n
        for name, needles in GROUPS.items():
            if any(any(nd in f for nd in needles) for f in frames):
                groups[name] += n
    if not total:
        return "no samples (was the server busy? could py-spy attach?)\n"

    def short(frame: str) -> str:
        return re.sub(r"\((?:[^()]*?)(?:site-packages/|/src/|/python3\.\d+/)", "(", frame)

    lines = [f"{total} busy samples of the server (py-spy drops idle ones; the threadpool thread that reads "
             "the control channel is left out), 200 Hz", "",
             f"Top {top} by self time (the frame on top of the stack):"]
    lines += [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in self_counts.most_common(top)]
    lines += ["", f"Top {top} by inclusive time (the frame anywhere in the stack):"]
    lines += [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in incl_counts.most_common(top)]
    lines += ["", "Groups (inclusive; a sample counts once per group):"]
    lines += [f"  {100 * groups[name] / total:5.1f}%  {name}" for name in GROUPS]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", choices=("ws", "lp"), default="ws")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--svg", action="store_true", help="also record a flame graph (a second recording)")
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        sys.exit("py-spy is not installed: python3 -m pip install py-spy")
    raise_nofile()
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    base = results / f"profile-echo-{args.transport}"
    logdir = Path(tempfile.mkdtemp(prefix="wsgi_webio_profile_"))
    recordings = [("raw", base.with_suffix(".folded"))]
    if args.svg:
        recordings.append(("flamegraph", base.with_suffix(".svg")))
    server = client = None
    report = {}
    try:
        server = Server("ours", logdir, "profile", max_seconds=args.seconds * len(recordings) + 300)
        flavor = "ours-ws" if args.transport == "ws" else "ours-lp"
        total_s = args.seconds * len(recordings) + 4
        client = Client({"port": server.port, "flavor": flavor, "compress": 15, "scenario": "echo", "app": "echo",
                         "users": args.users, "rounds": 10_000_000, "think": 0.0, "deadline": total_s}, logdir,
                        "profile")
        client.phase("ready", 120)
        client.send("go")
        time.sleep(1)  # past the start
        cpu0 = server.cpu()
        for fmt, out in recordings:
            spy = record(server.pid, args.seconds, fmt, out)
            try:
                _, err = spy.communicate(timeout=args.seconds + 60)
            except subprocess.TimeoutExpired:
                spy.kill()
                _, err = spy.communicate()
            if spy.returncode:
                sys.exit(f"py-spy failed ({spy.returncode}): {err.strip()[-500:]}")
        cpu = cpu_delta(cpu0, server.cpu())
        res = client.result(total_s + 120)
        lat = res.pop("latencies_ms")
        report = {"transport": args.transport, "users": args.users, "seconds": args.seconds,
                  "server_cpu_share": cpu["cpu_s"] / cpu["wall_s"], **summary(lat),
                  "interactions_per_s": res.get("per_s")}
    finally:
        for proc in (client, server):
            if proc is not None:
                proc.stop()
    folded = base.with_suffix(".folded")
    head = (f"wsgi_webio echo over {'WebSocket' if args.transport == 'ws' else 'long-poll'}, "
            f"{args.users} closed-loop users, {args.seconds} s per recording\n"
            f"server busy {100 * report['server_cpu_share']:.0f}% of one core; "
            f"{report['interactions_per_s']:.0f} interactions/s (slower while py-spy samples); "
            f"latency p50 {report['p50_ms']:.2f} ms, p99 {report['p99_ms']:.2f} ms\n"
            f"command: python3 benchmarks/profile_echo.py {' '.join(sys.argv[1:])}\n\n")
    text = head + analyse(folded, args.top)
    base.with_suffix(".txt").write_text(text)
    print(text)
    outs = [p for _, p in recordings] + [base.with_suffix(".txt")]
    print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in outs))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
