"""The hub watchdog: notices a session task that keeps every other session waiting.

Sessions are greenlets on one gevent hub: a task that computes without yielding
(``while True: pass``, a long numeric loop, a blocking C call) freezes every session of
the worker, and ``?test=1`` too. Owns :class:`HubWatchdog`, which one
:class:`~wsgi_webio.app.WebIOApp` starts on its first request, in the thread of the hub
that serves it:

- a repeating timer on that hub notes the time on every turn of its loop (a heartbeat);
- a real OS thread (not one that monkey-patching made a greenlet) reads the heartbeat a
  few times a second. A heartbeat older than :data:`REPORT_AFTER_S` means the hub is
  held: it is logged once, naming the task and the session (a short hash of its id:
  session ids are credentials and never reach a log);
- held longer than ``max_blocking_seconds`` by a task of this app's sessions, the task
  gets :class:`~wsgi_webio.errors.TaskInterrupted` (CPython's asynchronous exception,
  which lands between two bytecodes of the running greenlet: the holding task, checked
  in the same short GIL hold); the session's runner reports it like any error, with the
  exception's message on the page. Repeated once a second if the task swallows it;
- still held by that task :data:`EXIT_GRACE_S` past the bound (stuck inside one C call,
  where no exception can land, or swallowing it), the process exits with
  :data:`EXIT_CODE` so that its supervisor (gunicorn's arbiter, uWSGI's master, systemd)
  starts a fresh one. Code that is no session task is only logged: it may be a thread
  busy outside gevent altogether (an embedding program's own work).

:meth:`HubWatchdog.interrupt_if_blocked` is for the servers' Python-level SIGTERM/SIGINT
handlers, which run between bytecodes of the blocking loop: they end the holding task at
once so the graceful stop can run. Everything belongs to the instance; nothing here runs
at import, and the monitor thread ends with :meth:`HubWatchdog.stop` or when the
watchdog is garbage.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import sysconfig
import time
import weakref
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

import gevent
from gevent import monkey

from .errors import TaskInterrupted
from .runtime import aio, context
from .runtime.session import Session, session_tag
from .runtime.tasks import Task, TaskGroup

__all__ = ["EXIT_CODE", "EXIT_GRACE_S", "REPORT_AFTER_S", "HubWatchdog", "session_tag"]

logger = logging.getLogger(__name__)

#: How often the hub beats and the monitor looks.
TICK_S: Final = 0.1
#: A hub held this long (or half the bound, if less) is logged.
REPORT_AFTER_S: Final = 1.0
#: Held this long past the bound, the process exits for its supervisor to restart it.
EXIT_GRACE_S: Final = 5.0
#: The exit status then (EX_SOFTWARE; not gunicorn's 3 or 4, which stop the arbiter).
EXIT_CODE: Final = 70

# The real ones: monkey-patching would make the monitor a greenlet on the hub it watches.
_start_thread = monkey.get_original("_thread", "start_new_thread")
_allocate_lock = monkey.get_original("_thread", "allocate_lock")
_get_ident = monkey.get_original("_thread", "get_ident")


#: Where library code lives: the standard library, installed packages, and this package.
#: An asynchronous exception is never raised while the innermost frame is in one of them.
_LIBRARY_DIRS: Final = tuple(sorted({*(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib",
                                                                               "platlib")),
                                     os.path.dirname(os.path.abspath(__file__))}))


def _in_library(frame: FrameType) -> bool:
    name = frame.f_code.co_filename
    return name.startswith("<") or name.startswith(_LIBRARY_DIRS)


def _task_in(frame: FrameType | None) -> tuple[Session, Task] | None:
    """The session task whose runner is on this (running greenlet's) stack, if any.

    Follows the runtime's two task runners: ``TaskGroup._run`` (a greenlet; its locals
    are the session and the task) and ``aio._TaskCoroutine._resume`` (a coroutine step;
    its ``_on_end`` is ``partial(group._coroutine_ended, session, task)``). The
    spinning tests in tests/live/test_blocking.py fail if either runner changes shape.
    """
    greenlet_code = TaskGroup._run.__code__
    step_code = aio._TaskCoroutine._resume.__code__
    while frame is not None:
        code = frame.f_code
        if code is greenlet_code:
            session, task = frame.f_locals.get("session"), frame.f_locals.get("task")
            if isinstance(session, Session) and isinstance(task, Task):
                return session, task
        elif code is step_code:
            args: tuple[Any, ...] = getattr(getattr(frame.f_locals.get("self"), "_on_end", None), "args", ())
            if len(args) == 2 and isinstance(args[0], Session) and isinstance(args[1], Task):
                return args[0], args[1]
        frame = frame.f_back
    return None


class _Heartbeat:
    """The hub's side: a repeating timer that notes the time. Holds nothing of the app,
    so the hub's loop does not keep the watchdog alive."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.stopped = False
        self.timer: Any = None

    def beat(self) -> None:
        if self.stopped:
            self.timer.stop()
            return
        self.last = time.monotonic()


def _stop_heart(heart: _Heartbeat) -> None:
    heart.stopped = True  # a flag only: safe from whichever thread collects the watchdog


class HubWatchdog:
    """Watches the hub of the calling thread for one app.

    :param owns: whether a session belongs to the app (only its tasks are interrupted).
    :param max_blocking_seconds: the bound; 0 only logs.
    """

    def __init__(self, owns: Callable[[Session], bool], max_blocking_seconds: float) -> None:
        self._owns = owns
        self.bound = float(max_blocking_seconds)
        self.report_after = min(REPORT_AFTER_S, self.bound / 2) if self.bound else REPORT_AFTER_S
        self._heart = _Heartbeat()
        self._hub: Any = None
        self._ident: int | None = None
        self._wake = _allocate_lock()
        self._stopping = False
        #: Monotonic time by which a blocked process exits (set by a stopping server).
        self._exit_by: float | None = None
        #: The episode (heartbeat value) already reported / interrupted, and when.
        self._reported: float | None = None
        self._interrupted_at: float | None = None

    def start(self) -> None:
        """Start watching the hub of the calling thread (idempotent)."""
        if self._hub is not None:
            return
        self._hub = gevent.get_hub()
        self._ident = _get_ident()
        heart = self._heart
        heart.last = time.monotonic()
        heart.timer = self._hub.loop.timer(TICK_S, TICK_S, ref=False)
        heart.timer.start(heart.beat)
        weakref.finalize(self, _stop_heart, heart)  # a forgotten app's timer stops too
        self._wake.acquire()  # released by stop(): the monitor's sleep ends early
        _start_thread(_monitor, (weakref.ref(self), self._wake))

    def stop(self) -> None:
        """Stop the timer (at its next turn) and the monitor thread."""
        self._stopping = True
        self._heart.stopped = True
        if self._wake.locked():
            self._wake.release()

    def blocked_for(self) -> float:
        """Seconds since the hub's last heartbeat, less one tick (0 when it runs)."""
        if self._hub is None:
            return 0.0
        return max(0.0, time.monotonic() - self._heart.last - TICK_S)

    def exit_if_blocked_by(self, deadline: float) -> None:
        """Called by a stopping server: if the hub is still held at ``deadline`` (monotonic),
        the process exits rather than waiting for SIGKILL."""
        self._exit_by = deadline if self._exit_by is None else min(self._exit_by, deadline)

    def interrupt_if_blocked(self) -> None:
        """From a Python-level signal handler (main thread): when the hub is held and the
        code running is a task of this app, end that task here.

        :raises TaskInterrupted: into the holding task.
        """
        if self._hub is None or self.blocked_for() < TICK_S or _get_ident() != self._ident:
            return
        current = context.peek()
        if current is not None and self._owns(current[0]):
            logger.error("interrupting what holds the gevent hub%s: the server is stopping", _describe(current))
            raise TaskInterrupted("This task was stopped: the server is stopping and it kept the server busy "
                                  "without pausing.")

    # ------------------------------------------------------------------ monitor thread
    def _check(self) -> None:
        """One look from the monitor thread."""
        now = time.monotonic()
        beat = self._heart.last
        held = now - beat - TICK_S
        if held < self.report_after:
            self._reported = self._interrupted_at = None
            return
        frame = sys._current_frames().get(self._ident or -1)
        found = _task_in(frame)
        if self._reported != beat:
            self._reported = beat
            self._report(held, found, frame)
        ours = found if found is not None and self._owns(found[0]) else None
        if ours is not None and self.bound and held >= self.bound \
                and (self._interrupted_at is None or now - self._interrupted_at >= 1.0) \
                and self._interrupt(ours):
            self._interrupted_at = now
        # Only a task of ours that did not yield to the exception ends the process (code
        # outside any task may just be a thread busy outside gevent: an embedding
        # program's own work), or a stopping server's deadline.
        if (ours is not None and self.bound and held >= self.bound + EXIT_GRACE_S) \
                or (self._exit_by is not None and now >= self._exit_by):
            logger.critical("the gevent hub has been held for %.1f s%s: exiting with status %d so that the "
                            "supervisor starts a fresh worker", held, _describe(found), EXIT_CODE)
            os._exit(EXIT_CODE)  # from this thread: the held one cannot run an orderly exit

    def _interrupt(self, found: tuple[Session, Task]) -> bool:
        """Raise TaskInterrupted in the holding task, if it runs the app's own code now.

        An asynchronous exception lands between any two bytecodes: inside the standard
        library or another package it could leave a lock acquired and never released
        (``threading.RLock.acquire`` between taking the lock and noting its owner), which
        would freeze the worker for good. So it is raised only while the innermost frame
        is the app's code; otherwise the next tick looks again, and a task that never
        leaves library code ends the process ``EXIT_GRACE_S`` later (a fresh worker is
        safe where a half-interrupted one is not). Decided and raised within one hold of
        the GIL in the common case; the exception targets the thread, so a task that
        yields in that instant could pass it on: that is the residual risk.
        """
        frame = sys._current_frames().get(self._ident or -1)
        if self._ident is None or frame is None or _in_library(frame) or _task_in(frame) != found:
            return False
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._ident), ctypes.py_object(TaskInterrupted))
        logger.error("interrupting what holds the gevent hub%s, past max_blocking_seconds (%g s); offload "
                     "CPU-bound work with wsgi_webio.session.run_blocking", _describe(found), self.bound)
        return True

    def _report(self, held: float, found: tuple[Session, Task] | None, frame: FrameType | None) -> None:
        where = ""
        if frame is not None:
            where = f" at {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}()"
        logger.warning("the gevent hub has been held for %.1f s%s%s: every session of this worker waits",
                       held, _describe(found), where)


def _describe(found: tuple[Session, Task] | None) -> str:
    if found is None:
        return " by code outside any session task"
    session, task = found
    return f" by task {task.id} of session {session_tag(session.id)}"


def _monitor(watchdog_ref: weakref.ref[HubWatchdog], wake: Any) -> None:
    """The monitor thread: looks every tick until stopped or its watchdog is gone."""
    while True:
        if wake.acquire(True, TICK_S):
            return
        watchdog = watchdog_ref()
        if watchdog is None or watchdog._stopping:
            return
        try:
            watchdog._check()
        except Exception:
            logger.exception("the hub watchdog failed")
        del watchdog
