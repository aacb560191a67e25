"""Where wsgi_webio's memory per idle session goes: tracemalloc, by source line.

    python3 benchmarks/idle_memory.py [--sessions 1000] [--transport ws|lp] [--app plain|async] [--frames 1]

Starts wsgi_webio's dev server with tracemalloc on (``_bench_server.py --tracemalloc``),
warms it up with 10 sessions that end, snapshots, parks N sessions at an input
(``_load_client.py``, as ``run.py``'s idle scenario does), and prints the allocations
that grew, per session, biggest first, next to the VmRSS growth per session. With
``--frames`` > 1 each entry is a traceback (innermost last), which tells apart
allocations made on one line for different callers. Python allocations only:
tracemalloc does not see the greenlets' saved C stacks beyond what they allocate
through PyMem, nor kernel socket buffers. ``--app async`` parks the ``async def`` apps (``await
input(...)``, run.py's ``ours-async`` target) instead of the plain ones. Loopback
only; bounded like run.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ROOT, Client, Server, raise_nofile  # noqa: E402


def short(where: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in where:
            return where.split(marker, 1)[1]
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--transport", choices=("ws", "lp"), default="ws")
    parser.add_argument("--app", choices=("plain", "async"), default="plain",
                        help="park the plain `def` apps or the `async def` ones (run.py's ours-async)")
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None, help="also save the report as JSON here")
    args = parser.parse_args()
    raise_nofile()
    import tempfile

    logdir = Path(tempfile.mkdtemp(prefix="wsgi_webio_mem_"))
    key = "lineno" if args.frames == 1 else "traceback"
    server = client = None
    try:
        kind = "ours" if args.app == "plain" else "ours-coro"
        server = Server(kind, logdir, "mem", max_seconds=900, extra_args=("--tracemalloc", str(args.frames)))
        flavor = "ours-ws" if args.transport == "ws" else "ours-lp"
        client = Client({"port": server.port, "flavor": flavor, "compress": 15, "scenario": "idle",
                         "sessions": args.sessions, "warm": 10, "deadline": 300, "open_timeout": 60}, logdir, "mem")
        client.phase("warm", 120)
        base = server.wait_idle(30)
        server.send("tmsnap")
        server.expect("TMSNAP", 120)
        client.send("go")
        parked = client.phase("parked", 400)
        time.sleep(1)
        st = server.stats(120)
        server.send(f"tmdiff {key} {args.top}")
        diff = json.loads(server.expect("TMDIFF", 300))
        client.send("go")
        client.result(120)
    finally:
        for proc in (client, server):
            if proc is not None:
                proc.stop()
    n = parked["prompted"]
    rss = (st["rss_kb"] - base["rss_kb"]) * 1024 / n
    print(f"wsgi_webio {args.transport}, {args.app} app: {n} idle sessions (of {args.sessions}); "
          "tracemalloc on, which itself adds to RSS")
    print(f"VmRSS growth per session: {rss / 1024:.1f} KiB; traced Python allocations per session: "
          f"{diff['total_diff'] / n / 1024:.1f} KiB")
    print(f"{'bytes/session':>13} {'objs/session':>12}  where")
    for item in diff["top"]:
        where = " > ".join(short(w) for w in item["where"])  # outermost first, the allocation last
        print(f"{item['size_diff'] / n:13.0f} {item['count_diff'] / n:12.2f}  {where}")
    if args.out:
        args.out.write_text(json.dumps({"sessions": n, "rss_per_session": rss, "diff": diff}, indent=1) + "\n")
        print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
