"""Output objects and the pending-output machinery behind every ``put_*`` call.

Owns ``Output`` (a spec plus the scope and position it goes to), the per-task queue
of outputs created but not yet sent, when that queue is flushed, embedding of
nested outputs, and ``send_ui_command``: the one way output and
session functions send a command. Reaches the session only through the context;
knows nothing of transports or the browser client; holds no module-level state
(the queues live in each Session's ``extensions``, under ``STATE_KEY``).

How an output reaches the page, in order and without ``__del__``:

* ``put_xxx()`` builds an ``Output`` that is *pending* on the current task.
* Passing it into another output (``put_table([[put_text("a")]])``) *embeds* it:
  its spec goes inline into the parent and it is never sent on its own.
* A task's pending outputs are sent in creation order, each once:

  1. when the task creates its next output, the oldest ones that nothing but the
     queue refers to any more (a ``put_text("a")`` statement whose value was
     dropped): they can no longer be embedded, so waiting gains nothing. An output
     held in a variable, a list being built or an argument being evaluated stays
     pending, and so does everything after it;
  2. all of them before any other command the task sends through
     ``send_ui_command``, by ``flush_pending()`` (which ``input()`` calls before
     showing its form), and by ``send()`` / ``with`` (up to that output);
  3. from a hub callback scheduled when the first one becomes pending, which runs
     as soon as the task yields to the hub for any reason (a sleep, a socket): the
     same oldest-unreferenced ones as rule 1, so that
     ``put_row([put_text("label"), put_text(fetch())])`` with a ``fetch()`` that
     yields never shows "label" on its own and then again in the row. While a
     plain task is parked waiting for a client event it sends them all: that is a
     flush point (the I/O functions flush before they wait, and a ``serial_mode``
     callback loop waits holding its last callback's return value);
  4. all that is left when the task ends, from a ``session.task_end_hooks`` entry
     run in the task's own greenlet.

  Trade-off of rule 3: an output held in a variable while the task blocks (``x =
  put_text("wait"); gevent.sleep(5)``) is shown when the task reaches its next
  flush point (rule 2 or 4, or rule 1 once ``x`` is released), much as PyWebIO
  shows it only when the variable is released; that is what rules out duplicates.
  Rule 1 (and 3) read ``sys.getrefcount``; where that does not exist, the task
  sends all it has once ``MAX_PENDING`` are queued, and the hub callback sends all
  (an output built into a parent across a yield may then show twice). Past
  ``MAX_PENDING_HARD`` queued, all are sent. A flush that stops early (``send()``
  up to its output, or a drain at a held output) schedules the hub callback again
  for what it left, so nothing queued waits for a flush point that may never come.
* Backpressure: rules 1, 2 and 4 send from the task, which flow control blocks
  when the client falls behind, as for any command. The hub callback must not
  block: it stops when the outbox is over its high-water mark and hands the rest
  to a drain task, a task of the session (so the session outlives it) that flow
  control blocks until the client catches up; a task creating outputs meanwhile
  waits for it.
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
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, Final, TypeVar

import gevent
import gevent.lock

from ._out_names import (
    DOM_PREFIX,
    Span,
    check_callback,
    check_json,
    random_scope_name,
    resolve_scope,
    scope_dom_id,
    scope_selector,
)
from .core.state import CloseReason
from .errors import SessionClosed
from .protocol import encode_command
from .runtime import aio, context

if TYPE_CHECKING:
    from .runtime.session import Session, Task

__all__ = [
    "MAX_PENDING",
    "MAX_PENDING_HARD",
    "STATE_KEY",
    "Output",
    "contents_of",
    "discard_on_error",
    "embed",
    "flush_pending",
    "send_ui_command",
]

logger = logging.getLogger(__name__)

#: The key of its pending outputs (a ``_SessionOutputs``) in ``session.extensions``. Set by
#: this module on first use; nothing else reads or writes it.
STATE_KEY: Final = "wsgi_webio.output"
#: Without ``sys.getrefcount`` (PyPy), a task sends all it has queued at this many:
#: a ``while True: put_text(...)`` loop then meets flow control within a hundred
#: outputs, and building a row or a small table rarely gets there.
MAX_PENDING: Final = 100
#: Past this many queued, even outputs the app still holds are sent (oldest first), so
#: memory stays bounded; one of them embedded later is then shown twice.
MAX_PENDING_HARD: Final = 5000

_PENDING: Final = "pending"
#: To be sent, in order, by a flush under way (a coroutine's ``send()``): no longer embeddable.
_SHOWING: Final = "shown"
_EMBEDDED: Final = "embedded"
_SENT: Final = "sent"
_DISCARDED: Final = "discarded"

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------- pending state
class _TaskOutputs:
    """One task's pending outputs (and commands queued behind them), oldest first."""

    __slots__ = ("coroutine", "draining", "lock", "queue", "scheduled", "task")

    def __init__(self, task: Task) -> None:
        #: The task whose outputs these are.
        self.task = task
        #: Some were made by a coroutine step (several coroutines may share the task).
        self.coroutine = False
        self.queue: deque[Output | _QueuedCommand] = deque()
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

    __slots__ = ("_state", "name", "spec")

    def __init__(self, name: str, spec: Any) -> None:
        self.name = name
        self.spec = spec
        self._state = _SHOWING

    def _command(self) -> tuple[str, Any]:
        return self.name, self.spec


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


def _sendable(item: Output | _QueuedCommand) -> bool:
    return item._state is _PENDING or item._state is _SHOWING


def _held(q: _TaskOutputs, refcount: Callable[[Any], int] | None) -> bool:
    """The oldest queued item is a pending output something besides the queue refers
    to (a variable, a list being built, an argument being evaluated): it may still be
    embedded, so it must not be sent on its own yet."""
    if refcount is None or q.queue[0]._state is not _PENDING:
        return False
    # 2 = the queue's reference + getrefcount's argument: nobody else holds it.
    return refcount(q.queue[0]) > 2


def _parked(q: _TaskOutputs) -> bool:
    """The task is parked waiting for a client event, which is a flush point: the I/O
    functions flush before they wait, and a ``serial_mode`` callback loop waits
    holding its last callback's return value. (Not for a task running coroutines:
    another coroutine of it may be mid-expression while one awaits the client.)"""
    return q.task.waiting_event and not q.coroutine


def _send_one(session: Session, task_id: str, item: Output | _QueuedCommand) -> None:
    item._state = _SENT
    name, spec = item._command()
    session.send_command(name, spec, task_id)


def _schedule(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """Make sure the hub callback (rule 3) will look at ``q``."""
    if q.queue and not q.scheduled and not session.is_closed:
        q.scheduled = True
        gevent.get_hub().loop.run_callback(_flush_from_hub, session, task_id)


def _flush_queue(session: Session, task_id: str, q: _TaskOutputs, upto: Output | None = None, *,
                 keep_held: bool = False) -> None:
    """Send ``q``'s pending outputs in order (up to and including ``upto``; with
    ``keep_held``, stopping at the first one still referenced), from a greenlet: flow
    control may block it. Waits for any flush already under way. What it leaves
    queued is handed back to the hub callback."""
    refcount = getattr(sys, "getrefcount", None) if keep_held else None
    try:
        with q.lock:
            while q.queue:
                if refcount is not None and _held(q, refcount) and not _parked(q):
                    break
                out = q.queue.popleft()
                if _sendable(out):
                    _send_one(session, task_id, out)
                if out is upto:
                    break
    finally:
        # Outputs created (or committed by a coroutine) behind an early stop must not
        # wait for a flush point that may never come.
        _schedule(session, task_id, q)


def _in_coroutine_behind_flush(q: _TaskOutputs | None) -> bool:
    """A coroutine step runs while a flush of the task holds its queue (a drain task
    or the task's own greenlet waiting for the client): it must not wait for it."""
    return q is not None and q.lock.locked() and aio.in_loop_greenlet()


def _append_behind_flush(session: Session, q: _TaskOutputs, item: Output | _QueuedCommand) -> None:
    """Queue ``item`` behind a flush under way, which sends it in order. A coroutine
    gets no backpressure; past ``MAX_PENDING_HARD`` queued its session is closed.

    :raises SessionClosed: when the session closed (or is closed for its backlog).
    """
    if len(q.queue) >= MAX_PENDING_HARD:
        logger.warning("session %s: over %d outputs queued behind a client that does not keep up; closing",
                       session.id, MAX_PENDING_HARD)
        session.close(CloseReason.LIMIT)
        raise SessionClosed()
    q.queue.append(item)


def _commit(q: _TaskOutputs, upto: Output | None = None) -> bool:
    """Mark the queued outputs (up to ``upto``) as to be shown: the flush under way
    then sends them in order and they can no longer be embedded. False if ``upto``
    is not queued (nothing was marked)."""
    if upto is not None and not any(item is upto for item in q.queue):
        return False
    for item in q.queue:
        if item._state is _PENDING:
            item._state = _SHOWING
        if item is upto:
            break
    return True


def _enqueue(session: Session, task: Task, out: Output) -> None:
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
    """Before queueing another output: send, oldest first, the pending outputs that
    nothing but the queue refers to (rule 1 of the module docstring)."""
    refcount = getattr(sys, "getrefcount", None)
    force = len(q.queue) >= (MAX_PENDING if refcount is None else MAX_PENDING_HARD)
    if refcount is None and not force:
        return
    with q.lock:
        while q.queue:
            if not force and _held(q, refcount):
                return
            out = q.queue.popleft()
            if _sendable(out):
                _send_one(session, task_id, out)


def _flush_from_hub(session: Session, task_id: str) -> None:
    """The hub callback: send a task's oldest pending outputs that nothing but the
    queue refers to, without blocking.

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
            if _held(q, refcount) and not _parked(q):
                break  # sent at the task's next flush point, or when it ends
            if session.outbox.paused:
                if not q.draining:
                    # A session task, so that the session outlives it and flow control blocks it.
                    q.draining = True
                    session.start_task(_drain_outputs, session, task_id, q)
                break
            out = q.queue.popleft()
            if not _sendable(out):
                continue
            try:
                _send_one(session, task_id, out)
            except (TypeError, ValueError):
                logger.exception("session %s: could not send output %r", session.id, out)
    except SessionClosed:
        q.queue.clear()
    except Exception:  # the hub would only print it; this is the boundary that logs it
        logger.exception("session %s: could not send the outputs of task %s", session.id, task_id)
        q.queue.clear()
    _forget_if_idle(state, task_id, q)


def _drain_outputs(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """A task that sends a queue while the outbox is paused, waiting for the client."""
    try:
        _flush_queue(session, task_id, q, keep_held=True)
    except SessionClosed:
        q.queue.clear()
    except (TypeError, ValueError):
        logger.exception("session %s: could not send an output", session.id)
    finally:
        q.draining = False
        state = session.extensions.get(STATE_KEY)
        if state is not None:
            _forget_if_idle(state, task_id, q)


def _flush_at_task_end(session: Session, task: Any) -> None:
    """``session.task_end_hooks`` entry: a task that ends sends all it still has
    queued (its own frames can embed nothing any more), in its own greenlet."""
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    q = state.tasks.get(task.id) if state is not None else None
    if state is None or q is None:
        return
    try:
        if session.is_closed:
            q.queue.clear()
        elif q.queue:
            _flush_queue(session, task.id, q)
    except SessionClosed:
        q.queue.clear()
    finally:
        _forget_if_idle(state, task.id, q)


def flush_pending() -> None:
    """Send the current task's pending outputs now, in order.

    Call it before a command that must follow them (``input()`` calls it before
    showing its form). Output and session functions already do.

    In a coroutine (an ``async def`` app) it never waits: if a flush of the task is
    already waiting for a slow client, the outputs are committed to that flush,
    which sends them in order; send the next command with ``send_ui_command`` so
    that it queues behind them.

    .. code-block:: python

        put_text("Answer below")
        flush_pending()
        session.send_command("input_group", form_spec, task_id)

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
        _commit(q)
        return
    if q.queue or q.lock.locked():
        _flush_queue(session, task_id, q)
    _forget_if_idle(state, task_id, q)


def _send_command(session: Session, task_id: str, name: str, spec: Any) -> None:
    """Send one command for task ``task_id``, after its pending outputs."""
    q = _queue_of(session, task_id)
    if _in_coroutine_behind_flush(q):
        assert q is not None
        encode_command(name, spec, task_id)  # refuse a bad spec here, not later in the flush
        if session.is_closed:
            raise SessionClosed()
        _commit(q)
        _append_behind_flush(session, q, _QueuedCommand(name, spec))
        _schedule(session, task_id, q)
        return
    _flush_task(session, task_id)
    session.send_command(name, spec, task_id)


def send_ui_command(name: str, spec: Any = None) -> None:
    """Send one command for the current task, after its pending outputs.

    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.
    """
    session, task = context.current_task()
    _send_command(session, task.id, name, spec)


# ---------------------------------------------------------------------------- Output
class Output:
    """What every ``put_xxx()`` returns: one output, pending until it is sent or
    embedded in another output.

    :param spec: the output spec (docs/ui-spec.md), JSON data with a ``type``; the
        Output takes ownership of the dict.
    :param scope: the target scope name (None: the current scope; an int indexes
        the task's scope stack).
    :param position: where in the scope: -1 appends, 0 prepends, n >= 0 inserts
        before child n, n < 0 after child ``len + n``.
    :raises TypeError: for a spec that is not a dict of JSON data with a str ``type``.
    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.

    .. code-block:: python

        Output({"type": "text", "content": "hi", "inline": False}, scope="log")
    """

    __slots__ = ("_container", "_position", "_scope_name", "_session", "_state", "_target", "_task_id", "spec")

    def __init__(self, spec: dict[str, Any], *, scope: str | int | None = None, position: int = -1) -> None:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise TypeError(f"an output spec must be a dict with a str 'type', got {spec!r:.80}")
        check_json(spec, "the output spec")
        self._setup(spec, scope, position, None, None)

    @classmethod
    def make(cls, spec: dict[str, Any], scope: str | int | None, position: int, *,
             container: str | None = None, scope_name: str | None = None) -> Output:
        """Create a pending output from a spec built by this package (not re-checked).

        :param container: how ``with`` works on it: None (it does not), ``"scope"``
            (its contents go to a fresh ``dom_id``), ``"loading"`` (as ``"scope"``, and
            removed on exit) or ``"named"`` (its ``dom_id`` is scope ``scope_name``).
        """
        out = cls.__new__(cls)
        out._setup(spec, scope, position, container, scope_name)
        return out

    def _setup(self, spec: dict[str, Any], scope: str | int | None, position: int,
               container: str | None, scope_name: str | None) -> None:
        if isinstance(position, bool) or not isinstance(position, int):
            raise TypeError(f"position must be an int, got {position!r}")
        session, task = context.current_task()
        if session.is_closed:
            raise SessionClosed()
        self.spec = spec
        self._session = session
        self._task_id = task.id
        self._target = scope_selector(resolve_scope(session, scope))
        self._position = position
        self._state = _PENDING
        self._container = container
        self._scope_name = scope_name
        _enqueue(session, task, self)

    def _wire(self) -> dict[str, Any]:
        return dict(self.spec, scope=self._target, position=self._position)

    def _command(self) -> tuple[str, Any]:
        return "output", self._wire()

    def _embed(self) -> dict[str, Any]:
        """This output's spec, to go inline into another; it is not sent on its own.
        An output already sent is copied (the shown one stays)."""
        if self._state is _PENDING:
            self._state = _EMBEDDED
        return self.spec

    def _check_changeable(self, what: str) -> None:
        if self._state is not _PENDING:
            raise RuntimeError(f"cannot {what} a {self.spec['type']!r} output that was already {self._state}: "
                               f"call it right where the output is created, e.g. put_text('x').{what}(...)")

    def style(self, css_style: str) -> Output:
        """Add CSS declarations to the output's style attribute; returns the output.

        .. code-block:: python

            put_text("hello").style("color: red; font-size: 20px")

        :raises TypeError: for a non-str. :raises RuntimeError: once sent or embedded.
        """
        if not isinstance(css_style, str):
            raise TypeError(f"style() needs a CSS str, got {css_style!r}")
        self._check_changeable("style")
        old = self.spec.get("style")
        self.spec["style"] = f"{old};{css_style}" if old else css_style
        return self

    def onclick(self, callback: Callable[[], Any]) -> Output:
        """Call ``callback()`` (in a new task) when the user clicks the output.

        .. code-block:: python

            put_text("click me").onclick(lambda: toast("clicked"))

        :raises TypeError: for a non-callable. :raises RuntimeError: once sent or embedded.
        """
        check_callback(callback, "onclick callback")
        self._check_changeable("onclick")
        self.spec["click_callback_id"] = self._session.register_callback(lambda _data: callback())
        return self

    def send(self) -> None:
        """Show the output now (with the task's older pending outputs before it).
        Sending one already shown or embedded shows another copy.

        .. code-block:: python

            banner = put_text("Welcome")
            banner.show()
        """
        session, task = context.current_task()
        if self._state is _PENDING:
            q = _queue_of(session, self._task_id)
            if _in_coroutine_behind_flush(q):
                assert q is not None
                if _commit(q, upto=self):  # that flush sends it in order; a coroutine never waits
                    _schedule(session, self._task_id, q)
                    return
            elif q is not None:
                _flush_queue(session, self._task_id, q, upto=self)
            if self._state is not _PENDING:
                return
            self._state = _SENT  # not found in its queue: send it on its own
        _send_command(session, task.id, "output", self._wire())

    show = send

    def __enter__(self) -> str:
        """Enter the output as a scope: it is shown now, and what is output inside the
        block goes into it. Returns the scope name.

        .. code-block:: python

            with put_collapse("Details") as name:
                put_text("inside the collapse, scope", name)
        """
        if self._container is None:
            raise TypeError(f"a {self.spec['type']!r} output cannot be used in a with block")
        if self._container == "named":
            name = self._scope_name or ""
        elif "dom_id" in self.spec:
            name = self.spec["dom_id"][len(DOM_PREFIX):]
        else:
            if self._state is not _PENDING:
                raise RuntimeError("enter an output as a scope right where it is created: "
                                   f"this {self.spec['type']!r} output was already {self._state}")
            name = random_scope_name()
            self.spec["dom_id"] = scope_dom_id(name)
        if self._state is _PENDING:
            self.send()  # it is a scope now, not something to embed
        self._session.push_scope(name)
        return name

    def __exit__(self, *exc: object) -> None:
        name = self._session.pop_scope()
        if self._container == "loading":
            send_ui_command("output_ctl", {"remove": scope_selector(name)})

    def __repr__(self) -> str:
        return f"<Output {self.spec.get('type')} {self._state}>"


# ---------------------------------------------------------------------------- nesting
def embed(value: Any) -> Any:
    """A nested value as it goes into a parent spec: an Output's spec (it is then
    not sent on its own), a str as is, anything else as ``str(value)``."""
    if isinstance(value, Output):
        return value._embed()
    if isinstance(value, str):
        return value
    return str(value)


def contents_of(content: Any) -> list[Any]:
    """A ``content`` argument (one item, a list/tuple of them, or None) as a list of
    embedded items."""
    if content is None:
        return []
    if isinstance(content, list | tuple):
        return [embed(item) for item in content]
    return [embed(content)]


def _discard(values: Iterable[Any]) -> None:
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, Output):
            if item._state is _PENDING:
                item._state = _DISCARDED
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Span):
            stack.append(item.content)


def discard_on_error(fn: F) -> F:
    """Decorate a put_* function taking nested outputs: if it raises, the outputs
    passed to it are dropped rather than shown on their own."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BaseException:
            _discard([args, kwargs])
            raise

    return wrapper  # type: ignore[return-value]
