"""``session.local``: the app's own per-session attribute store.

Owns ``SessionLocal``, PyWebIO's ``local`` object: any attribute name the app likes,
missing names reading as None. Must hold nothing of the library's own (library
modules keep their per-session state in typed slots, ``runtime/slots.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["SessionLocal"]


class SessionLocal:
    """Per-session attribute store (``session.local``): missing names read as None."""

    def __init__(self) -> None:
        object.__setattr__(self, "_dict", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._dict.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(f"session.local names may not start with '_': {name!r}")
        self._dict[name] = value

    def __delattr__(self, name: str) -> None:
        self._dict.pop(name, None)

    def __getitem__(self, name: str) -> Any:
        return self._dict.get(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.__setattr__(name, value)

    def __delitem__(self, name: str) -> None:
        self._dict.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __repr__(self) -> str:
        return f"SessionLocal({self._dict!r})"
