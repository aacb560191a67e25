"""Which session and task the running greenlet belongs to.

Owns the one ContextVar that maps a greenlet to its (session, task). gevent gives
every greenlet its own context, so the value is set inside each task's own run
function (a child greenlet starts empty). Must not hold any other state.

When no session is bound, the resolver installed with :func:`when_unbound` (if any) is
asked for one: script mode (``wsgi_webio.script``) is injected that way by the package's
entry, ``wsgi_webio/__init__.py``; this module knows nothing of it. The resolver lives
in a ContextVar, so it applies to the context it was set in (the main greenlet's, at
import): every greenlet starts with a context of its own, and a session task never
consults it. Without one, NoSessionError is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Optional

from ..errors import NoSessionError

if TYPE_CHECKING:
    from .session import Session, Task

__all__ = ["current_task", "get_current_session", "get_current_task_id", "peek", "set_current", "when_unbound"]

_current: ContextVar[tuple[Session, Task] | None] = ContextVar("wsgi_webio.current_task", default=None)
#: Asked when no session is bound: returns the caller's (session, task), or None.
Resolver = Callable[[], Optional["tuple[Session, Task]"]]
_unbound: ContextVar[Resolver | None] = ContextVar("wsgi_webio.when_unbound", default=None)

_NO_SESSION = (
    "No wsgi_webio session in this greenlet. I/O functions such as input() and put_text() "
    "only work inside an app function served by wsgi_webio (start_server, wsgi_app, "
    "python -m wsgi_webio), or inside a task it started (run_async / register_thread). "
    "A greenlet you spawned yourself has no session: start it with "
    "wsgi_webio.session.register_thread(greenlet) or run_async(fn)."
)


def set_current(session: Session, task: Task) -> None:
    """Bind the running greenlet to ``task`` of ``session``."""
    _current.set((session, task))


def when_unbound(resolver: Resolver | None) -> None:
    """Ask ``resolver`` for a session when I/O runs unbound in the calling context (and in
    contexts copied from it later); None removes it."""
    _unbound.set(resolver)


def peek() -> tuple[Session, Task] | None:
    """The running greenlet's (or asyncio task's) (session, task), or None: never
    asks script mode."""
    return _current.get()


def current_task() -> tuple[Session, Task]:
    """The running greenlet's (session, task).

    :raises NoSessionError: outside a session, with a message saying how to fix it.
    """
    value = _current.get()
    if value is None:
        resolver = _unbound.get()
        value = resolver() if resolver is not None else None
        if value is None:
            raise NoSessionError(_NO_SESSION)
    return value


def get_current_session() -> Session:
    """The session the running greenlet belongs to. :raises NoSessionError: outside one."""
    return current_task()[0]


def get_current_task_id() -> str:
    """The id of the running task. :raises NoSessionError: outside a session."""
    return current_task()[1].id
