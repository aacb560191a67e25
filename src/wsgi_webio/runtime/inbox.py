"""Client events on their way to a session's tasks, and the callbacks they trigger.

Owns the session's registered callbacks, its serial callback task (``serial_mode``),
the checks that decide whether a batch of events can be delivered (targets issued,
queues and running callbacks under their caps), handing each event to its task
(waking it) or to a new callback task, and a task's wait for its next event, in a
greenlet or a coroutine. Must not number, de-duplicate or acknowledge events (the
session's ``SessionLink`` does) nor start tasks itself (``TaskGroup`` does).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, Final

import gevent
from gevent.hub import Waiter

from ..errors import RemoteProtocolError, SessionClosed
from ..protocol import ClientEvent, abbrev
from . import aio, context
from .tasks import Task, TaskGroup, task_name

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Inbox", "MAX_CALLBACK_TASKS", "MAX_TASK_EVENTS"]

logger = logging.getLogger(__name__)

#: PyWebIO's per-task event queue size. Past it the client is flooding a task that
#: does not read; the event is refused with 429 rather than silently dropped.
MAX_TASK_EVENTS: Final = 100
#: Most callback tasks (one greenlet per click) running at once in a session; a
#: client clicking faster than its callbacks finish is refused with 429.
MAX_CALLBACK_TASKS: Final = 100

#: The key the serial task's events are counted under in a capacity check.
_SERIAL: Final = "\0serial"


def wake_waiter(task: Task) -> None:
    """Resume whatever waits for ``task``'s next event (a greenlet or a coroutine)."""
    waiter = task.waiter
    if waiter is None:
        return
    task.waiter = None
    if isinstance(waiter, Waiter):
        gevent.get_hub().loop.run_callback(waiter.switch, None)  # a Waiter is switched from the hub
    elif not waiter.done():
        waiter.set_result(None)  # the loop is nudged if it sleeps (aio._HubLoop.call_soon)


class Inbox:
    """Routes one session's client events to its tasks and callbacks.

    Like ``TaskGroup`` it holds no reference to its session (no reference cycle):
    the methods that need it are given it.

    :param tasks: the session's tasks, which callback tasks join.
    """

    __slots__ = ("_tasks", "_callbacks", "_serial")

    def __init__(self, tasks: TaskGroup) -> None:
        self._tasks = tasks
        #: callback id -> (function, serial_mode)
        self._callbacks: dict[str, tuple[Callable[[Any], Any], bool]] = {}
        #: The task running serial-mode callbacks one at a time; None until a first one.
        self._serial: Task | None = None

    # ------------------------------------------------------------------ callbacks
    def has_callbacks(self) -> bool:
        return bool(self._callbacks)

    def register_callback(self, callback: Callable[[Any], Any], serial_mode: bool) -> str:
        """Register a function called with the event's data when the client triggers it.

        Each trigger runs in a new task (greenlet) unless ``serial_mode``, where
        triggers run one at a time in one task (and may call ``input()``).
        ``callback`` may be an ``async def`` function.

        :returns: the callback id to put in the command spec.
        :raises TypeError: when ``callback`` is not callable.
        """
        if not callable(callback):
            raise TypeError(f"register_callback needs a callable, got {callback!r}")
        cb_id = f"CB-{task_name(callback)}-{secrets.token_urlsafe(8)}"
        self._callbacks[cb_id] = (callback, serial_mode)
        return cb_id

    def _serial_loop(self) -> None:
        session, task = context.current_task()
        while True:
            event = self.next_event(session, task)
            callback, _ = self._callbacks[event.task_id]
            try:
                result = callback(event.data)
                if inspect.iscoroutine(result):  # serial async callbacks run one at a time too
                    aio.run_coroutine_blocking(result)
            except Exception:
                self._tasks.on_exception(session, task)
            finally:
                # Holding the callback's return value (often the Output it made) while
                # waiting for the next click would keep that output from being sent.
                result = None  # noqa: F841

    def task_ended(self, task: Task) -> None:
        if task is self._serial:
            self._serial = None

    # ------------------------------------------------------------------ delivery
    def deliver(self, session: Session, events: Iterable[ClientEvent]) -> list[Task]:
        """Deliver ``events`` to ``session`` (all or none); returns the tasks they woke or started.

        Events for a task that just ended are dropped.

        :raises RemoteProtocolError: an unknown task or callback id (400), a closed
            session (410), or events that would overflow a task's queue or the
            running callbacks (429). Nothing was delivered.
        """
        events = tuple(event for event in events if self._check_target(session, event))
        self._check_capacity(events)
        return [t for t in (self._dispatch(session, event) for event in events) if t is not None]

    def deliver_one(self, session: Session, event: ClientEvent) -> Task | None:
        """Deliver one event. :raises RemoteProtocolError: see ``deliver``."""
        if not self._check_target(session, event):
            return None
        self._check_capacity((event,))
        return self._dispatch(session, event)

    def _check_target(self, session: Session, event: ClientEvent) -> bool:
        """True if the event can be delivered, False if it is stale (for a task that
        just ended). :raises RemoteProtocolError: for ids never issued."""
        if session.is_closed:
            raise RemoteProtocolError("session is closed", status_hint=410)
        if event.event == "callback":
            if event.task_id not in self._callbacks:
                raise RemoteProtocolError(f"unknown callback id {abbrev(event.task_id)}")
            return True
        if self._tasks.get(event.task_id) is not None:
            return True
        if self._tasks.just_ended(event.task_id):
            logger.info("session %s: dropped %s for ended task %s", session.tag, event.event, event.task_id)
            return False
        raise RemoteProtocolError(f"unknown task id {abbrev(event.task_id)} for event {event.event!r}")

    def _check_capacity(self, events: Iterable[ClientEvent]) -> None:
        """:raises RemoteProtocolError: (429) if delivering ``events`` would overflow a
        task's event queue or start more than MAX_CALLBACK_TASKS callback tasks."""
        queued: dict[str, int] = {}
        new_callbacks = 0
        for event in events:
            target = event.task_id
            if event.event == "callback":
                if not self._callbacks[target][1]:
                    new_callbacks += 1
                    continue
                target = _SERIAL
            queued[target] = queued.get(target, 0) + 1
        for target, count in queued.items():
            task = self._serial if target == _SERIAL else self._tasks.get(target)
            if task is not None and task.pending_events() + count > MAX_TASK_EVENTS:
                raise RemoteProtocolError(f"task {task.id} would have over {MAX_TASK_EVENTS} unread events",
                                          status_hint=429)
            if task is None and count > MAX_TASK_EVENTS:
                raise RemoteProtocolError(f"over {MAX_TASK_EVENTS} serial callback events at once", status_hint=429)
        if new_callbacks:
            running = self._tasks.count("callback", but=self._serial)
            if running + new_callbacks > MAX_CALLBACK_TASKS:
                raise RemoteProtocolError(
                    f"{running} callbacks still running; at most {MAX_CALLBACK_TASKS} at once", status_hint=429
                )

    def _dispatch(self, session: Session, event: ClientEvent) -> Task | None:
        if event.event == "callback":
            callback, serial = self._callbacks[event.task_id]
            if serial:
                if self._serial is None:
                    self._serial = self._tasks.spawn(session, self._serial_loop, (), "callback")
                return self._wake(self._serial, event)
            return self._tasks.spawn(session, callback, (event.data,), "callback")
        task = self._tasks.get(event.task_id)
        assert task is not None  # _check_target saw it, and nothing ran since
        return self._wake(task, event)

    @staticmethod
    def _wake(task: Task, event: ClientEvent) -> Task:
        task.push_event(event)
        task.waiting_event = False
        wake_waiter(task)
        return task

    # ------------------------------------------------------------------ waiting
    def next_event(self, session: Session, task: Task) -> ClientEvent:
        """Block ``task``'s greenlet (the running one) until the client sends it an event.

        :raises SessionClosed: when the session closes while waiting (or before).
        :raises RuntimeError: inside a coroutine (``yield from client_event()`` there).
        """
        if aio.in_loop_greenlet():
            raise RuntimeError("an input function was called without await inside an async task: "
                               "write `await input(...)` (blocking here would stall every session)")
        if session.is_closed:
            raise SessionClosed()
        while True:
            event = task.pop_event()
            if event is not None:
                return event
            waiter: Waiter[Any] = Waiter()
            task.waiter = waiter
            task.waiting_event = True
            session.pulse()
            try:
                waiter.get()
            finally:
                task.waiting_event = False
                if task.waiter is waiter:
                    task.waiter = None

    def client_event(self, session: Session, task: Task) -> Generator[Any, None, ClientEvent]:
        """``task``'s next client event, for ``yield from``.

        In a greenlet this blocks and never yields (a generator using it runs to its
        end in one ``send``, ``aio.run_steps``). In a coroutine it yields an asyncio
        future that ``_wake`` resolves, so no greenlet waits: the generator is the
        iterator of an awaitable (``aio.maybe_await``).

        :raises SessionClosed: when the session closes while waiting (or before).
        """
        if not aio.in_loop_greenlet():
            return self.next_event(session, task)
        while True:
            if session.is_closed:
                raise SessionClosed()
            event = task.pop_event()
            if event is not None:
                return event
            future: asyncio.Future[None] = aio.get_loop().create_future()
            task.waiter = future
            task.waiting_event = True  # settled: an awaiting coroutine waits on the user
            session.pulse()
            try:
                yield from future
            finally:
                task.waiting_event = False
                if task.waiter is future:
                    task.waiter = None
