"""The fuzz suite's server: wsgi_webio's dev server in a process of its own.

    python tests/fuzz/fuzz_server.py [--max-seconds S] [json options]

Prints ``PORT <n>`` on stdout once listening on 127.0.0.1, logs to stderr (the fuzz
checks read that log for tracebacks), and serves until SIGTERM/SIGINT or until
``--max-seconds`` pass, whichever comes first. The JSON argument holds app options
(``wsgi_app``'s keywords). Used by ``tests/fuzz`` and by the long runs in
``benchmarks/fuzz_long.py`` and ``benchmarks/fuzz_drops.py``; it owns no checks.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after patching, on purpose
import json  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402

import wsgi_webio  # noqa: E402
from wsgi_webio.input import input as ask  # noqa: E402
from wsgi_webio.output import put_text  # noqa: E402


def echo() -> None:
    """Asks, echoes ``echo: <value>``, asks again: the fuzzers' target and the healthy session."""
    while True:
        value = ask("Say something")
        put_text(f"echo: {value}")


def counter() -> None:
    """The forced-drop run's app: each answer ``k`` gives ``BURST`` numbered outputs ``k.i``."""
    while True:
        value = ask("Next number")
        for i in range(BURST):
            put_text(f"{value}.{i}")


#: outputs per answer of the ``counter`` app (commands in flight when a connection drops)
BURST = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("options", nargs="?", default="{}", help="app options as a JSON object")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="exit on its own after this long")
    parser.add_argument("--head-timeout", type=float, default=None,
                        help="the server's head_timeout and keepalive_timeout (issue 14, defect 6)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="server %(levelname)s %(name)s: %(message)s")
    server, app = wsgi_webio.make_server({"echo": echo, "counter": counter}, "127.0.0.1", 0,
                                         **json.loads(args.options))
    if args.head_timeout is not None:  # read by the handler once defect 6 is fixed; ignored before
        for name in ("head_timeout", "keepalive_timeout"):
            setattr(server, name, args.head_timeout)
    server.start()
    print(f"PORT {server.server_port}", flush=True)
    stop = gevent.event.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(sig, stop.set)
    stop.wait(timeout=args.max_seconds)
    app.close()
    server.stop(timeout=1)


if __name__ == "__main__":
    main()
