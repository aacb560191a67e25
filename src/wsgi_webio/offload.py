"""Offloading: CPU-bound or blocking C work off the hub, into gevent's thread pool.

Owns :func:`run_blocking`, exported as ``wsgi_webio.session.run_blocking``. Sessions
are greenlets on one hub: code that computes for seconds without yielding (numpy, a
compression, a long pure-Python loop) or blocks inside a C library freezes every other
session of the worker. ``run_blocking`` runs such a call in a real OS thread of the
hub's thread pool and waits cooperatively (the calling greenlet or coroutine sleeps;
other sessions run). Holds no state: the pool is the hub's own (gevent's
``hub.threadpool``, one per hub). Must not be used for calls that need the session
(the I/O functions): the function runs outside any session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import gevent

from .runtime import aio, context

__all__ = ["run_blocking"]

T = TypeVar("T")


def run_blocking(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` in a thread of gevent's thread pool and return its result
    (or raise its exception), while every other session keeps running.

    In a plain app it blocks the calling task until the result is there; in an
    ``async def`` app it returns an awaitable:

    .. code-block:: python

        from wsgi_webio.session import run_blocking

        def app():
            n = input("How many primes?", type=NUMBER)
            primes = run_blocking(count_primes, n)          # a plain app waits here
            put_text(f"{primes} primes")

        async def async_app():
            n = await input("How many primes?", type=NUMBER)
            primes = await run_blocking(count_primes, n)    # an async app awaits it
            put_text(f"{primes} primes")

    Threads share the GIL: pure-Python work in a thread still takes turns with the
    hub, so other pages stay responsive but slower; C code that releases the GIL
    (hashlib, zlib, numpy, most I/O) runs truly in parallel. If the session closes
    while it waits, the waiting task ends; the thread finishes its call (threads cannot
    be stopped) and its result is dropped. The pool's size is gevent's
    (``hub.threadpool.maxsize``, 10 by default): further calls queue.
    """
    if not callable(fn):
        raise TypeError(f"run_blocking needs a callable, got {fn!r}")
    pool = gevent.get_hub().threadpool
    if aio.in_loop_greenlet() and context.peek() is not None:
        return _await_in_pool(pool, fn, args, kwargs)
    return pool.spawn(fn, *args, **kwargs).get()


async def _await_in_pool(pool: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    result = pool.spawn(fn, *args, **kwargs)

    def settle(done: Any) -> None:  # on the hub, when the thread's result arrived
        if future.done():
            return
        if done.successful():
            future.set_result(done.value)
        else:
            future.set_exception(done.exception)

    result.rawlink(settle)
    return await future
