"""Adopting a ``threading.Thread`` as a task of a session (PyWebIO's ``register_thread``).

Owns how a registered, not-yet-started thread gets its session. Sessions live on one
gevent hub, in one OS thread, and none of their objects may be touched from another
OS thread, so the thread's work always runs in that hub as a session task:

- With ``threading`` monkey-patched (every server wsgi_webio supports), ``Thread.start``
  makes a greenlet of the hub's thread, and its ``run`` runs as the task right there.
- Without it (the browserless test harness, a script that did not patch), ``start``
  makes a real OS thread. That thread hands the work to the hub (a thread-safe loop
  callback) and waits for the task to end, so ``is_alive()`` and ``join()`` mean what
  they mean for threads; ``join()`` from the hub's own thread waits cooperatively, since
  a real wait there would stop the hub that runs the work.

Either way the task's ``put_*`` calls reach the page in order, ``input()`` works in it,
and once the thread has started the session does not end before it does (a thread
registered and never started does not hold the session, as in PyWebIO). It must not touch a session from a
foreign OS thread, and must not reach into ``threading``'s private state.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final

import gevent
import gevent.event
from gevent import monkey
from gevent.monkey import get_original

if TYPE_CHECKING:
    from .session import Session, TaskHandle

__all__ = ["adopt_thread"]

#: The OS thread's id and a real lock, whether or not gevent patched the modules.
_os_thread_id: Final = get_original("_thread", "get_ident")
_os_lock: Final = get_original("_thread", "allocate_lock")
#: How often an OS thread waiting for its task checks that the session still lives.
_POLL_S: Final = 1.0


def adopt_thread(session: Session, thread: threading.Thread) -> TaskHandle:
    """Make ``thread`` (not started yet) run as a task of ``session`` once started.

    Call it from one of the session's tasks, before ``thread.start()``.

    :raises ValueError: if the thread has already started.
    """
    if thread.ident is not None:
        raise ValueError("register_thread() needs a thread that has not started yet: "
                         "call register_thread(t) before t.start()")
    hub_thread = _os_thread_id()
    hub = gevent.get_hub()
    handle, adopt_now, run_as_task = session.adopt(thread.run, thread.name)
    ended = gevent.event.Event()  # set in the hub's thread when the task has ended

    def run_in_hub() -> None:
        try:
            run_as_task()
        finally:
            ended.set()

    def run() -> None:
        if _os_thread_id() == hub_thread:  # threading is patched: this is a greenlet of the hub
            run_in_hub()
            return
        finished = _os_lock()
        finished.acquire()
        began = []

        def start_task() -> None:
            began.append(True)
            gevent.spawn_raw(_then_release, run_in_hub, finished)

        hub.loop.run_callback_threadsafe(start_task)
        while not finished.acquire(timeout=_POLL_S):
            if session.is_closed and not began:  # the hub is gone or will never run it
                return

    original_start, original_join = thread.start, thread.join

    def start() -> None:
        adopt_now()  # from the app's task, before the thread runs: the session waits for it
        original_start()

    def join(timeout: float | None = None) -> None:
        if _os_thread_id() == hub_thread and not _patched():
            ended.wait(timeout)  # cooperative: the hub keeps running the thread's work
            if not ended.is_set():
                return
            timeout = None  # the OS thread is at its last lines
        original_join(timeout)

    # Instance attributes: Thread's bootstrap calls self.run(), and a subclass's own
    # start() and run() are what `thread.start` and `thread.run` were bound to above.
    thread.start = start  # type: ignore[method-assign]
    thread.run = run  # type: ignore[method-assign]
    thread.join = join  # type: ignore[method-assign]
    return handle


def _then_release(fn: Any, lock: Any) -> None:
    try:
        fn()
    finally:
        lock.release()


def _patched() -> bool:
    return bool(monkey.is_module_patched("threading"))
