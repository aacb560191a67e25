"""``async def`` apps on the greenlet core: one asyncio loop on the gevent hub.

Owns the asyncio event loop that runs every coroutine of every session (an
``asyncio.SelectorEventLoop`` over gevent's selector, in one greenlet, so asyncio
and greenlets share the hub), starting a session task's coroutine there as an
asyncio Task, timing every coroutine step, and running the I/O functions that
wait on the client either blocking (in a greenlet) or awaited (in a coroutine).

How an async task works: it is an asyncio Task and nothing else; no greenlet is
parked for it. The I/O functions that wait on the client (forms, ``eval_js``,
pins, ``hold``) are written once, as generators that get each client event with
``event = yield from session.client_event()``: called from a greenlet the whole
generator runs at once (``client_event`` blocks the greenlet and never yields);
awaited in a coroutine it is the awaitable's iterator (``client_event`` yields
an asyncio future the session resolves when an event for the task arrives). An
idle async session is therefore its coroutine frames and one future. Closing the
session cancels the asyncio Task.

The loop belongs to the hub (one per thread), like the hub itself: two apps in one
process share it as they share the hub; nothing else is shared. Must not import
the I/O API or transports.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextvars
import functools
import inspect
import logging
import time
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Final

import gevent
import gevent.event
from gevent.selectors import GeventSelector

from . import context

if TYPE_CHECKING:
    from .tasks import Task

__all__ = [
    "BLOCKING_WARN_S",
    "get_loop",
    "in_loop_greenlet",
    "is_async_callable",
    "maybe_await",
    "run_coroutine_blocking",
    "start_task",
]

logger = logging.getLogger(__name__)

#: A coroutine step that keeps the hub longer than this stalls every session in the
#: worker; it is logged as a warning naming the task.
BLOCKING_WARN_S: Final = 0.1
#: How long closing waits for a cancelled coroutine to finish its cleanup.
CANCEL_TIMEOUT_S: Final = 5.0
_HUB_ATTR: Final = "wsgi_webio_asyncio_loop"


def is_async_callable(fn: Any) -> bool:
    """True for ``async def`` functions (also behind ``functools.partial``) and for
    objects whose ``__call__`` is one."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    call = inspect.getattr_static(type(fn), "__call__", None)
    return inspect.iscoroutinefunction(call)


class _HubSelector(GeventSelector):
    """gevent's selector, plus: while the loop waits, the thread's "running loop" is
    whatever it is outside our loop (None, or another library's loop such as a test
    driver's), so plain greenlets never see ours as running: ``asyncio.run()`` and
    Django's async-safety checks keep working in them."""

    def __init__(self) -> None:
        super().__init__()
        self.outside: asyncio.AbstractEventLoop | None = None

    def select(self, timeout: float | None = None) -> Any:
        mine = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self.outside)
        try:
            return super().select(timeout)
        finally:
            self.outside = asyncio.events._get_running_loop()
            asyncio.events._set_running_loop(mine)


class _HubLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose waits are gevent waits, run by one greenlet."""

    def __init__(self) -> None:
        self.hub_selector = _HubSelector()
        super().__init__(self.hub_selector)
        self.greenlet: gevent.Greenlet[..., Any] | None = None
        self.set_task_factory(_timed_task)

    def _wake_if_outside(self) -> None:
        # From another greenlet the loop may be parked in select(): nudge it, as
        # call_soon_threadsafe does from another thread.
        if gevent.getcurrent() is not self.greenlet and not self.is_closed():
            self._write_to_self()  # type: ignore[attr-defined]  # BaseSelectorEventLoop's self-pipe

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:  # type: ignore[override]
        handle = super().call_soon(callback, *args, context=context)
        self._wake_if_outside()
        return handle

    def call_at(  # type: ignore[override]
        self, when: float, callback: Any, *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        handle = super().call_at(when, callback, *args, context=context)
        self._wake_if_outside()
        return handle


def get_loop() -> _HubLoop:
    """The asyncio loop of the current gevent hub, started on first use."""
    hub = gevent.get_hub()
    loop: _HubLoop | None = getattr(hub, _HUB_ATTR, None)
    if loop is None or loop.is_closed():
        loop = _HubLoop()
        loop.greenlet = gevent.spawn(_run_forever, loop)
        setattr(hub, _HUB_ATTR, loop)
    return loop


def _run_forever(loop: _HubLoop) -> None:
    # Another library's loop may be marked running in this thread (suspended in its
    # own greenlet): set it aside while ours runs, and put it back when ours waits.
    loop.hub_selector.outside = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        loop.run_forever()
    finally:
        asyncio.events._set_running_loop(loop.hub_selector.outside)


def in_loop_greenlet() -> bool:
    """True while a coroutine step runs (the current greenlet is the hub's loop)."""
    loop: _HubLoop | None = getattr(gevent.get_hub(), _HUB_ATTR, None)
    return loop is not None and loop.greenlet is gevent.getcurrent()


class _TimedCoroutine(collections.abc.Coroutine):  # type: ignore[type-arg]
    """Wraps a coroutine to time each step it runs on the hub."""

    __slots__ = ("_coro", "_name")

    def __init__(self, coro: Coroutine[Any, Any, Any] | None, name: str) -> None:
        self._coro = coro
        self._name = name

    def _resume(self, value: Any, exc: tuple[Any, ...] | None) -> Any:
        assert self._coro is not None
        return self._coro.send(value) if exc is None else self._coro.throw(*exc)

    def _timed(self, value: Any, exc: tuple[Any, ...] | None) -> Any:
        start = time.perf_counter()
        try:
            return self._resume(value, exc)
        finally:
            held = time.perf_counter() - start
            if held > BLOCKING_WARN_S:
                logger.warning(
                    "task %s held the hub for %.0f ms without awaiting: every session in this "
                    "worker stalled meanwhile (docs/async.md: what async apps must not do)",
                    self._name, held * 1000,
                )

    def send(self, value: Any) -> Any:
        return self._timed(value, None)

    def throw(self, *args: Any) -> Any:
        return self._timed(None, args)

    def close(self) -> None:
        if self._coro is not None:
            self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        assert self._coro is not None
        return self._coro.__await__()


class _TaskCoroutine(_TimedCoroutine):
    """The root of a session task's asyncio Task: creates the coroutine at its first
    step (so a bad call fails inside the task) and reports the task's end, inside
    its last step, to ``on_end(failed)`` (with the error being handled, if any)."""

    __slots__ = ("_make", "_on_end")

    def __init__(self, make: Callable[[], Any], name: str, on_end: Callable[[bool], None]) -> None:
        super().__init__(None, name)
        self._make = make
        self._on_end = on_end

    def _resume(self, value: Any, exc: tuple[Any, ...] | None) -> Any:
        try:
            if self._coro is None:
                coro = self._make()
                if not inspect.iscoroutine(coro):
                    raise TypeError(f"an async task needs a coroutine, got {coro!r}")
                self._coro = coro
            return super()._resume(value, exc)
        except StopIteration:
            self._on_end(False)
            raise
        except Exception:
            self._on_end(True)
        except BaseException as error:  # cancelled, SessionClosed: a normal end
            self._on_end(False)
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
        # Handled here: the asyncio Task just finishes (nothing would read its error).
        raise StopIteration

    def close(self) -> None:
        if self._coro is None:  # never stepped: do not let the coroutine warn it was never awaited
            try:
                self._coro = self._make()
            except Exception:
                return
        super().close()


def _timed_task(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """The loop's task factory: every task is timed per step, named after the session
    task it belongs to (so gather()/wait_for() children are watched too)."""
    if not isinstance(coro, _TimedCoroutine):
        ctx = kwargs.get("context")
        current = context.peek() if ctx is None else ctx.run(context.peek)
        name = current[1].id if current is not None else getattr(coro, "__qualname__", "a coroutine")
        coro = _TimedCoroutine(coro, name)
    return asyncio.Task(coro, loop=loop, **kwargs)


def start_task(name: str, ctx: contextvars.Context, make: Callable[[], Any],
               on_end: Callable[[bool], None]) -> asyncio.Task[Any]:
    """Run the coroutine ``make()`` returns as an asyncio Task in ``ctx`` (which binds
    its session task); ``on_end(failed)`` is called in its last step, inside the
    ``except`` block when it raised."""
    return get_loop().create_task(_TaskCoroutine(make, name, on_end), name=name, context=ctx)


#: ``task.turns`` while one awaited call of the task runs and nobody queues behind it.
_BUSY: Final[tuple[()]] = ()


def _take_turn(task: Task) -> Generator[Any, None, None]:
    """Awaited calls of one task run one at a time (``gather(input(), input())`` shows
    the second form once the first is answered), in the order they were awaited."""
    if task.turns is None:
        task.turns = _BUSY
        return
    if task.turns is _BUSY:
        task.turns = []
    turn = asyncio.get_running_loop().create_future()
    task.turns.append(turn)  # type: ignore[union-attr]
    try:
        yield from turn
    except BaseException:
        if turn.done() and not turn.cancelled():
            _pass_turn(task)  # given the turn, then cancelled before using it
        elif isinstance(task.turns, list) and turn in task.turns:
            task.turns.remove(turn)  # still queued (_pass_turn may already have dropped it)
        raise


def _pass_turn(task: Task) -> None:
    waiting = task.turns
    while waiting:
        turn = waiting.pop(0)
        if not turn.done():
            if not waiting:
                task.turns = _BUSY
            turn.set_result(None)
            return
    task.turns = None


class _ClientWait:
    """What an I/O function that waits on the client returns inside a coroutine: await it."""

    __slots__ = ("_steps",)

    def __init__(self, steps: Callable[[], Generator[Any, None, Any]]) -> None:
        self._steps = steps

    def __repr__(self) -> str:
        return "<not awaited: in an async def app, write `await` before this call>"

    def __await__(self) -> Generator[Any, None, Any]:
        current = context.peek()
        if current is None or not in_loop_greenlet():
            raise RuntimeError("wsgi_webio awaitables work only inside a wsgi_webio async task")
        task = current[1]
        yield from _take_turn(task)
        try:
            return (yield from self._steps())
        finally:
            _pass_turn(task)


def run_steps(steps: Generator[Any, None, Any]) -> Any:
    """Run a client-waiting generator in a greenlet, to its end (it must not yield:
    ``session.client_event()`` blocks here instead)."""
    try:
        steps.send(None)
    except StopIteration as stop:
        return stop.value
    steps.close()
    raise RuntimeError("a client wait yielded outside a coroutine")


def maybe_await(steps: Callable[..., Generator[Any, None, Any]], *args: Any, **kwargs: Any) -> Any:
    """Call an I/O function that waits on the client, written as a generator of
    ``yield from session.client_event()`` steps: inside a coroutine, return it as an
    awaitable (no greenlet waits for it); elsewhere, run it, blocking the greenlet,
    and return its result."""
    if in_loop_greenlet() and context.peek() is not None:
        return _ClientWait(functools.partial(steps, *args, **kwargs))
    return run_steps(steps(*args, **kwargs))


def run_coroutine_blocking(coro: Coroutine[Any, Any, Any]) -> Any:
    """From a greenlet (not a coroutine): run ``coro`` on the hub's loop, in a copy of
    the greenlet's context, and wait. Interrupted (the session closes), it cancels
    the coroutine and waits up to CANCEL_TIMEOUT_S for it to finish its cleanup.

    :raises RuntimeError: when called from inside a coroutine (await it instead).
    """
    if in_loop_greenlet():
        coro.close()
        raise RuntimeError("inside a coroutine, await the coroutine instead")
    loop = get_loop()
    done = gevent.event.Event()
    atask = loop.create_task(coro, context=contextvars.copy_context())
    atask.add_done_callback(lambda _t: done.set())
    try:
        done.wait()
    except BaseException:
        if not atask.done():
            atask.cancel()
            done.wait(CANCEL_TIMEOUT_S)
        raise
    return atask.result()
