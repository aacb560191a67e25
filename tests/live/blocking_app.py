"""Apps for the hub-watchdog tests: ``python -m wsgi_webio tests.live.blocking_app:apps``.

``spin`` (and ``spin_async``) holds the hub with a pure-Python loop after its input; ``stuck`` holds it inside
one C call (an unpatched sleep, where no exception can land); ``offload`` spins in a
thread of the pool through ``run_blocking`` until the file it is given exists; ``index``
is a healthy echo. Every loop is bounded in time.
"""

import os
import time

from gevent import monkey

from wsgi_webio.input import input
from wsgi_webio.output import put_text
from wsgi_webio.session import run_blocking

LIMIT_S = 60.0


def index():
    put_text("echo: " + input("value?"))


def spin():
    input("go?")
    put_text("spinning")
    end = time.monotonic() + LIMIT_S
    while time.monotonic() < end:
        pass
    put_text("spun to the end")


async def spin_async():
    await input("go?")
    put_text("spinning")
    end = time.monotonic() + LIMIT_S
    while time.monotonic() < end:
        pass
    put_text("spun to the end")


def stuck():
    input("go?")
    monkey.get_original("time", "sleep")(LIMIT_S)


def _wait_for_file(path: str) -> str:
    end = time.monotonic() + LIMIT_S
    while not os.path.exists(path) and time.monotonic() < end:
        pass
    return "offloaded done" if os.path.exists(path) else "offloaded gave up"


def offload():
    path = input("flag file?")
    put_text(run_blocking(_wait_for_file, path))


async def offload_async():
    path = await input("flag file?")
    put_text(await run_blocking(_wait_for_file, path))


apps = {"index": index, "spin": spin, "spin_async": spin_async, "stuck": stuck, "offload": offload,
        "offload_async": offload_async}
