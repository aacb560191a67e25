"""Names and checks shared by the I/O API's modules: scope names and their DOM
ids, JSON data, callbacks, and ``Span`` cells.

Owns the rules for what a scope name, an output's data and a callback may be.
Pure checks and tiny value types: sends nothing, holds no state.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ..runtime.session import Session

__all__ = [
    "ASYNC_ISSUE",
    "DOM_PREFIX",
    "Span",
    "check_callback",
    "check_json",
    "check_scope_name",
    "random_scope_name",
    "resolve_scope",
    "scope_dom_id",
    "scope_selector",
]

#: The async issue, named by every "not supported yet" message about coroutines.
ASYNC_ISSUE: Final = "issue 6 (async def apps: PyWebIO's coroutine-session API)"

_SCOPE_NAME: Final = re.compile(r"[A-Za-z0-9_-]+\Z")
#: A scope's element id is this plus its name.
DOM_PREFIX: Final = "pywebio-scope-"


# ---------------------------------------------------------------------------- scopes
def check_scope_name(name: Any, what: str = "scope name") -> str:
    """Return ``name`` if it is a valid scope name (``[A-Za-z0-9_-]+``).

    :raises TypeError: if it is not a string. :raises ValueError: if it has other characters.
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {name!r}")
    if not _SCOPE_NAME.match(name):
        raise ValueError(f"{what} may only contain letters, digits, '-' and '_', got {name!r}")
    return name


def scope_dom_id(name: str) -> str:
    """The element id of scope ``name``: ``pywebio-scope-NAME``."""
    return DOM_PREFIX + check_scope_name(name)


def scope_selector(name: str) -> str:
    """The CSS selector of scope ``name``: ``#pywebio-scope-NAME``."""
    return "#" + scope_dom_id(name)


def random_scope_name() -> str:
    """A fresh scope name (11 characters of ``[A-Za-z0-9_-]``)."""
    return secrets.token_urlsafe(8)


def resolve_scope(session: Session, scope: str | int | None) -> str:
    """The scope name ``scope`` means for the current task: None is the current
    scope, an int indexes the task's scope stack (0 is ROOT, -1 the current one).

    :raises ValueError: for an invalid name or an index past the stack.
    """
    if scope is None:
        return session.get_scope_name()
    if isinstance(scope, int) and not isinstance(scope, bool):
        try:
            return session.get_scope_name(scope)
        except IndexError:
            raise ValueError(f"scope index {scope} is past this task's scope stack") from None
    return check_scope_name(scope)


# ---------------------------------------------------------------------------- validation
def check_json(value: Any, where: str) -> None:
    """Check that ``value`` is JSON data (None, bool, int, finite float, str, and
    lists/tuples/str-keyed dicts of them).

    :raises TypeError: naming the first value that is not. :raises ValueError: for NaN/inf.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if item is None or isinstance(item, str | bool | int):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{path} is {item!r}, which JSON cannot carry")
            continue
        if isinstance(item, list | tuple):
            stack.extend((sub, f"{path}[{i}]") for i, sub in enumerate(item))
            continue
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"{path} has the key {key!r}; JSON object keys must be str")
                stack.append((sub, f"{path}[{key!r}]"))
            continue
        raise TypeError(f"{path} is a {type(item).__name__} ({item!r:.60}), which JSON cannot carry")


def check_callback(fn: Any, what: str) -> Callable[..., Any]:
    """Return ``fn`` if it can be a callback (a plain or an ``async def`` function).

    :raises TypeError: if it is not callable.
    """
    if not callable(fn):
        raise TypeError(f"{what} must be callable, got {fn!r}")
    return fn  # type: ignore[no-any-return]


class Span:
    """A table or grid cell spanning ``row`` rows and ``col`` columns (see ``span()``)."""

    __slots__ = ("col", "content", "row")

    def __init__(self, content: Any, row: int = 1, col: int = 1) -> None:
        for label, value in (("row", row), ("col", col)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"span {label} must be an int, got {value!r}")
            if value < 1:
                raise ValueError(f"span {label} must be at least 1, got {value}")
        self.content = content
        self.row = row
        self.col = col

    def __repr__(self) -> str:
        return f"span({self.content!r}, row={self.row}, col={self.col})"
