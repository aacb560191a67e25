"""A session: one browser tab running one app; its lifecycle, its client, its flow.

Owns the session's lifecycle (start, close, deferred calls, join), the attach and
detach of its client's connections (asyncio's Protocol contract), and the wait of a
task that outruns its client (flow control) and of a request waiting for tasks to
settle. Its protocol state is its ``SessionLink`` (``core/link.py``), its tasks a
``TaskGroup`` (``tasks.py``), its client events and callbacks an ``Inbox``
(``inbox.py``), its flow-control waits a ``WriteGate`` (``flow.py``); the methods
the I/O API calls are kept here under their names.
Never imports a transport or the I/O API.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable, Coroutine, Generator, Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol

import gevent
import gevent.event
from gevent import Greenlet
from gevent.hub import Waiter

from ..core.link import Flow, SessionLink
from ..core.outbox import HIGH_WATER_BYTES, LOW_WATER_BYTES
from ..core.state import CloseReason
from ..errors import SessionClosed
from ..protocol import ClientEvent, EventBatch, encode_command
from . import context
from .flow import WriteGate
from .inbox import MAX_CALLBACK_TASKS, MAX_TASK_EVENTS, Inbox, wake_waiter
from .local import SessionLocal
from .settle import SettleSignal
from .slots import SessionSlots
from .tasks import Task, TaskGroup, TaskHandle

if TYPE_CHECKING:
    from ..info import SessionInfo

__all__ = ["MAX_CALLBACK_TASKS", "MAX_TASK_EVENTS", "Session", "SessionLocal", "Task", "TaskHandle", "Transport"]

logger = logging.getLogger(__name__)

#: How long close() lets killed tasks run their ``finally`` blocks before the
#: deferred calls run anyway.
KILL_TIMEOUT_S: Final = 5.0

_PAUSE, _RESUME = Flow.PAUSE, Flow.RESUME


class Transport(Protocol):
    """What a session needs from the transport a client is attached through."""

    def write_ready(self) -> None:
        """New commands are waiting in the session's link (or the session closed)."""



def session_tag(session_id: str) -> str:
    """A short, stable name for a session in logs. Its id is a credential (it reads and
    drives the session), so no log line carries it: they carry this instead."""
    return "s#" + hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()[:10]


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
    ) -> None:
        self.id = session_id
        self.info = info
        self.local = SessionLocal()
        self.debug = debug
        #: The session protocol: commands out, events in, flow control, lifecycle.
        self.link = SessionLink(clock(), high_water, low_water)
        self._clock = clock
        self._target = target
        # Neither holds the session (no reference cycle): their methods are given it.
        self._tasks = TaskGroup()
        self._inbox = Inbox(self._tasks)
        self._deferred: list[Callable[[], Any]] = []
        self._transport: Transport | None = None
        self._gate = WriteGate()
        self._settle = SettleSignal()
        #: Set once closed and finalized; created by the first join() or by _finalize.
        self._finished: gevent.event.Event | None = None
        self._on_close = on_close
        #: Owned by the transport that created the session (its per-session state);
        #: the session never reads it, the transport narrows it with ``isinstance``.
        self.transport_state: object | None = None
        #: Per-session state of the I/O modules (pending outputs, pins...), each under
        #: its own typed key (``runtime/slots.py``); the session never reads it.
        self.extensions = SessionSlots()
        #: ``hook(session, task)`` run in a task's own greenlet just before it ends
        #: (normally or not), with its context still set: e.g. to send its last outputs.
        self.task_end_hooks = self._tasks.end_hooks

    @property
    def tag(self) -> str:
        """This session's name in logs (:func:`session_tag`): never its id."""
        return session_tag(self.id)

    @property
    def outbox(self) -> SessionLink:
        """The link, by the name the I/O API and the test harness read its outgoing
        side with (``paused``, ``first_seq``, ``next_seq``, ``since``)."""
        return self.link

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the main task."""
        self._tasks.spawn(self, self._target, (), "main")

    @property
    def is_closed(self) -> bool:
        """True once the session has closed."""
        return self.link.is_closed

    def close(self, reason: CloseReason = CloseReason.REQUESTED) -> None:
        """End the session: wake every blocked ``input()`` with SessionClosed, end the
        tasks, tell the client (``close_session``), then run each deferred call once.

        Idempotent; never raises. Safe to call from one of the session's own tasks.
        """
        if not self.link.close(reason):
            return
        logger.debug("session %s closing: %s", self.tag, reason.value)
        self._gate.resume_writing()  # flow-controlled senders wake and see CLOSED
        victims = self._tasks.end_all(but=gevent.getcurrent())
        for task in self._tasks.live():
            if not isinstance(task.waiter, Waiter):  # greenlets get SessionClosed from end_all
                # A coroutine waiting outside its task's own await (a detached asyncio
                # task) sees SessionClosed; a cancelled one's future is done already.
                wake_waiter(task)
        self.pulse()
        self._notify_transport()
        if self._on_close is not None:
            self._on_close(self)
        gevent.spawn(self._finalize, victims)

    def _finalize(self, victims: list[Task]) -> None:
        # Deferred calls run in the session's context: reading session state works,
        # interacting raises SessionClosed.
        context.set_current(self, Task("defer_call", "task"))
        try:
            self._settle.wait_until(lambda: all(t.done for t in victims), KILL_TIMEOUT_S)
            for task in victims:
                if not task.done:
                    logger.warning("session %s: task %s ignored SessionClosed for %ss", self.tag, task.id,
                                   KILL_TIMEOUT_S)
            for func in self._deferred:
                try:
                    func()
                except SessionClosed:
                    logger.warning("session %s: deferred call %r tried to interact after close", self.tag, func)
                except Exception:
                    logger.exception("session %s: error in deferred call %r", self.tag, func)
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
        return self._inbox.has_callbacks()

    def task_ended(self, task: Task, app_finished: bool) -> None:
        """``TaskGroup``'s report of a task that ended; the session closes once the
        app has finished and no callback keeps it alive (PyWebIO's semantics)."""
        self._inbox.task_ended(task)
        self.pulse()
        if app_finished and not self.is_closed and not self.need_keep_alive():
            self.close(CloseReason.APP_FINISHED)

    # ------------------------------------------------------------------ tasks (the I/O API's)
    def tasks(self) -> list[Task]:
        """The live tasks."""
        return self._tasks.live()

    def start_task(self, fn: Callable[..., Any] | Coroutine[Any, Any, Any], *args: Any) -> TaskHandle:
        """Start ``fn(*args)`` as another task of this session (PyWebIO's run_async /
        register_thread); ``fn`` may be an ``async def`` function, or a coroutine
        object (with no args). The session does not end before it does.

        :raises SessionClosed: when the session is closed.
        """
        if self.is_closed:
            if inspect.iscoroutine(fn):
                fn.close()
            raise SessionClosed()
        return TaskHandle(self._tasks.spawn(self, fn, args, "task"))

    def register_thread(self, greenlet: Greenlet[Any, Any]) -> TaskHandle:
        """Adopt a not-yet-started gevent Greenlet as a task of this session.

        :raises ValueError: if the greenlet already started.
        """
        return TaskHandle(self._tasks.adopt(self, greenlet))


    def adopt(self, fn: Callable[[], Any], name: str) -> tuple[TaskHandle, Callable[[], None], Callable[[], None]]:
        """A task that other machinery starts and runs (a ``threading.Thread`` adopted by
        ``register_thread``, see ``runtime/threads.py``). Returns its handle, ``start()``
        and ``run()``. ``start()``, called from one of this session's tasks when the thread
        starts, makes the session count the task as live (one never started does not keep
        the session open). ``run()``, called in a greenlet of this session's hub, runs
        ``fn`` as the task: the context set, end hooks run, errors shown, the session ended
        after it if it was the last.
        """
        task, start, run = self._tasks.adopt_external(self, fn, name)
        return TaskHandle(task), start, run

    def push_scope(self, name: str) -> None:
        """Make ``name`` the current task's output scope."""
        context.current_task()[1].scopes.append(name)

    def pop_scope(self) -> str:
        """See ``Task.pop_scope``: for the current task."""
        return context.current_task()[1].pop_scope()

    def get_scope_name(self, idx: int = -1) -> str:
        """A scope of the current task's stack, -1 the innermost. :raises IndexError: past it."""
        return context.current_task()[1].scopes[idx]

    def register_callback(
        self, callback: Callable[[Any], Any], *, serial_mode: bool = False, mutex_mode: bool = False
    ) -> str:
        """See ``Inbox.register_callback``; ``mutex_mode`` is PyWebIO's name for
        ``serial_mode`` with coroutines."""
        return self._inbox.register_callback(callback, serial_mode or mutex_mode)

    # ------------------------------------------------------------------ client -> tasks
    def data_received(self, batch: EventBatch) -> list[Task]:
        """Deliver client events; returns the tasks they woke or started.

        The whole batch is checked before any event is applied (targets exist, no
        queue or callback cap would overflow), and a batch with a seq is applied once
        (retries are ignored; the link keeps the count). Events for a task that just
        ended are dropped.

        :raises RemoteProtocolError: an unknown task or callback id, a closed session,
            an out-of-order seq, or a batch that would overflow a task's queue (429)
            or the running callbacks (429). Nothing was applied.
        """
        return self.link.receive(batch, self._deliver)

    def _deliver(self, events: tuple[ClientEvent, ...]) -> list[Task]:
        return self._inbox.deliver(self, events)

    def run_callback(self, callback_id: str, data: Any) -> Task | None:
        """Call a registered callback from server code as a click of it would be: in a
        task of its own, or in the serial task. :raises RemoteProtocolError: see data_received."""
        return self._inbox.deliver_one(self, ClientEvent("callback", callback_id, data))

    def next_client_event(self) -> ClientEvent:
        """See ``Inbox.next_event``: for the current task, in its greenlet."""
        return self._inbox.next_event(self, context.current_task()[1])

    def client_event(self) -> Generator[Any, None, ClientEvent]:
        """The current task's next client event: ``event = yield from session.client_event()``
        (see ``Inbox.client_event``)."""
        return self._inbox.client_event(self, context.current_task()[1])

    # ------------------------------------------------------------------ tasks -> client
    def send_command(self, name: str, spec: Any = None, task_id: str | None = None) -> None:
        """Encode and queue one command; ``task_id`` defaults to the current task's.

        A task that outruns its client blocks here while the link is over its
        high-water mark, until the client drains it below the low-water mark.

        :raises SessionClosed: when the session is closed.
        :raises TypeError: when ``spec`` is not JSON-serialisable.
        """
        if task_id is None:
            task_id = context.get_current_task_id()
        self.send_encoded(encode_command(name, spec, task_id))

    def send_encoded(self, data: str) -> None:
        """Queue one encoded command (see ``send_command``). :raises SessionClosed: closed."""
        link = self.link
        if link.is_closed:
            raise SessionClosed()
        if link.paused:
            self._gate.wait_writable(self)
        if link.send(data) is _PAUSE:
            self._gate.pause_writing()
        self._notify_transport()

    def acknowledge(self, seq: int, sent: int | None = None) -> None:
        """The client has every command up to ``seq`` (given up to ``sent``, if known).

        :raises RemoteProtocolError: an ack ahead of what was sent.
        """
        if self.link.ack(seq, sent) is _RESUME:
            self._gate.resume_writing()

    def acknowledge_batches(self, ack: int) -> None:
        """The client executed every HTTP batch up to ``ack``.

        :raises RemoteProtocolError: an ack of a batch never sent.
        """
        if self.link.ack_batches(ack) is _RESUME:
            self._gate.resume_writing()

    # ------------------------------------------------------------------ transports
    def connection_made(self, transport: Transport) -> None:
        """A client connection attached. :raises LocalProtocolError: if the session is closed."""
        self.link.attach()
        self._transport = transport

    def connection_lost(self, transport: Transport, exc: BaseException | None = None) -> None:
        """A client connection ended (``exc`` says why, None for a clean end)."""
        self.link.detach(self._clock())
        if self._transport is transport and self.link.attached == 0:
            self._transport = None
        if exc is not None:
            logger.debug("session %s: connection lost: %r", self.tag, exc)

    def _notify_transport(self) -> None:
        if self._transport is not None:
            self._transport.write_ready()

    # ------------------------------------------------------------------ settling
    def pulse(self) -> None:
        """A task changed state (blocked on the client, or ended): wake settle waits."""
        self._settle.pulse()

    def wait_settled(self, tasks: Iterable[Task], timeout: float) -> bool:
        """Wait until each of ``tasks`` has been blocked on the client or finished, the
        session closes, or ``timeout`` passes. Returns True if they settled."""
        pending = list(tasks)

        def settled() -> bool:
            pending[:] = [t for t in pending if not t.settled]
            return not pending or self.is_closed

        return self._settle.wait_until(settled, timeout)

    def __repr__(self) -> str:
        return f"<Session {self.id[:8]}… {self.link.state.value} tasks={len(self._tasks)}>"
