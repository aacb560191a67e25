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
* A task's pending outputs are sent in creation order:

  1. when the task creates its next output, the oldest ones that nothing but the
     queue refers to any more (a ``put_text("a")`` statement whose value was
     dropped): they can no longer be embedded, so waiting gains nothing. An output
     held in a variable, a list being built or an argument being evaluated stays
     pending, and so does everything after it;
  2. before any other command the task sends through ``send_ui_command``, and by
     ``flush_pending()``, which ``input()`` calls before showing its form;
  3. from a hub callback scheduled when the first one becomes pending, which runs
     as soon as the task yields to the hub for any reason (a sleep, a socket, the
     end of the task).

  Rule 1 is only an early start: correctness rests on 2 and 3. (It reads
  ``sys.getrefcount``; where that does not exist, the task sends all it has once
  ``MAX_PENDING`` are queued.) Past ``MAX_PENDING_HARD`` queued, all are sent.
* Backpressure: rules 1 and 2 send from the task, which flow control blocks when
  the client falls behind, as for any command. The hub callback must not block: it
  stops when the outbox is over its high-water mark and hands the rest to a drain
  task, a task of the session (so the session outlives it) that flow control
  blocks until the client catches up; a task creating outputs meanwhile waits for it.
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
from .errors import SessionClosed
from .runtime import context

if TYPE_CHECKING:
    from .runtime.session import Session

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
_EMBEDDED: Final = "embedded"
_SENT: Final = "sent"
_DISCARDED: Final = "discarded"

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------- pending state
class _TaskOutputs:
    """One task's pending outputs, oldest first."""

    __slots__ = ("draining", "lock", "queue", "scheduled")

    def __init__(self) -> None:
        self.queue: deque[Output] = deque()
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


def _state(session: Session) -> _SessionOutputs:
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    if state is None:
        state = _SessionOutputs()
        session.extensions[STATE_KEY] = state
    return state


def _forget_if_idle(state: _SessionOutputs, task_id: str, q: _TaskOutputs) -> None:
    idle = not q.queue and not q.scheduled and not q.draining and not q.lock.locked()
    if idle and state.tasks.get(task_id) is q:
        del state.tasks[task_id]


def _send_one(session: Session, task_id: str, out: Output) -> None:
    out._state = _SENT
    session.send_command("output", out._wire(), task_id)


def _flush_queue(session: Session, task_id: str, q: _TaskOutputs, upto: Output | None = None) -> None:
    """Send ``q``'s pending outputs in order (up to and including ``upto``), from a
    greenlet: flow control may block it. Waits for any flush already under way."""
    with q.lock:
        while q.queue:
            out = q.queue.popleft()
            if out._state is _PENDING:
                _send_one(session, task_id, out)
            if out is upto:
                break


def _enqueue(session: Session, task_id: str, out: Output) -> None:
    state = _state(session)
    q = state.tasks.get(task_id)
    if q is None:
        q = state.tasks[task_id] = _TaskOutputs()
    if q.lock.locked():
        # A drain task is waiting for the client: wait with it (backpressure).
        with q.lock:
            pass
    if q.queue:
        _send_unreferenced(session, task_id, q)
    q.queue.append(out)
    if not q.scheduled:
        q.scheduled = True
        gevent.get_hub().loop.run_callback(_flush_from_hub, session, task_id)


def _send_unreferenced(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """Before queueing another output: send, oldest first, the pending outputs that
    nothing but the queue refers to (rule 1 of the module docstring)."""
    refcount = getattr(sys, "getrefcount", None)
    force = len(q.queue) >= (MAX_PENDING if refcount is None else MAX_PENDING_HARD)
    if refcount is None and not force:
        return
    with q.lock:
        while q.queue:
            # 2 = the queue's reference + getrefcount's argument: nobody else holds it.
            if not force and q.queue[0]._state is _PENDING and refcount(q.queue[0]) > 2:  # type: ignore[misc]
                return
            out = q.queue.popleft()
            if out._state is _PENDING:
                _send_one(session, task_id, out)


def _flush_from_hub(session: Session, task_id: str) -> None:
    """The hub callback: send a task's pending outputs without blocking.

    Runs in the hub, outside any task, so it is a boundary: errors are logged here
    (nobody else could see them) and never raised.
    """
    state: _SessionOutputs | None = session.extensions.get(STATE_KEY)
    q = state.tasks.get(task_id) if state is not None else None
    if state is None or q is None:
        return
    q.scheduled = False
    if q.lock.locked():
        return  # the flush under way sends everything queued
    try:
        while q.queue and not session.outbox.paused:
            out = q.queue.popleft()
            if out._state is not _PENDING:
                continue
            try:
                _send_one(session, task_id, out)
            except (TypeError, ValueError):
                logger.exception("session %s: could not send output %r", session.id, out)
        if q.queue and not q.draining:
            # A session task, so that the session outlives it and flow control blocks it.
            q.draining = True
            session.start_task(_drain_outputs, session, task_id, q)
    except SessionClosed:
        q.queue.clear()
    except Exception:  # the hub would only print it; this is the boundary that logs it
        logger.exception("session %s: could not send the outputs of task %s", session.id, task_id)
        q.queue.clear()
    _forget_if_idle(state, task_id, q)


def _drain_outputs(session: Session, task_id: str, q: _TaskOutputs) -> None:
    """A task that sends a queue while the outbox is paused, waiting for the client."""
    try:
        _flush_queue(session, task_id, q)
    except SessionClosed:
        q.queue.clear()
    except (TypeError, ValueError):
        logger.exception("session %s: could not send an output", session.id)
    finally:
        q.draining = False
        state = session.extensions.get(STATE_KEY)
        if state is not None:
            _forget_if_idle(state, task_id, q)


def flush_pending() -> None:
    """Send the current task's pending outputs now, in order.

    Call it before a command that must follow them (``input()`` calls it before
    showing its form). Output and session functions already do.

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
    if q.queue or q.lock.locked():
        _flush_queue(session, task_id, q)
    _forget_if_idle(state, task_id, q)


def send_ui_command(name: str, spec: Any = None) -> None:
    """Send one command for the current task, after its pending outputs.

    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.
    """
    session, task = context.current_task()
    _flush_task(session, task.id)
    session.send_command(name, spec, task.id)


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
        _enqueue(session, task.id, self)

    def _wire(self) -> dict[str, Any]:
        return dict(self.spec, scope=self._target, position=self._position)

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
            state = session.extensions.get(STATE_KEY)
            q = state.tasks.get(self._task_id) if state is not None else None
            if q is not None:
                _flush_queue(session, self._task_id, q, upto=self)
            if self._state is _PENDING:  # not found in its queue (a drain took it)
                _send_one(session, task.id, self)
            return
        _flush_task(session, task.id)
        session.send_command("output", self._wire(), task.id)

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
