"""The session API apps call: PyWebIO's ``pywebio.session`` names.

Owns the user-facing helpers (``local``, ``info``, ``defer_call``, ``run_async``,
``register_thread``, ``hold``...). Each reaches the current session through the
context; nothing here holds state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gevent import Greenlet

from .errors import SessionClosed
from .runtime import context
from .runtime.context import get_current_session, get_current_task_id
from .runtime.session import TaskHandle

__all__ = [
    "defer_call",
    "get_current_session",
    "get_current_task_id",
    "hold",
    "info",
    "local",
    "register_thread",
    "run_async",
]


def defer_call(func: Callable[[], Any]) -> Callable[[], Any]:
    """Call ``func`` when the session closes (in registration order). Also a decorator."""
    return get_current_session().defer_call(func)


def run_async(fn: Callable[..., Any], *args: Any) -> TaskHandle:
    """Run ``fn(*args)`` as a new task of the current session; returns a handle with
    ``close()`` and ``closed()``. (PyWebIO passes a coroutine; here any function.)"""
    return get_current_session().start_task(fn, *args)


def register_thread(greenlet: Greenlet) -> TaskHandle:
    """Make a not-yet-started gevent Greenlet a task of the current session, so it
    may call input and output functions."""
    return get_current_session().register_thread(greenlet)


def hold() -> None:
    """Block until the session closes (keeps a script-mode app's callbacks alive)."""
    session = get_current_session()
    try:
        while True:
            session.next_client_event()
    except SessionClosed:
        return


class _SessionProxy:
    """Forwards attribute access to one attribute of the current session."""

    __slots__ = ("_attr",)

    def __init__(self, attr: str) -> None:
        object.__setattr__(self, "_attr", attr)

    def _target(self) -> Any:
        return getattr(context.get_current_session(), self._attr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._target(), name)

    def __getitem__(self, name: str) -> Any:
        return self._target()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._target()[name] = value

    def __contains__(self, name: object) -> bool:
        return name in self._target()

    def __repr__(self) -> str:
        try:
            return repr(self._target())
        except Exception:
            return f"<session.{self._attr} (no session)>"


#: The current session's attribute store (``local.name = value``; missing names are None).
local: Any = _SessionProxy("local")
#: The current session's SessionInfo (user_agent, user_ip, protocol, request...).
info: Any = _SessionProxy("info")
