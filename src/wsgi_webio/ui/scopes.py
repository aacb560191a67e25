"""Scopes, popups and toasts: ``use_scope``, ``set_scope``, ``get_scope``, ``clear``,
``remove``, ``scroll_to``, ``popup``, ``close_popup`` and ``toast``.

Owns the ``output_ctl``, ``popup``, ``close_popup`` and ``toast`` commands and the
per-task scope stack discipline (push on enter, pop on exit, ROOT never removed).
Sends through ``ui/delivery.py`` (``send_current``) so pending outputs go first; reaches
the session only through the context.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, Final, TypeVar

from ..core import commands
from ..runtime import context
from .checks import (
    check_callback,
    check_scope_name,
    random_scope_name,
    resolve_scope,
    scope_dom_id,
    scope_selector,
)
from .delivery import send_current
from .outputs import contents_of, discard_on_error

__all__ = [
    "OutputPosition",
    "PopupSize",
    "Position",
    "ScopeContext",
    "clear",
    "clear_scope",
    "close_popup",
    "get_scope",
    "popup",
    "remove",
    "scroll_to",
    "set_scope",
    "toast",
    "use_scope",
]

F = TypeVar("F", bound=Callable[..., Any])

_IF_EXIST: Final = (None, "remove", "clear", "blank")
#: PyWebIO's toast colour names, as docs/ui-spec.md names them.
_TOAST_COLORS: Final = (("info", "info"), ("success", "success"), ("warn", "warning"), ("warning", "warning"),
                        ("error", "error"))


class Position:
    """Where ``scroll_to`` puts a scope in the window."""

    TOP: Final = "top"
    MIDDLE: Final = "middle"
    BOTTOM: Final = "bottom"


class OutputPosition:
    """The ``position`` of an output in its scope: first or last."""

    TOP: Final = 0
    BOTTOM: Final = -1


class PopupSize:
    """The ``size`` of a popup."""

    LARGE: Final = "large"
    NORMAL: Final = "normal"
    SMALL: Final = "small"


def _check_position(position: Any) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise TypeError(f"position must be an int, got {position!r}")
    return position


def set_scope(name: str, container_scope: str | None = None, position: int = OutputPosition.BOTTOM,
              if_exist: str | None = None) -> None:
    """Create scope ``name`` inside ``container_scope`` (the current scope by default).

    :param if_exist: when it exists already: None leaves it, ``"remove"`` replaces
        it, ``"clear"`` empties it, ``"blank"`` empties it keeping its height until
        the scope is left.

    .. code-block:: python

        set_scope("sidebar", position=0)
        put_text("in the sidebar", scope="sidebar")

    :raises ValueError: for a bad name or ``if_exist``.
    """
    check_scope_name(name)
    if if_exist not in _IF_EXIST:
        raise ValueError(f"if_exist must be one of {_IF_EXIST}, got {if_exist!r}")
    session = context.get_current_session()
    container = scope_selector(resolve_scope(session, container_scope))
    send_current(commands.output_ctl(set_scope=scope_dom_id(name), container=container,
                                     position=_check_position(position), if_exist=if_exist))


def get_scope(stack_idx: int = -1) -> str | None:
    """The name of a scope on the current task's scope stack: -1 (the default) is
    the current scope, 0 is ROOT, -2 the one entered before the current one...
    None past the stack.

    .. code-block:: python

        with use_scope("a"):
            assert get_scope() == "a" and get_scope(-2) == "ROOT"
    """
    try:
        return context.get_current_session().get_scope_name(stack_idx)
    except IndexError:
        return None


def clear(scope: str | None = None) -> None:
    """Empty a scope (the current one by default).

    .. code-block:: python

        clear("results")
    """
    send_current(commands.output_ctl(clear=scope_selector(resolve_scope(context.get_current_session(), scope))))


def remove(scope: str | None = None) -> None:
    """Remove a scope and its content (the current one by default).

    .. code-block:: python

        remove("banner")

    :raises ValueError: for ROOT, which cannot be removed.
    """
    name = resolve_scope(context.get_current_session(), scope)
    if name == "ROOT":
        raise ValueError("the ROOT scope cannot be removed")
    send_current(commands.output_ctl(remove=scope_selector(name)))


def scroll_to(scope: str | None = None, position: str = Position.TOP) -> None:
    """Scroll the page so a scope is at the ``"top"``, ``"middle"`` or ``"bottom"`` of the window.

    .. code-block:: python

        scroll_to("results", position="middle")
    """
    if position not in (Position.TOP, Position.MIDDLE, Position.BOTTOM):
        raise ValueError(f"position must be 'top', 'middle' or 'bottom', got {position!r}")
    name = resolve_scope(context.get_current_session(), scope)
    send_current(commands.output_ctl(scroll_to=scope_selector(name), position=position))


clear_scope = clear


class ScopeContext:
    """What ``use_scope()`` and ``popup()`` return: a context manager (whose value is
    the scope name) and a decorator that enter the scope."""

    def __init__(self, name: str, *, create: bool = True, clear: bool = False, container_scope: str | None = None,
                 position: int = OutputPosition.BOTTOM, if_exist: str | None = None) -> None:
        self.name = check_scope_name(name)
        self._create = create
        self._clear = clear
        self._container = container_scope
        self._position = _check_position(position)
        if if_exist not in _IF_EXIST:
            raise ValueError(f"if_exist must be one of {_IF_EXIST}, got {if_exist!r}")
        self._if_exist = if_exist

    def __enter__(self) -> str:
        session = context.get_current_session()
        if self._create:
            set_scope(self.name, self._container, self._position, "blank" if self._clear else self._if_exist)
        elif self._clear:
            clear_scope(self.name)
        session.push_scope(self.name)
        return self.name

    def __exit__(self, *exc: object) -> None:
        session = context.get_current_session()
        name = session.pop_scope()
        if not session.is_closed:
            send_current(commands.output_ctl(loose=scope_selector(name)))

    def __call__(self, func: F) -> F:
        check_callback(func, "the function use_scope() decorates")
        if inspect.iscoroutinefunction(func):

            @wraps(func)
            async def in_scope_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return in_scope_async  # type: ignore[return-value]

        @wraps(func)
        def in_scope(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return in_scope  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<scope {self.name}>"


def use_scope(name: str | None = None, clear: bool = False, create_scope: bool = True,
              **scope_params: Any) -> ScopeContext:
    """Enter a scope (created if needed): outputs inside go into it. A context
    manager, whose value is the scope name, and a decorator.

    :param name: the scope name; None makes up a unique one.
    :param clear: empty the scope first.
    :param create_scope: create the scope if it does not exist.
    :param scope_params: ``container_scope``, ``position`` and ``if_exist`` of
        ``set_scope()``, used when creating it.
    :raises ValueError: for a bad name. :raises TypeError: for another keyword.

    .. code-block:: python

        with use_scope("results", clear=True):
            put_text("only the latest result")

        @use_scope("clock", clear=True)
        def show_time():
            put_text(time.ctime())
    """
    unknown = set(scope_params) - {"container_scope", "position", "if_exist"}
    if unknown:
        raise TypeError(f"use_scope() got unexpected arguments {sorted(unknown)}")
    return ScopeContext(random_scope_name() if name is None else name, create=create_scope, clear=clear,
                        **scope_params)


@discard_on_error
def popup(title: str, content: Any = None, size: str = PopupSize.NORMAL, implicit_close: bool = True,
          closable: bool = True) -> ScopeContext:
    """Show a popup (closing any other). Returns its scope: ``with popup(...) as s:``
    outputs into it, and ``@popup(title)`` makes a function output into it.

    :param content: a str, an output, or a list of them.
    :param size: ``"large"``, ``"normal"`` or ``"small"``.
    :param implicit_close: a click outside or Esc closes it.
    :param closable: the user can close it (else only ``close_popup()`` does).

    .. code-block:: python

        popup("Popup title", [put_html("<h3>Popup Content</h3>"), "plain text"])

        with popup("Popup title") as s:
            put_buttons(["clear()"], onclick=lambda _: clear(s))

    :raises ValueError: for another size.
    """
    if size not in (PopupSize.LARGE, PopupSize.NORMAL, PopupSize.SMALL):
        raise ValueError(f"size must be 'large', 'normal' or 'small', got {size!r}")
    name = random_scope_name()
    send_current(commands.popup(str(title), contents_of(content), size, bool(implicit_close and closable),
                                bool(closable), scope_dom_id(name)))
    return ScopeContext(name, create=False)


def close_popup() -> None:
    """Close the popup.

    .. code-block:: python

        put_button("close", onclick=close_popup)
    """
    send_current(commands.close_popup())


def toast(content: Any, duration: float = 2, position: str = "center", color: str = "info",
          onclick: Callable[[], Any] | None = None) -> None:
    """Show a notification for ``duration`` seconds (0: until clicked).

    :param position: ``"left"``, ``"center"`` or ``"right"``.
    :param color: ``"info"``, ``"success"``, ``"warn"``, ``"error"`` or a CSS colour (``"#2188ff"``).
    :param onclick: called (in a new task) when the user clicks the notification.

    .. code-block:: python

        toast("New messages", position="right", color="#2188ff", duration=0,
              onclick=lambda: put_text("You clicked the notification."))
    """
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 <= duration < 1e9:
        raise ValueError(f"duration must be a number of seconds >= 0, got {duration!r}")
    if position not in ("left", "center", "right"):
        raise ValueError(f"position must be 'left', 'center' or 'right', got {position!r}")
    if not isinstance(color, str) or not color:
        raise TypeError(f"color must be a colour name or a CSS colour str, got {color!r}")
    callback_id = None
    if onclick is not None:
        handler = check_callback(onclick, "toast onclick")
        callback_id = context.get_current_session().register_callback(lambda _data: handler())
    send_current(commands.toast(str(content), int(duration * 1000), position, dict(_TOAST_COLORS).get(color, color),
                                callback_id))
