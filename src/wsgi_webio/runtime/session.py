"""A session: one browser tab running one app, its tasks being greenlets.

Owns the session's tasks (main, callback and started tasks, each with its event
queue and scope stack), callbacks, deferred calls, ``local`` and ``info``, the
outgoing Outbox with its flow control, and closing. Transports talk to it through
the Protocol-style methods ``connection_made``/``data_received``/``connection_lost``
and read commands from ``outbox``; it never imports a transport or the I/O API.
"""

from __future__ import annotations

import inspect
import logging
import secrets
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol

import gevent
import gevent.event
import gevent.queue
from gevent import Greenlet

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
    """One unit of execution in a session: a greenlet, its event queue and scopes."""

    __slots__ = ("id", "kind", "greenlet", "events", "scopes", "waiting_event", "waiting_flow")

    def __init__(self, task_id: str, kind: str) -> None:
        self.id = task_id
        #: "main", "task" (started with run_async/register_thread) or "callback".
        self.kind = kind
        self.greenlet: Greenlet | None = None
        self.events: gevent.queue.Queue[ClientEvent] = gevent.queue.Queue(MAX_TASK_EVENTS)
        #: The scope stack, shared output space but one stack per task.
        self.scopes: list[str] = ["ROOT"]
        #: Parked in next_client_event() with nothing queued.
        self.waiting_event = False
        #: Parked in send_task_command() by flow control.
        self.waiting_flow = False

    @property
    def settled(self) -> bool:
        """Blocked waiting on the client, or finished."""
        g = self.greenlet
        return self.waiting_event or self.waiting_flow or g is None or g.dead

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
        g = self._task.greenlet
        if g is not None and not g.dead:
            _end(g)

    def closed(self) -> bool:
        g = self._task.greenlet
        return g is not None and g.dead


def _end(g: Greenlet) -> None:
    """Raise SessionClosed in a running task; a task that never ran just never will."""
    # gr_frame is None until the greenlet first runs; killing it then with anything
    # but GreenletExit makes gevent report a failure.
    g.kill(SessionClosed if g.gr_frame is not None else gevent.GreenletExit, block=False)


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
        self._ended: deque[str] = deque(maxlen=ENDED_TASKS_REMEMBERED)
        self._callbacks: dict[str, tuple[Callable[[Any], Any], bool]] = {}
        self._serial: Task | None = None
        self._deferred: list[Callable[[], Any]] = []
        self._transport: Transport | None = None
        self._writable = gevent.event.Event()
        self._writable.set()
        self._settle_event: gevent.event.Event | None = None
        self._finished = gevent.event.Event()
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
        self._writable.set()  # flow-controlled senders wake and see CLOSED
        current = gevent.getcurrent()
        victims = []
        for task in list(self._tasks.values()):
            g = task.greenlet
            if g is not None and not g.dead and g is not current:
                _end(g)
                victims.append(g)
        self._pulse()
        self._notify_transport()
        if self._on_close is not None:
            self._on_close(self)
        gevent.spawn(self._finalize, victims)

    def _finalize(self, victims: list[Greenlet]) -> None:
        # Deferred calls run in the session's context: reading session state works,
        # interacting raises SessionClosed.
        context.set_current(self, Task("defer_call", "task"))
        try:
            gevent.joinall(victims, timeout=KILL_TIMEOUT_S)
            for g in victims:
                if not g.dead:
                    logger.warning("session %s: a task ignored SessionClosed for %ss", self.id, KILL_TIMEOUT_S)
            for func in self._deferred:
                try:
                    func()
                except SessionClosed:
                    logger.warning("session %s: deferred call %r tried to interact after close", self.id, func)
                except Exception:
                    logger.exception("session %s: error in deferred call %r", self.id, func)
            self._deferred.clear()
        finally:
            self._finished.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until closed, tasks ended and deferred calls ran. Returns True if so."""
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
    def _spawn(self, fn: Callable[..., Any], args: tuple[Any, ...], kind: str) -> Task:
        task = Task(f"{_task_name(fn)}-{secrets.token_urlsafe(8)}", kind)
        self._tasks[task.id] = task
        task.greenlet = Greenlet(self._run_task, task, fn, args)
        task.greenlet.rawlink(lambda _g: self._task_done(task))
        task.greenlet.start()
        return task

    def _run_task(self, task: Task, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        context.set_current(self, task)
        ended = False
        try:
            if not self.is_closed:
                result = fn(*args)
                if inspect.iscoroutine(result):  # an async def app, task or callback
                    aio.AsyncTaskRunner(task.id).run(result)
        except SessionClosed:
            pass
        except gevent.GreenletExit:
            pass
        except Exception:
            ended = True
            self._run_end_hooks(task)  # the task's last outputs go before the error toast
            self.on_task_exception(task)
        finally:
            if not ended:
                self._run_end_hooks(task)

    def _run_end_hooks(self, task: Task) -> None:
        for hook in list(self.task_end_hooks):
            try:
                hook(self, task)
            except (SessionClosed, gevent.GreenletExit):
                pass
            except Exception:
                logger.exception("session %s: task end hook %r failed", self.id, hook)

        # _task_done runs from the greenlet's rawlink: also for a task killed before it ran.

    def _task_done(self, task: Task) -> None:
        if self._tasks.pop(task.id, None) is None:
            return
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
        if inspect.iscoroutine(fn):
            coro = fn

            def fn() -> Any:
                return coro

            fn.__name__ = coro.__name__  # names the task after the coroutine
            task = self._spawn(fn, args, "task")
            # Killed before it ran (handle.close() at once), the coroutine was never
            # started: close it, so nothing warns that it was never awaited.
            assert task.greenlet is not None
            task.greenlet.rawlink(lambda _g: coro.close())
            return TaskHandle(task)
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

    def on_task_exception(self, task: Task) -> None:
        """Log the running exception; show the user a toast (or, in debug mode, a
        popup with the traceback). Called from a task's top frame."""
        logger.exception("unhandled error in session %s, task %s", self.id, task.id)
        if self.is_closed:
            return
        message = "An internal error occurred in the application"
        try:
            if self.debug:
                spec = {
                    "title": message,
                    "content": [{"type": "text", "content": traceback.format_exc(), "inline": False}],
                    "size": "large",
                    "implicit_close": True,
                    "closable": True,
                }
                self._append(encode_command("popup", spec, task.id))
            else:
                spec = {"content": message, "duration": 4000, "position": "center", "color": "#dc3545",
                        "callback_id": None}
                self._append(encode_command("toast", spec, task.id))
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
                    aio.AsyncTaskRunner(task.id).run(result)
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
        if event.task_id in self._ended:
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
            if task is not None and task.events.qsize() + count > MAX_TASK_EVENTS:
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
        task.events.put_nowait(event)
        task.waiting_event = False
        return task

    def next_client_event(self) -> ClientEvent:
        """Block the current task until the client sends it an event.

        :raises SessionClosed: when the session closes while waiting (or before).
        """
        _, task = context.current_task()
        if aio.in_loop_greenlet():
            raise RuntimeError("an input function was called without await inside an async task: "
                               "write `await input(...)` (blocking here would stall every session)")
        if self.is_closed:
            raise SessionClosed()
        if task.events.empty():
            task.waiting_event = True
            self._pulse()
        try:
            return task.events.get()
        finally:
            task.waiting_event = False

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
            # close() always sets _writable, so this cannot outlive the session.
            self._writable.wait()
        finally:
            task.waiting_flow = False
        if self.is_closed:
            raise SessionClosed()

    def pause_writing(self) -> None:
        """The outbox went over its high-water mark: senders block from now on."""
        self._writable.clear()

    def resume_writing(self) -> None:
        """The outbox drained to its low-water mark: blocked senders resume."""
        self._writable.set()

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
        """Wait until each of ``tasks`` is blocked on the client or finished, the
        session closes, or ``timeout`` passes. Returns True if they settled."""
        pending = [t for t in tasks]
        with gevent.Timeout(timeout, False):
            while True:
                pending = [t for t in pending if not t.settled]
                if not pending or self.is_closed:
                    return True
                if self._settle_event is None:
                    self._settle_event = gevent.event.Event()
                self._settle_event.wait()
        return False

    def __repr__(self) -> str:
        return f"<Session {self.id[:8]}… {self.machine.state.value} tasks={len(self._tasks)}>"
