"""A session's tasks: starting, running, ending and forgetting them.

Owns ``Task`` (one greenlet or one asyncio Task, its queued client events and its
scope stack), ``TaskHandle`` (what ``run_async`` returns) and ``TaskGroup``: the
live tasks of one session, the ids of those that just ended, the hooks run as a
task ends, and the error toast of a task that failed. A plain task runs in a raw
greenlet; an ``async def`` one is an asyncio Task on the hub's loop (``aio``).
Must not route client events (``inbox``) or know about the session's lifecycle
beyond telling it that its tasks have all ended.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import secrets
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal

import gevent
from gevent import Greenlet
from gevent.hub import Waiter
from greenlet import greenlet as RawGreenlet

from ..core import commands
from ..errors import SessionClosed, TaskInterrupted
from ..protocol import ClientEvent, encode_command
from . import aio, context

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Task", "TaskGroup", "TaskHandle", "TaskKind", "end_task", "task_name"]

logger = logging.getLogger(__name__)

#: Ids of recently ended tasks remembered, so an event racing a task's end (a blur
#: fired as its form is removed) is dropped quietly instead of refused as forged.
ENDED_TASKS_REMEMBERED: Final = 32

#: "main", "task" (started with run_async/register_thread) or "callback".
TaskKind = Literal["main", "task", "callback"]


class Task:
    """One unit of execution in a session: a greenlet or an asyncio Task, its queued
    client events and its scope stack."""

    __slots__ = ("id", "kind", "greenlet", "coroutine", "events", "waiter", "turns", "scopes",
                 "waiting_event", "waiting_flow", "ending", "done")

    def __init__(self, task_id: str, kind: TaskKind) -> None:
        self.id = task_id
        self.kind: TaskKind = kind
        #: The greenlet running the task (plain code), if any.
        self.greenlet: RawGreenlet | None = None
        #: The asyncio Task running the task's coroutine (``async def`` code), if any.
        self.coroutine: asyncio.Task[Any] | None = None
        #: Client events not read yet, oldest first; None when there are none.
        self.events: list[ClientEvent] | None = None
        #: What waits for the next event: a gevent Waiter (a greenlet) or an asyncio
        #: future (a coroutine); None when nothing waits.
        self.waiter: Waiter[Any] | asyncio.Future[None] | None = None
        #: Awaited client waits of this task queued behind the running one (owned by
        #: ``aio``): None when none runs, ``()`` when one runs and none waits.
        self.turns: list[asyncio.Future[None]] | tuple[()] | None = None
        #: The scope stack, shared output space but one stack per task.
        self.scopes: list[str] = ["ROOT"]
        #: Waiting in client_event() with nothing queued.
        self.waiting_event = False
        #: Parked in send_command() by flow control.
        self.waiting_flow = False
        #: Told to end (a greenlet not yet started then never runs its function).
        self.ending = False
        #: Finished (and forgotten by its session).
        self.done = False

    @property
    def settled(self) -> bool:
        """Waiting on the client (a greenlet or a coroutine), or finished."""
        return self.waiting_event or self.waiting_flow or self.done

    def pop_scope(self) -> str:
        """Leave the innermost scope and return its name.

        :raises ValueError: when only ROOT is left (it cannot be popped).
        """
        if len(self.scopes) <= 1:
            raise ValueError("the ROOT scope cannot be popped")
        return self.scopes.pop()

    def pending_events(self) -> int:
        """Client events queued and not read yet."""
        return 0 if self.events is None else len(self.events)

    def push_event(self, event: ClientEvent) -> None:
        """Queue a client event for the task (the caller checked the cap)."""
        if self.events is None:
            self.events = [event]
        else:
            self.events.append(event)

    def pop_event(self) -> ClientEvent | None:
        """The oldest queued client event, or None."""
        events = self.events
        if not events:
            return None
        event = events.pop(0)
        if not events:
            self.events = None
        return event

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.kind}>"


class TaskHandle:
    """What ``run_async`` returns: ``close()`` ends the task, ``closed()`` tells if it has."""

    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    @property
    def task_id(self) -> str:
        return self._task.id

    def close(self) -> None:
        if not self._task.done:
            end_task(self._task)

    def closed(self) -> bool:
        return self._task.done


def end_task(task: Task) -> None:
    """Raise SessionClosed in a running task's greenlet, cancel its coroutine; a task
    that has not started yet never will."""
    task.ending = True
    g = task.greenlet
    if isinstance(g, Greenlet):  # adopted with register_thread
        # gr_frame is None until the greenlet first runs; killing it then with anything
        # but GreenletExit makes gevent report a failure.
        g.kill(SessionClosed if g.gr_frame is not None else gevent.GreenletExit, block=False)
    elif g:  # a raw greenlet that has started and not ended
        gevent.get_hub().loop.run_callback(_throw_closed, g)
    if task.coroutine is not None:
        task.coroutine.cancel()


def _throw_closed(g: RawGreenlet) -> None:
    # In the hub, later: the greenlet may have ended meanwhile.
    if g:
        g.throw(SessionClosed)


def _same(value: Any) -> Any:
    return value


def task_name(fn: Any) -> str:
    """A short, URL-safe name for ``fn``, the readable part of its task or callback id."""
    return _safe_name(getattr(fn, "__name__", None) or type(fn).__name__)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:40]


class TaskGroup:
    """The live tasks of one session.

    It holds no reference to its session (a session and its parts form no reference
    cycle, so a finished session is freed at once, without the cyclic collector):
    the methods that need it are given it.
    """

    __slots__ = ("_tasks", "_ended", "_main_done", "end_hooks")

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        #: Ids of the last tasks that ended (created at the first end).
        self._ended: list[str] | None = None
        self._main_done = False
        #: ``hook(session, task)`` run in a task's own greenlet just before it ends
        #: (normally or not), with its context still set: e.g. to send its last outputs.
        self.end_hooks: list[Callable[[Session, Task], None]] = []

    # ------------------------------------------------------------------ queries
    def live(self) -> list[Task]:
        """The live tasks."""
        return list(self._tasks.values())

    def get(self, task_id: str) -> Task | None:
        """The live task with this id, or None."""
        return self._tasks.get(task_id)

    def just_ended(self, task_id: str) -> bool:
        """True if a task with this id ended recently (its late events are stale)."""
        return self._ended is not None and task_id in self._ended

    def count(self, kind: TaskKind, but: Task | None = None) -> int:
        """Live tasks of ``kind``, not counting ``but``."""
        return sum(1 for t in self._tasks.values() if t.kind == kind and t is not but)

    def __len__(self) -> int:
        return len(self._tasks)

    # ------------------------------------------------------------------ starting
    def spawn(self, session: Session, fn: Any, args: tuple[Any, ...], kind: TaskKind) -> Task:
        """Start ``fn(*args)`` as a task of ``session``; ``fn`` may be a coroutine object (no args)."""
        task = Task(f"{task_name(fn)}-{secrets.token_urlsafe(8)}", kind)
        self._tasks[task.id] = task
        if inspect.iscoroutine(fn) or aio.is_async_callable(fn):  # an asyncio Task, no greenlet
            ctx = contextvars.Context()  # a fresh one, as a new greenlet has
            ctx.run(context.set_current, session, task)
            make = functools.partial(_same, fn) if inspect.iscoroutine(fn) else functools.partial(fn, *args)
            self._start_coroutine(session, task, make, ctx)
        else:
            # A raw greenlet: gevent's Greenlet would also keep its spawning stack and
            # tree (about 3 KiB per task), and nothing here needs its links.
            task.greenlet = gevent.spawn_raw(self._run, session, task, fn, args)
        return task

    def adopt(self, session: Session, greenlet: Greenlet[Any, Any]) -> Task:
        """Make a not-yet-started gevent Greenlet a task of ``session``.

        :raises ValueError: if the greenlet already started.
        """
        if greenlet.started or greenlet.dead:
            raise ValueError("register_thread needs a greenlet that has not started yet")
        target = greenlet._run  # type: ignore[attr-defined]  # noqa: SLF001 - gevent keeps the target here
        task = Task(f"{task_name(target)}-{secrets.token_urlsafe(8)}", "task")
        self._tasks[task.id] = task
        task.greenlet = greenlet

        def run(*args: Any, **kwargs: Any) -> None:
            self._run(session, task, lambda: target(*args, **kwargs), ())

        greenlet._run = run  # type: ignore[attr-defined]  # noqa: SLF001
        greenlet.rawlink(lambda _g: self._done(session, task))
        return task

    def adopt_external(self, session: Session, fn: Callable[[], Any],
                       name: str) -> tuple[Task, Callable[[], None], Callable[[], None]]:
        """A task of ``session`` that other machinery starts and runs: ``(task, start, run)``
        (see :meth:`Session.adopt`). ``start()`` counts it as live; ``run()``, in a greenlet
        of the session's hub, runs ``fn`` as the task."""
        task = Task(f"{_safe_name(name)}-{secrets.token_urlsafe(8)}", "task")

        def start() -> None:
            if not session.is_closed and not task.ending:
                self._tasks[task.id] = task

        def run() -> None:
            task.greenlet = gevent.getcurrent()
            self._run(session, task, fn, ())

        return task, start, run

    def _start_coroutine(self, session: Session, task: Task, make: Callable[[], Any],
                         ctx: contextvars.Context) -> None:
        task.coroutine = aio.start_task(task.id, ctx, make, functools.partial(self._coroutine_ended, session, task))
        if session.is_closed or task.ending:
            task.coroutine.cancel()  # its first step ends it: the coroutine never runs

    def _coroutine_ended(self, session: Session, task: Task, failed: bool) -> None:
        # In the coroutine's last step (its context set), inside the except block if it failed.
        task.coroutine = None
        self._run_end_hooks(session, task)  # the task's last outputs go before the error toast
        if failed:
            self.on_exception(session, task)
        self._done(session, task)

    def _run(self, session: Session, task: Task, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        context.set_current(session, task)
        handed_off = failed = False
        try:
            if not session.is_closed and not task.ending:
                result = fn(*args)
                if inspect.iscoroutine(result):  # a plain function that returned a coroutine
                    self._start_coroutine(session, task, functools.partial(_same, result),
                                          contextvars.copy_context())
                    handed_off = True
        except (SessionClosed, gevent.GreenletExit):
            pass
        except Exception:
            failed = True
            self._run_end_hooks(session, task)  # the task's last outputs go before the error toast
            self.on_exception(session, task)
        finally:
            if task.greenlet is gevent.getcurrent() and not isinstance(task.greenlet, Greenlet):
                task.greenlet = None
            if not handed_off:
                if not failed:
                    self._run_end_hooks(session, task)
                self._done(session, task)

    # ------------------------------------------------------------------ ending
    def _run_end_hooks(self, session: Session, task: Task) -> None:
        for hook in list(self.end_hooks):
            try:
                hook(session, task)
            except (SessionClosed, gevent.GreenletExit):
                pass
            except Exception:
                logger.exception("session %s: task end hook %r failed", session.tag, hook)

    def _done(self, session: Session, task: Task) -> None:
        if self._tasks.pop(task.id, None) is None:
            return
        task.done = True
        if self._ended is None:
            self._ended = []
        elif len(self._ended) >= ENDED_TASKS_REMEMBERED:
            del self._ended[0]
        self._ended.append(task.id)
        if task.kind == "main":
            self._main_done = True
        session.task_ended(task, self.app_finished())

    def app_finished(self) -> bool:
        """The main task and every started task have ended (callbacks may remain)."""
        return self._main_done and not any(t.kind != "callback" for t in self._tasks.values())

    def end_all(self, but: object) -> list[Task]:
        """Tell every task but the one running ``but`` (a greenlet) to end; returns them."""
        victims = []
        for task in list(self._tasks.values()):
            if task.greenlet is not but:
                end_task(task)
                victims.append(task)
        return victims

    def on_exception(self, session: Session, task: Task) -> None:
        """Log the running exception; show the user a toast (or, in debug mode, a
        popup with the traceback). Called from a task's top frame (or its coroutine's
        last step), inside the ``except`` block."""
        error = sys.exc_info()[1]
        if isinstance(error, TaskInterrupted):  # the hub watchdog has logged it, without the id
            message = str(error)
        else:
            message = "An internal error occurred in the application"
            logger.exception("unhandled error in session %s, task %s", session.tag, task.id)
        if session.is_closed:
            return
        if session.debug:
            report = commands.error_popup(message, traceback.format_exc())
        else:
            report = commands.error_toast(message)
        try:
            session.send_encoded(encode_command(report.name, report.spec, task.id))
        except SessionClosed:
            pass
