"""register_thread with a ``threading.Thread``, PyWebIO's idiom for background output:
the thread has the session, its outputs reach the page in order, the session waits for
it. This process is not monkey-patched (real OS threads); one test runs a patched
process to cover greenlet threads."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import gevent

from wsgi_webio.input import input as ask
from wsgi_webio.output import put_text
from wsgi_webio.session import register_thread
from wsgi_webio.testing import open_app

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_thread_registered_before_start_outputs_in_order():
    def count() -> None:
        for i in range(5):
            put_text(f"tick {i}")

    def app() -> None:
        put_text("before")
        thread = threading.Thread(target=count)
        register_thread(thread)
        thread.start()

    with open_app(app) as page:
        page.wait_for_text("tick 4")
        page.wait_closed()  # the session ends once the thread has: nothing keeps it alive
        assert page.text.splitlines() == ["before"] + [f"tick {i}" for i in range(5)]


def test_join_from_the_app_waits_for_the_thread_and_it_is_a_thread_meanwhile():
    seen = {}

    def work() -> None:
        seen["alive"] = thread.is_alive()
        put_text("from the thread")

    thread = threading.Thread(target=work, name="worker")

    def app() -> None:
        register_thread(thread)
        thread.start()
        thread.join(5)
        put_text(f"joined, alive={thread.is_alive()}")

    with open_app(app) as page:
        page.wait_for_text("joined")
        assert page.text.splitlines() == ["from the thread", "joined, alive=False"]
        assert seen == {"alive": True}


def test_the_session_waits_for_the_thread_and_the_thread_can_ask_for_input():
    def ask_in_thread() -> None:
        name = ask("Your name?")
        put_text(f"Hello, {name}")

    def app() -> None:
        thread = threading.Thread(target=ask_in_thread)
        register_thread(thread)
        thread.start()  # the main task ends here

    with open_app(app) as page:
        page.wait_for_form("Your name?").submit("Ada")
        page.wait_for_text("Hello, Ada")
        page.wait_closed()


def test_a_subclass_run_is_what_runs():
    class Clock(threading.Thread):
        def run(self) -> None:
            put_text(f"run of {self.name}")

    def app() -> None:
        clock = Clock(name="clock")
        register_thread(clock)
        clock.start()
        clock.join(5)

    with open_app(app) as page:
        page.wait_for_text("run of clock")


def test_an_error_in_the_thread_is_shown_and_logged(caplog):
    def broken() -> None:
        put_text("about to fail")
        raise RuntimeError("boom in thread")

    def app() -> None:
        thread = threading.Thread(target=broken)
        register_thread(thread)
        thread.start()
        thread.join(5)
        put_text("main goes on")

    with caplog.at_level(logging.ERROR, logger="wsgi_webio"), open_app(app) as page:
        page.wait_for_text("main goes on")
        assert page.text.splitlines() == ["about to fail", "main goes on"]
        assert any("internal error" in str(t.get("content")) for t in page.toasts)
    assert "boom in thread" in caplog.text


def test_closing_the_session_ends_a_waiting_thread():
    def waits() -> None:
        ask("Never answered")

    thread = threading.Thread(target=waits)

    def app() -> None:
        register_thread(thread)
        thread.start()

    with open_app(app) as page:
        page.wait_for_form("Never answered")
        page.session.close()
        assert page.session.join(5)
    # the OS thread ends with its task; join() here is a real wait (this is the hub's thread,
    # so give the hub turns until it is over)
    with gevent.Timeout(5):
        while thread.is_alive():
            gevent.sleep(0.01)


def test_started_threads_and_other_objects_are_refused():
    errors = []

    def app() -> None:
        started = threading.Thread(target=lambda: None)
        started.start()
        started.join(5)
        for bad in (started, object(), lambda: None):
            try:
                register_thread(bad)  # type: ignore[arg-type]
            except (ValueError, TypeError) as exc:
                errors.append(type(exc).__name__ + ": " + str(exc))
        put_text("done")

    with open_app(app) as page:
        page.wait_for_text("done")
    assert errors[0].startswith("ValueError: register_thread() needs a thread that has not started yet")
    assert [e.split(":")[0] for e in errors] == ["ValueError", "TypeError", "TypeError"]


def test_a_greenlet_is_still_accepted():
    def app() -> None:
        greenlet = gevent.Greenlet(put_text, "from a greenlet")
        register_thread(greenlet)
        greenlet.start()
        greenlet.join(5)
        put_text("joined")

    with open_app(app) as page:
        page.wait_for_text("joined")
        assert page.text.splitlines() == ["from a greenlet", "joined"]


PATCHED_APP = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import threading, time
    from wsgi_webio.output import put_text
    from wsgi_webio.session import register_thread
    from wsgi_webio.testing import open_app

    def count():
        assert threading.current_thread() is thread
        for i in range(3):
            put_text(f"tick {i}")
            time.sleep(0.001)  # patched: yields to the hub

    thread = threading.Thread(target=count)

    def app():
        put_text("before")
        register_thread(thread)
        thread.start()
        thread.join(5)
        put_text("joined")

    with open_app(app) as page:
        page.wait_for_text("joined")
        print(repr(page.text.splitlines()))
""")


def test_a_gevent_patched_thread_has_the_session():
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", PATCHED_APP], capture_output=True, text=True, timeout=60, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(["before", "tick 0", "tick 1", "tick 2", "joined"])


def test_a_thread_registered_but_never_started_does_not_hold_the_session():
    ran = []

    def app() -> None:
        register_thread(threading.Thread(target=lambda: ran.append("never")))
        put_text("main done")

    with open_app(app) as page:
        page.wait_for_text("main done")
        page.wait_closed()  # the main task ended and nothing else was started
        assert page.session.join(2)  # no wait for a task that never began
    assert ran == []
