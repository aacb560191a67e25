"""``async def`` apps on the greenlet core: one asyncio loop on the gevent hub.

Owns the asyncio event loop that runs every coroutine of every session (an
``asyncio.SelectorEventLoop`` over gevent's selector, in one greenlet, so asyncio
and greenlets share the hub), running a session task's coroutine there, and
turning the blocking I/O functions into awaitables for coroutines.

How an async task works: the session's task greenlet (the same kind every task
has, so closing, settling and flow control treat it alike) starts the coroutine
as an asyncio Task and then *serves* it: when the coroutine awaits ``input()``,
the call is handed to the task greenlet, which blocks on the client as a plain
task would, and the result resolves the coroutine's future. An idle async session
is one parked greenlet, like a plain one, plus its coroutine. Closing the session
kills the task greenlet, which cancels the asyncio Task and waits for it to end.

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
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Final

import gevent
import gevent.event
from gevent.selectors import GeventSelector

from ..errors import SessionClosed

__all__ = [
    "BLOCKING_WARN_S",
    "AsyncTaskRunner",
    "awaitable_call",
    "get_loop",
    "in_loop_greenlet",
    "is_async_callable",
    "maybe_await",
    "run_coroutine_blocking",
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


class _HubSelector(GeventSelector):  # type: ignore[misc]
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
        self.greenlet: gevent.Greenlet | None = None
        self.set_task_factory(_timed_task)

    def _wake_if_outside(self) -> None:
        # From another greenlet the loop may be parked in select(): nudge it, as
        # call_soon_threadsafe does from another thread.
        if gevent.getcurrent() is not self.greenlet and not self.is_closed():
            self._write_to_self()

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        handle = super().call_soon(callback, *args, context=context)
        self._wake_if_outside()
        return handle

    def call_at(self, when: float, callback: Any, *args: Any, context: Any = None) -> asyncio.TimerHandle:
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

    def __init__(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self._coro = coro
        self._name = name

    def _timed(self, step: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return step(*args)
        finally:
            held = time.perf_counter() - start
            if held > BLOCKING_WARN_S:
                logger.warning(
                    "task %s held the hub for %.0f ms without awaiting: every session in this "
                    "worker stalled meanwhile (docs/async.md: what async apps must not do)",
                    self._name, held * 1000,
                )

    def send(self, value: Any) -> Any:
        return self._timed(self._coro.send, value)

    def throw(self, *args: Any) -> Any:
        return self._timed(self._coro.throw, *args)

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coro.__await__()


def _timed_task(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """The loop's task factory: every task is timed per step, named after the session
    task it belongs to (so gather()/wait_for() children are watched too)."""
    ctx = kwargs.get("context")
    runner = (ctx if ctx is not None else contextvars.copy_context()).get(_RUNNERS)
    if not isinstance(coro, _TimedCoroutine):
        name = runner.task_name if runner is not None else getattr(coro, "__qualname__", "a coroutine")
        coro = _TimedCoroutine(coro, name)
    return asyncio.Task(coro, loop=loop, **kwargs)


class AsyncTaskRunner:
    """Runs one coroutine for a session task; called in that task's greenlet."""

    __slots__ = ("_requests", "_wake", "task_name", "_greenlet", "_serving")

    def __init__(self, task_name: str) -> None:
        self._requests: deque[tuple[Callable[[], Any], asyncio.Future[Any]]] = deque()
        self._wake = gevent.event.Event()
        self.task_name = task_name
        self._greenlet: Any = None
        self._serving: asyncio.Future[Any] | None = None

    def submit(self, call: Callable[[], Any], future: asyncio.Future[Any]) -> None:
        """From the coroutine: run ``call`` in the task greenlet, resolving ``future``."""
        self._requests.append((call, future))
        self._wake.set()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` to its end; serve its blocking calls meanwhile.

        :raises SessionClosed: when the session closes (the coroutine is cancelled first).
        """
        loop = get_loop()
        self._greenlet = gevent.getcurrent()
        done = gevent.event.Event()
        context = contextvars.copy_context()  # carries this task's (session, task)
        context.run(_RUNNERS.set, self)
        atask = loop.create_task(_TimedCoroutine(coro, self.task_name), name=self.task_name, context=context)
        atask.add_done_callback(lambda _t: (done.set(), self._wake.set()))
        try:
            while not done.is_set():
                self._wake.wait()
                self._wake.clear()
                while self._requests:
                    call, future = self._requests.popleft()
                    self._serve(loop, call, future)
        except BaseException:
            if not atask.done():
                loop.call_soon(atask.cancel)
                done.wait(CANCEL_TIMEOUT_S)
            raise
        return atask.result()

    def _serve(self, loop: asyncio.AbstractEventLoop, call: Callable[[], Any], future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            return
        self._serving = future
        future.add_done_callback(self._interrupt_if_cancelled)
        try:
            result = call()
        except _CallCancelled:
            return  # the coroutine stopped waiting for it (wait_for timed out, cancelled)
        except SessionClosed:
            raise
        except BaseException as exc:  # handed to the coroutine, which raises it at its await
            loop.call_soon(_settle, future, None, exc)
        else:
            loop.call_soon(_settle, future, result, None)
        finally:
            self._serving = None

    def _interrupt_if_cancelled(self, future: asyncio.Future[Any]) -> None:
        # In the loop greenlet: the blocking call serving this future is now pointless;
        # stop it where it waits (its finally blocks run: a form is taken down).
        if future.cancelled() and self._serving is future and self._greenlet is not None:
            self._greenlet.kill(_CallCancelled, block=False)


class _CallCancelled(BaseException):
    """Raised in a task greenlet to stop a blocking call its coroutine gave up on."""


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.cancelled():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


#: The runner of the coroutine being stepped. A ContextVar (each asyncio Task has
#: its own context), not module state: nothing is stored here outside a task.
_RUNNERS: contextvars.ContextVar[AsyncTaskRunner] = contextvars.ContextVar("wsgi_webio.async_runner")


class _BlockingCall:
    """What a blocking I/O function returns inside a coroutine: await it."""

    __slots__ = ("_call",)

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call

    def __repr__(self) -> str:
        return "<not awaited: in an async def app, write `await` before this call>"

    def __await__(self) -> Generator[Any, None, Any]:
        runner = _RUNNERS.get(None)
        if runner is None:
            raise RuntimeError("wsgi_webio awaitables work only inside a wsgi_webio async task")
        future = asyncio.get_running_loop().create_future()
        runner.submit(self._call, future)
        return (yield from future.__await__())


def awaitable_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> _BlockingCall | None:
    """Inside a coroutine, ``fn(*args, **kwargs)`` as an awaitable; else None (call it)."""
    if not in_loop_greenlet() or _RUNNERS.get(None) is None:
        return None
    return _BlockingCall(functools.partial(fn, *args, **kwargs))


def maybe_await(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a blocking I/O function: inside a coroutine, return it as an awaitable
    (run by the task's greenlet); elsewhere, call it and return its result."""
    call = awaitable_call(fn, *args, **kwargs)
    return call if call is not None else fn(*args, **kwargs)


def run_coroutine_blocking(coro: Coroutine[Any, Any, Any]) -> Any:
    """From a greenlet (not a coroutine): run ``coro`` on the hub's loop and wait.

    :raises RuntimeError: when called from inside a coroutine (await it instead).
    """
    if in_loop_greenlet():
        coro.close()
        raise RuntimeError("inside a coroutine, await the coroutine instead")
    loop = get_loop()
    done = gevent.event.AsyncResult()
    atask = loop.create_task(coro, context=contextvars.copy_context())
    atask.add_done_callback(lambda t: done.set(t))
    try:
        done.wait()
    except BaseException:
        loop.call_soon(atask.cancel)
        raise
    return atask.result()
