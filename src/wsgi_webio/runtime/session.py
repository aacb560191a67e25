"""A session: one browser tab running one app, its tasks being greenlets or coroutines.

Owns the session's tasks (main, callback and started tasks, each with its event
queue and scope stack), callbacks, deferred calls, ``local`` and ``info``, the
outgoing Outbox with its flow control, and closing. A plain task runs in a raw
greenlet; an ``async def`` one is an asyncio Task on the hub's loop (``aio``) with
no greenlet. Both get their client events from ``client_event()``. Transports talk
to it through the Protocol-style methods ``connection_made``/``data_received``/
``connection_lost`` and read commands from ``outbox``; it never imports a transport
or the I/O API.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import secrets
import traceback
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol

import gevent
import gevent.event
from gevent import Greenlet
from gevent.hub import Waiter
from greenlet import greenlet as RawGreenlet

from ..core import commands
from ..core.outbox import HIGH_WATER_BYTES, LOW_WATER_BYTES, EventSequencer, Outbox
from ..core.state import CloseReason, SessionMachine, SessionState
from ..errors import NoSessionError, RemoteProtocolError, SessionClosed
from ..protocol import CLOSE_SESSION, ClientEvent, EventBatch, encode_command
from . import aio, context

if TYPE_CHECKING:
    from ..info import SessionInfo

__all__ = ["Session", "SessionLocal", "Task", "TaskHandle", "Transport"]

logger = logging.getLogger(__name__)

#: PyWebIO's per-task event queue size. Past it the client is flooding a task that
#: does not read; the event is refused with 429 rather than silently dropped.
MAX_TASK_EVENTS: Final = 100
#: How long close() lets killed tasks run their ``finally`` blocks before the
#: deferred calls run anyway.
KILL_TIMEOUT_S: Final = 5.0
#: Most callback tasks (one greenlet per click) running at once in a session; a
#: client clicking faster than its callbacks finish is refused with 429.
MAX_CALLBACK_TASKS: Final = 100
#: Ids of recently ended tasks remembered, so an event racing a task's end (a blur
#: fired as its form is removed) is dropped quietly instead of refused as forged.
ENDED_TASKS_REMEMBERED: Final = 32
#: Writers outside the session (another session's task broadcasting) are not blocked
#: by its flow control; past this many times the high-water mark the session is closed.
HARD_LIMIT_FACTOR: Final = 8


class Transport(Protocol):
    """What a session needs from the transport a client is attached through."""

    def write_ready(self) -> None:
        """New commands are in the session's outbox (or the session closed)."""


class SessionLocal:
    """Per-session attribute store (``session.local``): missing names read as None."""

    def __init__(self) -> None:
        object.__setattr__(self, "_dict", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._dict.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(f"session.local names may not start with '_': {name!r}")
        self._dict[name] = value

    def __delattr__(self, name: str) -> None:
        self._dict.pop(name, None)

    def __getitem__(self, name: str) -> Any:
        return self._dict.get(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.__setattr__(name, value)

    def __delitem__(self, name: str) -> None:
        self._dict.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._dict

    def __iter__(self) -> Any:
        return iter(self._dict)

    def __repr__(self) -> str:
        return f"SessionLocal({self._dict!r})"


class Task:
    """One unit of execution in a session: a greenlet or an asyncio Task, its queued
    client events and its scope stack."""

    __slots__ = ("id", "kind", "greenlet", "coroutine", "events", "waiter", "turns", "scopes",
                 "waiting_event", "waiting_flow", "ending", "done")

    def __init__(self, task_id: str, kind: str) -> None:
        self.id = task_id
        #: "main", "task" (started with run_async/register_thread) or "callback".
        self.kind = kind
        #: The greenlet running the task (plain code), if any.
        self.greenlet: RawGreenlet | None = None
        #: The asyncio Task running the task's coroutine (``async def`` code), if any.
        self.coroutine: asyncio.Task[Any] | None = None
        #: Client events not read yet, oldest first; None when there are none.
        self.events: list[ClientEvent] | None = None
        #: What waits for the next event: a gevent Waiter (a greenlet) or an asyncio
        #: future (a coroutine); None when nothing waits.
        self.waiter: Waiter | asyncio.Future[None] | None = None
        #: Awaited client waits of this task queued behind the running one (``aio``).
        self.turns: Any = None
        #: The scope stack, shared output space but one stack per task.
        self.scopes: list[str] = ["ROOT"]
        #: Waiting in client_event() with nothing queued.
        self.waiting_event = False
        #: Parked in send_task_command() by flow control.
        self.waiting_flow = False
        #: Told to end (a greenlet not yet started then never runs its function).
        self.ending = False
        #: Finished (and forgotten by its session).
        self.done = False

    @property
    def settled(self) -> bool:
        """Waiting on the client (a greenlet or a coroutine), or finished."""
        return self.waiting_event or self.waiting_flow or self.done

    def pending_events(self) -> int:
        """Client events queued and not read yet."""
        return 0 if self.events is None else len(self.events)

    def push_event(self, event: ClientEvent) -> None:
        """Queue a client event for the task (the session checked the cap)."""
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
            _end(self._task)

    def closed(self) -> bool:
        return self._task.done


def _end(task: Task) -> None:
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


def _task_name(fn: Any) -> str:
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:40]


class Session:
    """One session. Created by the app's registry, driven by transports.

    :param target: the app function, run as the main task.
    :param info: facts about the client (SessionInfo).
    :param session_id: the server-generated id.
    :param clock: monotonic time source (injectable for tests).
    :param debug: show tracebacks to the user on unhandled errors.
    :param on_close: called once with the session when it closes (the registry's hook).
    """

    def __init__(
        self,
        target: Callable[[], Any],
        info: SessionInfo,
        session_id: str,
        *,
        clock: Callable[[], float],
        debug: bool = False,
        high_water: int = HIGH_WATER_BYTES,
        low_water: int = LOW_WATER_BYTES,
        on_close: Callable[[Session], None] | None = None,
        active_count: Callable[[], int] | None = None,
    ) -> None:
        self.id = session_id
        self.info = info
        self.local = SessionLocal()
        self.debug = debug
        self.machine = SessionMachine(clock())
        self.outbox = Outbox(high_water, low_water)
        #: De-duplicates client events numbered by seq (HTTP POSTs, WebSocket batches).
        self.inbound = EventSequencer()
        self._clock = clock
        self._target = target
        self._tasks: dict[str, Task] = {}
        #: Ids of the last tasks that ended (created at the first end).
        self._ended: list[str] | None = None
        self._callbacks: dict[str, tuple[Callable[[Any], Any], bool]] = {}
        self._serial: Task | None = None
        self._deferred: list[Callable[[], Any]] = []
        self._transport: Transport | None = None
        #: None while writing is allowed; an unset Event senders wait on while paused.
        self._writable: gevent.event.Event | None = None
        self._settle_event: gevent.event.Event | None = None
        #: Set once closed and finalized; created by the first join() or by _finalize.
        self._finished: gevent.event.Event | None = None
        self._main_done = False
        self._on_close = on_close
        self._active_count = active_count
        #: Owned by the transport that created the session (its per-session state).
        self.transport_state: Any = None
        #: Per-session state of the I/O modules (pending outputs, pin mode...), each
        #: under its own key; the session never reads it.
        self.extensions: dict[str, Any] = {}
        #: ``hook(session, task)`` run in a task's own greenlet just before it ends
        #: (normally or not), with its context still set: e.g. to send its last outputs.
        self.task_end_hooks: list[Callable[[Session, Task], None]] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the main task."""
        self._spawn(self._target, (), "main")

    @property
    def is_closed(self) -> bool:
        """True once the session has closed."""
        return self.machine.state is SessionState.CLOSED

    def closed(self) -> bool:
        """The seeds' interface: True once the session has closed."""
        return self.is_closed

    def active_session_count(self) -> int:
        """Open sessions of the app this session belongs to."""
        return self._active_count() if self._active_count is not None else int(not self.is_closed)

    def close(self, reason: CloseReason = CloseReason.REQUESTED) -> None:
        """End the session: wake every blocked ``input()`` with SessionClosed, end the
        tasks, tell the client (``close_session``), then run each deferred call once.

        Idempotent; never raises. Safe to call from one of the session's own tasks.
        """
        if not self.machine.close(reason):
            return
        logger.debug("session %s closing: %s", self.id, reason.value)
        self.outbox.append(CLOSE_SESSION)
        self.outbox.paused = False
        self.resume_writing()  # flow-controlled senders wake and see CLOSED
        current = gevent.getcurrent()
        victims = []
        for task in list(self._tasks.values()):
            if task.greenlet is not current:
                _end(task)
                victims.append(task)
            if not isinstance(task.waiter, Waiter):  # greenlets get SessionClosed from _end
                # A coroutine waiting outside its task's own await (a detached asyncio
                # task) sees SessionClosed; a cancelled one's future is done already.
                self._wake_waiter(task)
        self._pulse()
        self._notify_transport()
        if self._on_close is not None:
            self._on_close(self)
        gevent.spawn(self._finalize, victims)

    def _finalize(self, victims: list[Task]) -> None:
        # Deferred calls run in the session's context: reading session state works,
        # interacting raises SessionClosed.
        context.set_current(self, Task("defer_call", "task"))
        try:
            self._wait_until(lambda: all(t.done for t in victims), KILL_TIMEOUT_S)
            for task in victims:
                if not task.done:
                    logger.warning("session %s: task %s ignored SessionClosed for %ss", self.id, task.id,
                                   KILL_TIMEOUT_S)
            for func in self._deferred:
                try:
                    func()
                except SessionClosed:
                    logger.warning("session %s: deferred call %r tried to interact after close", self.id, func)
                except Exception:
                    logger.exception("session %s: error in deferred call %r", self.id, func)
            self._deferred.clear()
        finally:
            if self._finished is None:
                self._finished = gevent.event.Event()
            self._finished.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until closed, tasks ended and deferred calls ran. Returns True if so."""
        if self._finished is None:
            self._finished = gevent.event.Event()
        return self._finished.wait(timeout)

    def defer_call(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` when the session closes (FIFO, once each). Usable as a decorator."""
        if not callable(func):
            raise TypeError(f"defer_call needs a callable, got {func!r}")
        self._deferred.append(func)
        return func

    def need_keep_alive(self) -> bool:
        """True when callbacks are registered: the session outlives its main task."""
        return bool(self._callbacks)

    # ------------------------------------------------------------------ tasks
    def _spawn(self, fn: Any, args: tuple[Any, ...], kind: str) -> Task:
        """Start ``fn(*args)`` as a task; ``fn`` may be a coroutine object (no args)."""
        task = Task(f"{_task_name(fn)}-{secrets.token_urlsafe(8)}", kind)
        self._tasks[task.id] = task
        if inspect.iscoroutine(fn) or aio.is_async_callable(fn):  # an asyncio Task, no greenlet
            ctx = contextvars.Context()  # a fresh one, as a new greenlet has
            ctx.run(context.set_current, self, task)
            make = functools.partial(_same, fn) if inspect.iscoroutine(fn) else functools.partial(fn, *args)
            self._start_coroutine(task, make, ctx)
        else:
            # A raw greenlet: gevent's Greenlet would also keep its spawning stack and
            # tree (about 3 KiB per task), and nothing here needs its links.
            task.greenlet = gevent.spawn_raw(self._run_task, task, fn, args)
        return task

    def _start_coroutine(self, task: Task, make: Callable[[], Any], ctx: contextvars.Context) -> None:
        task.coroutine = aio.start_task(task.id, ctx, make, functools.partial(self._coroutine_ended, task))
        if self.is_closed or task.ending:
            task.coroutine.cancel()  # its first step ends it: the coroutine never runs

    def _coroutine_ended(self, task: Task, failed: bool) -> None:
        # In the coroutine's last step (its context set), inside the except block if it failed.
        task.coroutine = None
        self._run_end_hooks(task)  # the task's last outputs go before the error toast
        if failed:
            self.on_task_exception(task)
        self._task_done(task)

    def _run_task(self, task: Task, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        context.set_current(self, task)
        handed_off = failed = False
        try:
            if not self.is_closed and not task.ending:
                result = fn(*args)
                if inspect.iscoroutine(result):  # a plain function that returned a coroutine
                    self._start_coroutine(task, functools.partial(_same, result), contextvars.copy_context())
                    handed_off = True
        except (SessionClosed, gevent.GreenletExit):
            pass
        except Exception:
            failed = True
            self._run_end_hooks(task)  # the task's last outputs go before the error toast
            self.on_task_exception(task)
        finally:
            if task.greenlet is gevent.getcurrent() and not isinstance(task.greenlet, Greenlet):
                task.greenlet = None
            if not handed_off:
                if not failed:
                    self._run_end_hooks(task)
                self._task_done(task)

    def _run_end_hooks(self, task: Task) -> None:
        for hook in list(self.task_end_hooks):
            try:
                hook(self, task)
            except (SessionClosed, gevent.GreenletExit):
                pass
            except Exception:
                logger.exception("session %s: task end hook %r failed", self.id, hook)

    def _task_done(self, task: Task) -> None:
        if self._tasks.pop(task.id, None) is None:
            return
        task.done = True
        if self._ended is None:
            self._ended = []
        elif len(self._ended) >= ENDED_TASKS_REMEMBERED:
            del self._ended[0]
        self._ended.append(task.id)
        if task is self._serial:
            self._serial = None
        if task.kind == "main":
            self._main_done = True
        self._pulse()
        if self._main_done and not self.is_closed and not self.need_keep_alive():
            if not any(t.kind in ("main", "task") for t in self._tasks.values()):
                self.close(CloseReason.APP_FINISHED)

    def tasks(self) -> list[Task]:
        """The live tasks."""
        return list(self._tasks.values())

    def start_task(self, fn: Callable[..., Any], *args: Any) -> TaskHandle:
        """Start ``fn(*args)`` as another task of this session (PyWebIO's run_async /
        register_thread); ``fn`` may be an ``async def`` function, or a coroutine
        object (with no args). The session does not end before it does.

        :raises SessionClosed: when the session is closed.
        """
        if self.is_closed:
            if inspect.iscoroutine(fn):
                fn.close()
            raise SessionClosed()
        return TaskHandle(self._spawn(fn, args, "task"))

    def register_thread(self, greenlet: Greenlet) -> TaskHandle:
        """Adopt a not-yet-started gevent Greenlet as a task of this session.

        :raises ValueError: if the greenlet already started.
        """
        if greenlet.started or greenlet.dead:
            raise ValueError("register_thread needs a greenlet that has not started yet")
        target = greenlet._run  # noqa: SLF001 - gevent keeps the target here; args stay on the greenlet
        task = Task(f"{_task_name(target)}-{secrets.token_urlsafe(8)}", "task")
        self._tasks[task.id] = task
        task.greenlet = greenlet

        def run(*args: Any, **kwargs: Any) -> None:
            self._run_task(task, lambda: target(*args, **kwargs), ())

        greenlet._run = run  # noqa: SLF001
        greenlet.rawlink(lambda _g: self._task_done(task))
        return TaskHandle(task)

    def adopt(self, fn: Callable[[], Any], name: str) -> tuple[TaskHandle, Callable[[], None], Callable[[], None]]:
        """A task that other machinery starts and runs (a ``threading.Thread`` adopted by
        ``register_thread``, see ``runtime/threads.py``). Returns its handle, ``start()``
        and ``run()``. ``start()``, called from one of this session's tasks when the thread
        starts, makes the session count the task as live (one never started does not keep
        the session open). ``run()``, called in a greenlet of this session's hub, runs
        ``fn`` as the task: the context set, end hooks run, errors shown, the session ended
        after it if it was the last.
        """
        task = Task(f"{_task_name(name)}-{secrets.token_urlsafe(8)}", "task")

        def start() -> None:
            if not self.is_closed and not task.ending:
                self._tasks[task.id] = task

        def run() -> None:
            task.greenlet = gevent.getcurrent()
            self._run_task(task, fn, ())

        return TaskHandle(task), start, run

    def on_task_exception(self, task: Task) -> None:
        """Log the running exception; show the user a toast (or, in debug mode, a
        popup with the traceback). Called from a task's top frame (or its coroutine's
        last step), inside the ``except`` block."""
        logger.exception("unhandled error in session %s, task %s", self.id, task.id)
        if self.is_closed:
            return
        message = "An internal error occurred in the application"
        try:
            if self.debug:
                report = commands.error_popup(message, traceback.format_exc())
            else:
                report = commands.error_toast(message)
            self._append(encode_command(report.name, report.spec, task.id))
        except SessionClosed:
            pass

    # ------------------------------------------------------------------ scopes
    def push_scope(self, name: str) -> None:
        """Make ``name`` the current task's output scope."""
        context.current_task()[1].scopes.append(name)

    def pop_scope(self) -> str:
        """Leave the current task's innermost scope and return its name.

        :raises ValueError: when only ROOT is left (it cannot be popped).
        """
        scopes = context.current_task()[1].scopes
        if len(scopes) <= 1:
            raise ValueError("the ROOT scope cannot be popped")
        return scopes.pop()

    def get_scope_name(self, idx: int = -1) -> str:
        """A scope of the current task's stack; -1 (the default) is the innermost.

        :raises IndexError: past the stack.
        """
        return context.current_task()[1].scopes[idx]

    # ------------------------------------------------------------------ callbacks
    def register_callback(
        self, callback: Callable[[Any], Any], *, serial_mode: bool = False, mutex_mode: bool = False
    ) -> str:
        """Register a function called with the event's data when the client triggers it.

        Each trigger runs in a new task (greenlet) unless ``serial_mode`` (or
        ``mutex_mode``, PyWebIO's name for it with coroutines), where triggers run one
        at a time in one task (and may call ``input()``). ``callback`` may be an
        ``async def`` function. Returns the callback id to put in the command spec.
        """
        serial_mode = serial_mode or mutex_mode
        if not callable(callback):
            raise TypeError(f"register_callback needs a callable, got {callback!r}")
        cb_id = f"CB-{_task_name(callback)}-{secrets.token_urlsafe(8)}"
        self._callbacks[cb_id] = (callback, serial_mode)
        return cb_id

    def _serial_loop(self) -> None:
        task = context.current_task()[1]
        while True:
            event = self.next_client_event()
            callback, _ = self._callbacks[event.task_id]
            try:
                result = callback(event.data)
                if inspect.iscoroutine(result):  # serial async callbacks run one at a time too
                    aio.run_coroutine_blocking(result)
            except Exception:
                self.on_task_exception(task)
            finally:
                # Holding the callback's return value (often the Output it made) while
                # waiting for the next click would keep that output from being sent.
                result = None  # noqa: F841

    # ------------------------------------------------------------------ client -> tasks
    def data_received(self, batch: EventBatch) -> list[Task]:
        """Deliver client events; returns the tasks they woke or started.

        The whole batch is checked before any event is applied (targets exist, no
        queue or callback cap would overflow), and a batch with a seq is applied once
        (retries are ignored). Events for a task that just ended are dropped.

        :raises RemoteProtocolError: an unknown task or callback id, a closed session,
            an out-of-order seq, or a batch that would overflow a task's queue (429)
            or the running callbacks (429). Nothing was applied.
        """
        events = batch.events
        if batch.seq is not None:
            new = self.inbound.new_part(batch.seq, len(events))
            events = tuple(events[i] for i in new)
        events = tuple(event for event in events if self._check_target(event))
        self._check_capacity(events)
        woken = [t for t in (self._dispatch(event) for event in events) if t is not None]
        if batch.seq is not None:
            self.inbound.advance(batch.seq, len(batch.events))
        return woken

    def send_client_event(self, event: ClientEvent) -> Task | None:
        """Route one event (the seeds' interface). :raises RemoteProtocolError: see data_received."""
        if not self._check_target(event):
            return None
        self._check_capacity((event,))
        return self._dispatch(event)

    def run_callback(self, callback_id: str, data: Any) -> Task | None:
        """Call a registered callback from server code as a click of it would be: in a
        task of its own, or in the serial task. :raises RemoteProtocolError: see data_received."""
        return self.send_client_event(ClientEvent("callback", callback_id, data))

    def _check_target(self, event: ClientEvent) -> bool:
        """True if the event can be delivered, False if it is stale (for a task that
        just ended). :raises RemoteProtocolError: for ids never issued."""
        if self.is_closed:
            raise RemoteProtocolError("session is closed", status_hint=410)
        if event.event == "callback":
            if event.task_id not in self._callbacks:
                raise RemoteProtocolError(f"unknown callback id {event.task_id!r}")
            return True
        if event.task_id in self._tasks:
            return True
        if self._ended is not None and event.task_id in self._ended:
            logger.info("session %s: dropped %s for ended task %s", self.id, event.event, event.task_id)
            return False
        raise RemoteProtocolError(f"unknown task id {event.task_id!r} for event {event.event!r}")

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
                target = "\0serial"
            queued[target] = queued.get(target, 0) + 1
        for target, count in queued.items():
            task = self._serial if target == "\0serial" else self._tasks[target]
            if task is not None and task.pending_events() + count > MAX_TASK_EVENTS:
                raise RemoteProtocolError(f"task {task.id} would have over {MAX_TASK_EVENTS} unread events",
                                          status_hint=429)
            if task is None and count > MAX_TASK_EVENTS:
                raise RemoteProtocolError(f"over {MAX_TASK_EVENTS} serial callback events at once", status_hint=429)
        if new_callbacks:
            running = sum(1 for t in self._tasks.values() if t.kind == "callback" and t is not self._serial)
            if running + new_callbacks > MAX_CALLBACK_TASKS:
                raise RemoteProtocolError(
                    f"{running} callbacks still running; at most {MAX_CALLBACK_TASKS} at once", status_hint=429
                )

    def _dispatch(self, event: ClientEvent) -> Task | None:
        if event.event == "callback":
            callback, serial = self._callbacks[event.task_id]
            if serial:
                if self._serial is None:
                    self._serial = self._spawn(self._serial_loop, (), "callback")
                return self._wake(self._serial, event)
            return self._spawn(callback, (event.data,), "callback")
        return self._wake(self._tasks[event.task_id], event)

    def _wake(self, task: Task, event: ClientEvent) -> Task:
        task.push_event(event)
        task.waiting_event = False
        self._wake_waiter(task)
        return task

    @staticmethod
    def _wake_waiter(task: Task) -> None:
        waiter = task.waiter
        if waiter is None:
            return
        task.waiter = None
        if isinstance(waiter, Waiter):
            gevent.get_hub().loop.run_callback(waiter.switch, None)  # a Waiter is switched from the hub
        elif not waiter.done():
            waiter.set_result(None)  # the loop is nudged if it sleeps (aio._HubLoop.call_soon)

    def next_client_event(self) -> ClientEvent:
        """Block the current task's greenlet until the client sends it an event.

        :raises SessionClosed: when the session closes while waiting (or before).
        :raises RuntimeError: inside a coroutine (``yield from client_event()`` there).
        """
        _, task = context.current_task()
        if aio.in_loop_greenlet():
            raise RuntimeError("an input function was called without await inside an async task: "
                               "write `await input(...)` (blocking here would stall every session)")
        if self.is_closed:
            raise SessionClosed()
        while True:
            event = task.pop_event()
            if event is not None:
                return event
            waiter = Waiter()
            task.waiter = waiter
            task.waiting_event = True
            self._pulse()
            try:
                waiter.get()
            finally:
                task.waiting_event = False
                if task.waiter is waiter:
                    task.waiter = None

    def client_event(self) -> Generator[Any, None, ClientEvent]:
        """The current task's next client event: ``event = yield from session.client_event()``.

        In a greenlet this blocks and never yields (a generator using it runs to its
        end in one ``send``, ``aio.run_steps``). In a coroutine it yields an asyncio
        future that ``_wake`` resolves, so no greenlet waits: the generator is the
        iterator of an awaitable (``aio.maybe_await``).

        :raises SessionClosed: when the session closes while waiting (or before).
        """
        if not aio.in_loop_greenlet():
            return self.next_client_event()
        _, task = context.current_task()
        while True:
            if self.is_closed:
                raise SessionClosed()
            event = task.pop_event()
            if event is not None:
                return event
            future: asyncio.Future[None] = aio.get_loop().create_future()
            task.waiter = future
            task.waiting_event = True  # settled: an awaiting coroutine waits on the user
            self._pulse()
            try:
                yield from future
            finally:
                task.waiting_event = False
                if task.waiter is future:
                    task.waiter = None

    # ------------------------------------------------------------------ tasks -> client
    def send_task_command(self, command: dict[str, Any]) -> None:
        """Queue ``{"command", "spec", "task_id"?}`` for the client (the seeds' interface)."""
        self.send_command(command["command"], command.get("spec"), command.get("task_id"))

    def send_command(self, name: str, spec: Any = None, task_id: str | None = None) -> None:
        """Encode and queue one command; ``task_id`` defaults to the current task's.

        A task that outruns its client blocks here while the outbox is over its
        high-water mark, until the client drains it below the low-water mark.

        :raises SessionClosed: when the session is closed.
        :raises TypeError: when ``spec`` is not JSON-serialisable.
        """
        if task_id is None:
            task_id = context.get_current_task_id()
        self._append(encode_command(name, spec, task_id))

    def _append(self, data: str) -> None:
        if self.is_closed:
            raise SessionClosed()
        if self.outbox.paused:
            self._wait_writable()
        if self.outbox.append(data):
            self.pause_writing()
        self._notify_transport()

    def _wait_writable(self) -> None:
        """Called while paused: block the session's own task until writing resumes.

        Other writers (another session's task broadcasting, transport code) are not
        blocked, but a buffer past HARD_LIMIT_FACTOR times the high-water mark closes
        the session rather than grow without bound.
        """
        try:
            owner, task = context.current_task()
        except NoSessionError:
            owner = None
        if owner is not self or aio.in_loop_greenlet():
            # A coroutine step (on the hub's asyncio loop) must never block either:
            # that would stall every async task of every session.
            if self.outbox.buffered_bytes > HARD_LIMIT_FACTOR * max(self.outbox.high_water, 1):
                logger.warning("session %s: outbox over %dx its high-water mark; closing", self.id,
                               HARD_LIMIT_FACTOR)
                self.close(CloseReason.LIMIT)
                raise SessionClosed()
            return
        task.waiting_flow = True
        self._pulse()
        try:
            # close() always resumes writing, so this cannot outlive the session.
            writable = self._writable
            if writable is not None:
                writable.wait()
        finally:
            task.waiting_flow = False
        if self.is_closed:
            raise SessionClosed()

    def pause_writing(self) -> None:
        """The outbox went over its high-water mark: senders block from now on."""
        if self._writable is None:
            self._writable = gevent.event.Event()

    def resume_writing(self) -> None:
        """The outbox drained to its low-water mark: blocked senders resume."""
        writable, self._writable = self._writable, None
        if writable is not None:
            writable.set()

    def acknowledge(self, seq: int) -> None:
        """The client has every command up to ``seq``. :raises RemoteProtocolError: ahead of sent."""
        if seq >= self.outbox.first_seq and self.outbox.ack(seq):
            self.resume_writing()

    def get_task_commands(self) -> list[str]:
        """Encoded commands not yet acknowledged (the seeds' interface)."""
        return self.outbox.since(self.outbox.first_seq)

    # ------------------------------------------------------------------ transports
    def connection_made(self, transport: Transport) -> None:
        """A client connection attached. :raises LocalProtocolError: if the session is closed."""
        self.machine.attach()
        self._transport = transport

    def connection_lost(self, transport: Transport, exc: BaseException | None = None) -> None:
        """A client connection ended (``exc`` says why, None for a clean end)."""
        self.machine.detach(self._clock())
        if self._transport is transport and self.machine.attached == 0:
            self._transport = None
        if exc is not None:
            logger.debug("session %s: connection lost: %r", self.id, exc)

    def _notify_transport(self) -> None:
        if self._transport is not None:
            self._transport.write_ready()

    # ------------------------------------------------------------------ settling
    def _pulse(self) -> None:
        ev = self._settle_event
        if ev is not None:
            self._settle_event = None
            ev.set()

    def wait_settled(self, tasks: Iterable[Task], timeout: float) -> bool:
        """Wait until each of ``tasks`` has been blocked on the client or finished, the
        session closes, or ``timeout`` passes. Returns True if they settled."""
        pending = list(tasks)

        def settled() -> bool:
            pending[:] = [t for t in pending if not t.settled]
            return not pending or self.is_closed

        return self._wait_until(settled, timeout)

    def _wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``ready()`` (checked at each change of a task's state) or ``timeout``."""
        with gevent.Timeout(timeout, False):
            while not ready():
                if self._settle_event is None:
                    self._settle_event = gevent.event.Event()
                self._settle_event.wait()
            return True
        return False

    def __repr__(self) -> str:
        return f"<Session {self.id[:8]}… {self.machine.state.value} tasks={len(self._tasks)}>"
