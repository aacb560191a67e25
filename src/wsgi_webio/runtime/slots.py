"""Typed per-session state of the library's own modules.

Owns ``SlotKey`` and ``SessionSlots``: a module that keeps state per session (the
pending outputs, the pin widgets) declares one key typed with what it stores, as a
``ContextVar`` is declared, and only that module reads or writes under it. The
session holds the slots and never reads them. Must not hold anything itself.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["SessionSlots", "SlotKey"]

_T = TypeVar("_T")
_D = TypeVar("_D")


class SlotKey(Generic[_T]):
    """The key of one module's per-session state, typed with that state.

    .. code-block:: python

        PINS: Final[SlotKey[dict[str, InputItem]]] = SlotKey("wsgi_webio.pin.items")
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<SlotKey {self.name}>"


class SessionSlots:
    """One session's slots: each key's value, of that key's type."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[SlotKey[Any], Any] = {}

    @overload
    def get(self, key: SlotKey[_T]) -> _T | None: ...

    @overload
    def get(self, key: SlotKey[_T], default: _D) -> _T | _D: ...

    def get(self, key: SlotKey[Any], default: Any = None) -> Any:
        """The value under ``key``, or ``default`` when none was set."""
        return self._values.get(key, default)

    def __getitem__(self, key: SlotKey[_T]) -> _T:
        """:raises KeyError: when nothing was set under ``key``."""
        value: _T = self._values[key]
        return value

    def __setitem__(self, key: SlotKey[_T], value: _T) -> None:
        self._values[key] = value

    def __contains__(self, key: SlotKey[Any]) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"SessionSlots({sorted(key.name for key in self._values)})"
