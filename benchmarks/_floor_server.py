"""Server process for floors.py: an echo app plus a hub-stall ticker.

Prints ``PORT <n>``; then answers stdin lines: ``reset`` clears the largest tick
lateness seen, ``report`` prints it as ``STALL <ms>``. Loopback only.
"""

from __future__ import annotations

import sys
import time

from gevent import monkey

monkey.patch_all()

import gevent  # noqa: E402
from gevent.fileobject import FileObjectThread  # noqa: E402

from wsgi_webio import make_server  # noqa: E402
from wsgi_webio.input import input  # noqa: E402
from wsgi_webio.output import put_text  # noqa: E402

TICK_S = 0.005


def echo():
    while True:
        put_text("echo", input("say"))


def main() -> None:
    server, app = make_server(echo, "127.0.0.1", 0, max_message_size=4 * 1024 * 1024, max_sessions=20000)
    server.start()
    worst = [0.0]

    def ticker() -> None:
        while True:
            t0 = time.perf_counter()
            gevent.sleep(TICK_S)
            worst[0] = max(worst[0], time.perf_counter() - t0 - TICK_S)

    gevent.spawn(ticker)
    print(f"PORT {server.server_port}", flush=True)
    stdin = FileObjectThread(sys.stdin)
    for line in stdin:
        if line.strip() == "reset":
            worst[0] = 0.0
            print("OK", flush=True)
        elif line.strip() == "report":
            print(f"STALL {worst[0] * 1000:.2f}", flush=True)


if __name__ == "__main__":
    main()
