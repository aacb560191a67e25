"""Server process for run.py: one server under test, on 127.0.0.1, in its own process.

    python benchmarks/_bench_server.py --kind ours|tornado|tornado-coro|flask [--max-seconds S]
                                       [--expire S]

Serves four apps, chosen by ``?app=`` (both servers route by it):

- ``echo``:   ``while True: put_text(input("say"))``
- ``push``:   ``while True: v = input("say"); sleep(0.25); put_text(v)`` (answers on its own)
- ``fanout``: ``while True: for i in range(int(input("how many"))): put_text(...)``
- ``once``:   ``put_text(input("say"))``, then the app returns and the session ends
  (idle sessions park at its input; churn cycles answer it).

The apps use only ``input`` and ``put_text`` (wsgi_webio's, or PyWebIO's). ``tornado``
is PyWebIO 1.8's stock ``start_server`` (Tornado WebSocket, thread-based sessions),
``tornado-coro`` the same with ``async def`` apps (coroutine-based sessions), ``flask``
PyWebIO's ``pywebio.platform.flask.start_server`` (``app.run(threaded=True)``, HTTP
polling, thread-based sessions), ``ours`` wsgi_webio's dev server (``make_server``:
gevent.pywsgi with its WebSocket handler, both transports on one port).

Prints ``PORT <n>`` once listening (PyWebIO's servers also print their banner). Then
answers stdin lines: ``stats`` runs ``gc.collect()`` and prints ``STATS <json>`` (VmRSS,
live app functions, threads, and for ours the registry's sizes); ``quit`` exits. EOF on
stdin (the driver is gone) exits too, and so does ``--max-seconds``: nothing outlives
the benchmark.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import resource
import socket
import sys
import threading
import time


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class Live:
    """How many app functions are running (sessions not yet ended)."""

    def __init__(self, lock: threading.Lock | None) -> None:
        self.n = 0
        self.started = 0
        self.lock = lock

    def enter(self) -> None:
        if self.lock:
            with self.lock:
                self.n += 1
                self.started += 1
        else:
            self.n += 1
            self.started += 1

    def leave(self) -> None:
        if self.lock:
            with self.lock:
                self.n -= 1
        else:
            self.n -= 1


def make_apps(input, put_text, sleep, live: Live) -> dict:  # noqa: A002 - PyWebIO's names
    def counted(fn):
        @functools.wraps(fn)
        def wrapper():
            live.enter()
            try:
                return fn()
            finally:
                live.leave()
        return wrapper

    def echo():
        while True:
            put_text(input("say"))

    def push():
        while True:
            value = input("say")
            sleep(0.25)
            put_text(value)

    def fanout():
        while True:
            for i in range(int(input("how many"))):
                put_text(f"line {i}")

    def once():
        put_text(input("say"))

    return {fn.__name__: counted(fn) for fn in (echo, push, fanout, once)}


def make_coro_apps(input, put_text, live: Live) -> dict:  # noqa: A002
    import asyncio

    def counted(fn):
        @functools.wraps(fn)
        async def wrapper():
            live.enter()
            try:
                return await fn()
            finally:
                live.leave()
        return wrapper

    async def echo():
        while True:
            put_text(await input("say"))

    async def push():
        while True:
            value = await input("say")
            await asyncio.sleep(0.25)
            put_text(value)

    async def fanout():
        while True:
            for i in range(int(await input("how many"))):
                put_text(f"line {i}")

    async def once():
        put_text(await input("say"))

    return {fn.__name__: counted(fn) for fn in (echo, push, fanout, once)}


class GcClock:
    """A ``gc.callbacks`` entry counting the collector's own (automatic) collections and
    adding up their time per generation, so that a CPU or latency figure can be told
    apart from the collector's share of it. ``stats``' explicit collections are left out."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.explicit = False
        self.longest = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if self.explicit:
            return
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        self.counts[info["generation"]] += 1
        self.seconds[info["generation"]] += took
        self.longest = max(self.longest, took)


def stats(live: Live, extra=None) -> str:
    clock = next((c for c in gc.callbacks if isinstance(c, GcClock)), None)
    collector = None
    if clock is not None:
        collector = {"collections": list(clock.counts), "seconds": list(clock.seconds), "longest_s": clock.longest}
        clock.explicit = True
    try:
        gc.collect()
    finally:
        if clock is not None:
            clock.explicit = False
    if collector is not None:
        collector["tracked_objects"] = len(gc.get_objects())  # what a full collection walks
    out = {"rss_kb": rss_kb(), "live": live.n, "started": live.started,
           "threads": len(os.listdir("/proc/self/task")), "gc": collector}
    if extra is not None:
        out.update(extra())
    return "STATS " + json.dumps(out)


def filtered_snapshot():
    """A tracemalloc snapshot without tracemalloc's own and the import system's allocations."""
    import tracemalloc

    return tracemalloc.take_snapshot().filter_traces((
        tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"), tracemalloc.Filter(False, "<unknown>")))


def tracemalloc_diff(snapshots: list, key: str, limit: int) -> str:
    """Allocations that grew since the last ``tmsnap``, biggest first, by ``key``
    (``lineno``, ``filename`` or ``traceback``)."""

    gc.collect()
    stats_ = filtered_snapshot().compare_to(snapshots[-1], key)
    top = [{"where": [f"{f.filename}:{f.lineno}" for f in st.traceback], "size_diff": st.size_diff,
            "count_diff": st.count_diff} for st in stats_[:limit]]
    total = sum(st.size_diff for st in stats_)
    return "TMDIFF " + json.dumps({"total_diff": total, "top": top})


def control_loop(lines, live: Live, extra=None) -> None:
    """Answer the driver's commands; exit when told, or when stdin closes."""
    snapshots: list = []
    for line in lines:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "stats":
            print(stats(live, extra), flush=True)
        elif cmd == "tmsnap":  # only with --tracemalloc
            gc.collect()
            snapshots[:] = [filtered_snapshot()]
            print("TMSNAP ok", flush=True)
        elif cmd == "tmdiff":
            key, _, limit = arg.partition(" ")
            print(tracemalloc_diff(snapshots, key or "lineno", int(limit or 40)), flush=True)
        elif cmd == "quit":
            break
    sys.stdout.flush()
    os._exit(0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_ours(args: argparse.Namespace, coro: bool = False) -> None:
    from gevent import monkey

    monkey.patch_all()
    import gevent
    from gevent.fileobject import FileObjectThread

    from wsgi_webio import make_server
    from wsgi_webio.input import input  # noqa: A004
    from wsgi_webio.output import put_text

    live = Live(None)
    options = {"max_sessions": 20000}
    if args.expire:
        options.update(reconnect_timeout=args.expire, session_expire_seconds=args.expire)
    apps = make_coro_apps(input, put_text, live) if coro else make_apps(input, put_text, time.sleep, live)
    server, app = make_server(apps, "127.0.0.1", 0, **options)
    server.start()
    gevent.spawn_later(args.max_seconds, os._exit, 3)
    print(f"PORT {server.server_port}", flush=True)

    def extra():
        return {"registry": len(app.registry), "open": app.registry.active_count()}

    control_loop(FileObjectThread(sys.stdin), live, extra)


def _daemon(target, *args) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def serve_tornado(args: argparse.Namespace, coro: bool) -> None:
    import tornado.ioloop
    from pywebio.input import input  # noqa: A004
    from pywebio.output import put_text
    from pywebio.platform.tornado import start_server

    live = Live(threading.Lock())
    apps = make_coro_apps(input, put_text, live) if coro else make_apps(input, put_text, time.sleep, live)
    port = free_port()
    timer = threading.Timer(args.max_seconds, os._exit, (3,))
    timer.daemon = True
    timer.start()
    _daemon(control_loop, sys.stdin, live)
    tornado.ioloop.IOLoop.current().add_callback(lambda: print(f"PORT {port}", flush=True))
    # PyWebIO's stock server: Tornado WebSocket, permessage-deflate offered to clients,
    # websocket_ping_interval=30, reconnect_timeout=0. cdn=False: no network.
    start_server(apps, port=port, host="127.0.0.1", cdn=False)


def serve_flask(args: argparse.Namespace) -> None:
    from pywebio.input import input  # noqa: A004
    from pywebio.output import put_text
    from pywebio.platform.flask import start_server

    live = Live(threading.Lock())
    apps = make_apps(input, put_text, time.sleep, live)
    port = free_port()
    timer = threading.Timer(args.max_seconds, os._exit, (3,))
    timer.daemon = True
    timer.start()
    _daemon(control_loop, sys.stdin, live)
    print(f"PORT {port}", flush=True)  # the driver waits for ?test=1 to answer
    # PyWebIO's stock Flask server: app.run(threaded=True), 1 s client polling,
    # 100 ms sleep after each POST.
    start_server(apps, port=port, host="127.0.0.1", cdn=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("ours", "ours-coro", "tornado", "tornado-coro", "flask"), required=True)
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="exit after this long whatever happens")
    parser.add_argument("--expire", type=float, default=0.0,
                        help="ours only: reconnect_timeout and session_expire_seconds (0: the defaults)")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES",
                        help="trace allocations (frames per traceback) for tmsnap/tmdiff; slows the server")
    args = parser.parse_args()
    raise_nofile()
    gc.callbacks.append(GcClock())
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(args.tracemalloc)
    if args.kind in ("ours", "ours-coro"):
        serve_ours(args, coro=args.kind == "ours-coro")
    elif args.kind == "flask":
        serve_flask(args)
    else:
        serve_tornado(args, coro=args.kind == "tornado-coro")


if __name__ == "__main__":
    main()
