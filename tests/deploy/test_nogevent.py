"""Servers without gevent (waitress, gunicorn sync and gthread), and a thread pool that gevent's
monkey-patching turned into greenlets (waitress after ``patch_all()``): the app refuses at
once with a message naming the fix, on every request; nothing hangs."""

from __future__ import annotations

import sys
import time

import pytest

from tests.deploy.procs import Http, ServerProcess, free_port, require, tool

pytestmark = pytest.mark.live

APP = "tests.deploy.apps:application"


def waitress() -> ServerProcess:
    require("waitress")
    port = free_port()
    return ServerProcess([tool("waitress-serve"), "--listen", f"127.0.0.1:{port}", APP], port)


def waitress_patched() -> ServerProcess:
    """waitress with threads=2, started by a script that monkey-patches first."""
    require("waitress")
    port = free_port()
    return ServerProcess([sys.executable, "tests/deploy/waitress_patched.py", str(port)], port)


def gunicorn(worker: str) -> ServerProcess:
    require("gunicorn")
    port = free_port()
    return ServerProcess([tool("gunicorn"), "-k", worker, "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
                          "--no-control-socket", APP], port)


THREAD = b"not a gevent greenlet"
POOL = b"one of a fixed pool of threads"


@pytest.mark.parametrize(("start", "why"), [(waitress, THREAD), (lambda: gunicorn("sync"), THREAD),
                                            (lambda: gunicorn("gthread"), THREAD), (waitress_patched, POOL)],
                         ids=["waitress", "gunicorn sync", "gunicorn gthread", "waitress after patch_all"])
def test_thread_servers_are_refused_with_the_fix(start, why):
    server = start()
    try:
        server.wait_ready()
        started = time.monotonic()
        with Http(server.port, timeout=10) as client:
            page = client.get("/")
            create = client.get("/", params={"ack": -1, "wait": 1}, headers={"webio-session-id": "NEW"})
        assert time.monotonic() - started < 5  # never a hang
        for status, _, body in (page, create):
            assert status == 500
            assert why in body and b"would soon hang" in body
            assert b"GeventWebSocketWorker" in body and b"uwsgi --gevent" in body
        assert server.log().count("cannot run sessions under") == 1  # logged once
    finally:
        server.kill()
