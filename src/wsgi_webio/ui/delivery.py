"""How commands leave the I/O API: the gevent driver of the pending-output policy.

Owns ``emit``, the one function through which every command of the I/O API goes to
its session, and, in front of it, each task's queue of outputs created but not yet
sent: when the queue is flushed (``ui/pending.py`` decides, item by item; this
module schedules the hub callback, takes the locks and waits on flow control), and
``send`` / ``send_current``, which send a command after the task's pending outputs.
Reaches the session only through the context and the methods it is given; knows
nothing of transports or the browser client; holds no module-level state (the
queues live in each Session's ``extensions``, under ``STATE_KEY``).

* Backpressure: rules 1, 2 and 4 send from the task, which flow control blocks
  when the client falls behind, as for any command. The hub callback must not
  block: it stops when the outbox is over its high-water mark and hands the rest
  to a drain task, a task of the session (so the session outlives it) that flow
  control blocks until the client catches up; a task creating outputs meanwhile
  waits for it. A flush that stops early (``send()`` up to its output, or a drain
  at a held output) schedules the hub callback again for what it left, so nothing
  queued waits for a flush point that may never come.
* Coroutines (``async def`` apps) get no backpressure: a coroutine step runs in
  the hub's asyncio loop greenlet, shared by every async session of the worker,
  so it never waits, neither on flow control (the session does not block it) nor
  on a flush of its task that waits for the client. Its outputs and commands then
  queue behind that flush, which sends them in order (``send()`` and
  ``flush_pending()`` mark the queued outputs as to be shown instead of sending).
  Memory stays bounded by the session's hard limit (closed past 8x its high-water
  mark) and by ``MAX_PENDING_HARD`` items queued behind a waiting flush (closed
  too).
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

import gevent
import gevent.lock

from ..core.commands import Command
from ..core.state import CloseReason
from ..errors import SessionClosed
from ..protocol import encode_command
from ..runtime import aio, context
from ..runtime.slots import SlotKey
from . import pending
from .pending import Rule, State, Step

if TYPE_CHECKING:
    from ..runtime.session import Session, Task

__all__ = ["STATE_KEY", "emit", "enqueue", "flush_pending", "send", "send_current", "send_output"]

logger = logging.getLogger(__name__)

#: The key of its pending outputs (a ``_SessionOutputs``) in ``session.extensions``. Set by
#: this module on first use; nothing else reads or writes it.
STATE_KEY: Final[SlotKey[_SessionOutputs]] = SlotKey("wsgi_webio.output")


class Queued(Protocol):
    """What a task's queue holds: an ``Output`` or a ``_QueuedCommand``."""

    _state: State

    def command(self) -> Command: ...


class _TaskOutputs:
    """One task's pending outputs (and commands queued behind them), oldest first."""

    __slots__ = ("coroutine", "draining", "lock", "queue", "scheduled", "task")

    def __init__(self, task: Task) -> None:
        #: The task whose outputs these are.
        self.task = task
        #: Some were made by a coroutine step (several coroutines may share the task).
        self.coroutine = False
        self.queue: deque[Queued] = deque()
        #: A hub callback is scheduled for this queue.
        self.scheduled = False
        #: Held while a flush sends from this queue, so flushes never interleave.
        self.lock = gevent.lock.Semaphore()
        #: A drain task (a flow-controlled flush) exists.
        self.draining = False


class _SessionOutputs:
    """A session's pending outputs per task id (``session.extensions[STATE_KEY]``)."""

    __slots__ = ("tasks",)

    def __init__(self) -> None:
        self.tasks: dict[str, _TaskOutputs] = {}


class _QueuedCommand:
    """A command a coroutine sent while a flush of its task waits for the client:
    queued behind the task's outputs and sent by that flush, in order."""

    __slots__ = ("_command", "_state")

    def __init__(self, command: Command) -> None:
        self._command = command
        self._state = State.SHOWING

    def command(self) -> Command:
        return self._command


# ---------------------------------------------------------------------------- the exit
def emit(session: Session, task_id: str, command: Command) -> None:
    """Queue ``command`` for the client as task ``task_id``'s: the one way a command
    of the I/O API leaves. Flow control may block the calling greenlet here.

    :raises SessionClosed: when the session is closed. :raises TypeError: for a spec JSON cannot carry.
    """
    session.send_command(command.name, command.spec, task_id)


# ---------------------------------------------------------------------------- queues
def _state(session: Session) -> _SessionOutputs:
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    if state is None:
        state = _SessionOutputs()
        session.extensions[STATE_KEY] = state
        session.task_end_hooks.append(_flush_at_task_end)
    return state


def _queue_of(session: Session, task_id: str) -> _TaskOutputs | None:
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    return state.tasks.get(task_id) if state is not None else None


def _forget_if_idle(state: _SessionOutputs, task_id: str, q: _TaskOutputs) -> None:
    idle = not q.queue and not q.scheduled and not q.draining and not q.lock.locked()
    if idle and state.tasks.get(task_id) is q:
        del state.tasks[task_id]


def _step(rule: Rule, q: _TaskOutputs, refcount: Callable[[Any], int] | None, *, paused: bool = False,
          force: bool = False) -> Step:
    """``pending.next_step`` for the oldest item of ``q``. Holds no reference to it
    while counting: 2 = the queue's reference + getrefcount's argument."""
    head = q.queue[0]._state
    held = None if refcount is None else head is State.PENDING and refcount(q.queue[0]) > 2
    parked = q.task.waiting_event and not q.coroutine
    return pending.next_step(rule, head, held=held, parked=parked, paused=paused, force=force)


def _take(session: Session, task_id: str, q: _TaskOutputs, step: Step) -> Queued:
    """Pop the oldest item and send it if ``step`` says so; returns it."""
    item = q.queue.popleft()
    if step is Step.SEND:
        item._state = State.SENT
        emit(session, task_id, item.command())
    return item


def _schedule(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """Make sure the hub callback (rule 3) will look at ``q``."""
    if q.queue and not q.scheduled and not session.is_closed:
        q.scheduled = True
        gevent.get_hub().loop.run_callback(_flush_from_hub, session, task_id)


def _flush_queue(session: Session, task_id: str, q: _TaskOutputs, rule: Rule, upto: Queued | None = None) -> None:
    """Send ``q``'s items in order as ``rule`` says (up to and including ``upto``),
    from a greenlet: flow control may block it. Waits for any flush already under
    way. What it leaves queued is handed back to the hub callback."""
    refcount = getattr(sys, "getrefcount", None) if rule is Rule.DRAIN else None
    try:
        with q.lock:
            while q.queue:
                step = _step(rule, q, refcount)
                if step is Step.STOP:
                    break
                if _take(session, task_id, q, step) is upto:
                    break
    finally:
        # Outputs created (or committed by a coroutine) behind an early stop must not
        # wait for a flush point that may never come.
        _schedule(session, task_id, q)


def _in_coroutine_behind_flush(q: _TaskOutputs | None) -> bool:
    """A coroutine step runs while a flush of the task holds its queue (a drain task
    or the task's own greenlet waiting for the client): it must not wait for it."""
    return q is not None and q.lock.locked() and aio.in_loop_greenlet()


def _append_behind_flush(session: Session, q: _TaskOutputs, item: Queued) -> None:
    """Queue ``item`` behind a flush under way, which sends it in order. A coroutine
    gets no backpressure; past ``MAX_PENDING_HARD`` queued its session is closed.

    :raises SessionClosed: when the session closed (or is closed for its backlog).
    """
    if pending.overflowing(len(q.queue)):
        logger.warning("session %s: over %d outputs queued behind a client that does not keep up; closing",
                       session.tag, pending.MAX_PENDING_HARD)
        session.close(CloseReason.LIMIT)
        raise SessionClosed()
    q.queue.append(item)


def enqueue(session: Session, task: Task, out: Queued) -> None:
    """Make ``out`` (a new Output) pending on ``task``, after sending the older ones
    nothing holds any more (rule 1)."""
    task_id = task.id
    state = _state(session)
    q = state.tasks.get(task_id)
    if q is None:
        q = state.tasks[task_id] = _TaskOutputs(task)
    in_loop = aio.in_loop_greenlet()
    q.coroutine = q.coroutine or in_loop
    if q.lock.locked():
        if in_loop:
            _append_behind_flush(session, q, out)  # never block the loop: the flush sends it in order
            _schedule(session, task_id, q)
            return
        # A drain task is waiting for the client: wait with it (backpressure).
        with q.lock:
            pass
    if q.queue:
        _send_unreferenced(session, task_id, q)
    q.queue.append(out)
    _schedule(session, task_id, q)


def _send_unreferenced(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """Rule 1: before queueing another output, send the oldest ones nothing holds."""
    refcount = getattr(sys, "getrefcount", None)
    force = pending.forced(len(q.queue), refcount is not None)
    with q.lock:
        while q.queue:
            step = _step(Rule.CREATE, q, refcount, force=force)
            if step is Step.STOP:
                return
            _take(session, task_id, q, step)


def _flush_from_hub(session: Session, task_id: str) -> None:
    """The hub callback (rule 3), which never blocks.

    Runs in the hub, outside any task, so it is a boundary: errors are logged here
    (nobody else could see them) and never raised.
    """
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    q = state.tasks.get(task_id) if state is not None else None
    if state is None or q is None:
        return
    q.scheduled = False
    if q.lock.locked():
        return  # the flush under way sends what is queued, or schedules this again
    refcount = getattr(sys, "getrefcount", None)
    try:
        while q.queue:
            step = _step(Rule.HUB, q, refcount, paused=session.outbox.paused)
            if step is Step.STOP:
                break  # sent at the task's next flush point, or when it ends
            if step is Step.DRAIN:
                if not q.draining:
                    # A session task, so that the session outlives it and flow control blocks it.
                    q.draining = True
                    session.start_task(_drain_outputs, session, task_id, q)
                break
            try:
                _take(session, task_id, q, step)
            except (TypeError, ValueError):
                logger.exception("session %s: could not send an output", session.tag)
    except SessionClosed:
        q.queue.clear()
    except Exception:  # the hub would only print it; this is the boundary that logs it
        logger.exception("session %s: could not send the outputs of task %s", session.tag, task_id)
        q.queue.clear()
    _forget_if_idle(state, task_id, q)


def _drain_outputs(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """A task that sends a queue while the outbox is paused, waiting for the client."""
    try:
        _flush_queue(session, task_id, q, Rule.DRAIN)
    except SessionClosed:
        q.queue.clear()
    except (TypeError, ValueError):
        logger.exception("session %s: could not send an output", session.tag)
    finally:
        q.draining = False
        state = session.extensions.get(STATE_KEY)
        if state is not None:
            _forget_if_idle(state, task_id, q)


def _flush_at_task_end(session: Session, task: Any) -> None:
    """``session.task_end_hooks`` entry (rule 4): a task that ends sends all it still
    has queued (its own frames can embed nothing any more), in its own greenlet."""
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    q = state.tasks.get(task.id) if state is not None else None
    if state is None or q is None:
        return
    try:
        if session.is_closed:
            q.queue.clear()
        elif q.queue:
            _flush_queue(session, task.id, q, Rule.TASK_END)
    except SessionClosed:
        q.queue.clear()
    finally:
        _forget_if_idle(state, task.id, q)


# ---------------------------------------------------------------------------- flushes
def flush_pending() -> None:
    """Send the current task's pending outputs now, in order.

    Call it before a command that must follow them (``input()`` calls it before
    showing its form). Output and session functions already do.

    In a coroutine (an ``async def`` app) it never waits: if a flush of the task is
    already waiting for a slow client, the outputs are committed to that flush,
    which sends them in order; the I/O functions' next command queues behind them.

    .. code-block:: python

        put_text("Answer below")
        flush_pending()

    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.
    """
    session, task = context.current_task()
    _flush_task(session, task.id)


def _flush_task(session: Session, task_id: str) -> None:
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    q = state.tasks.get(task_id) if state is not None else None
    if state is None or q is None:
        return
    if _in_coroutine_behind_flush(q):
        pending.commit(q.queue)
        return
    if q.queue or q.lock.locked():
        _flush_queue(session, task_id, q, Rule.FLUSH)
    _forget_if_idle(state, task_id, q)


def send(session: Session, task_id: str, command: Command) -> None:
    """Send ``command`` for task ``task_id``, after its pending outputs (rule 2).

    :raises SessionClosed: when the session closed. :raises TypeError: for a spec JSON cannot carry.
    """
    q = _queue_of(session, task_id)
    if _in_coroutine_behind_flush(q):
        assert q is not None
        encode_command(command.name, command.spec, task_id)  # refuse a bad spec here, not later in the flush
        if session.is_closed:
            raise SessionClosed()
        pending.commit(q.queue)
        _append_behind_flush(session, q, _QueuedCommand(command))
        _schedule(session, task_id, q)
        return
    _flush_task(session, task_id)
    emit(session, task_id, command)


def send_current(command: Command) -> None:
    """Send ``command`` for the current task, after its pending outputs.

    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.
    """
    session, task = context.current_task()
    send(session, task.id, command)


def send_output(session: Session, task_id: str, out: Queued) -> None:
    """Show the pending output ``out`` of task ``task_id`` now, with the older ones
    before it (``Output.send()``): sent in order, or, in a coroutine behind a
    waiting flush, committed to that flush. Does nothing if ``out`` is no longer
    pending after that; sends it on its own if it was not queued."""
    q = _queue_of(session, task_id)
    if _in_coroutine_behind_flush(q):
        assert q is not None
        if pending.commit(q.queue, upto=out):  # that flush sends it in order; a coroutine never waits
            _schedule(session, task_id, q)
            return
    elif q is not None:
        _flush_queue(session, task_id, q, Rule.FLUSH, upto=out)
    if out._state is State.PENDING:
        out._state = State.SENT  # not found in its queue: send it on its own
        send_current(out.command())
