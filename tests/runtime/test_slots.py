"""Typed per-session slots: each module's state under its own key, nothing shared."""

from __future__ import annotations

import pytest

from wsgi_webio.runtime.slots import SessionSlots, SlotKey

COUNT: SlotKey[int] = SlotKey("test.count")
NAMES: SlotKey[list[str]] = SlotKey("test.names")


def test_get_set_and_default() -> None:
    slots = SessionSlots()
    assert slots.get(COUNT) is None and slots.get(COUNT, 0) == 0 and COUNT not in slots
    slots[COUNT] = 3
    slots[NAMES] = ["a"]
    assert (slots.get(COUNT), slots[NAMES], COUNT in slots) == (3, ["a"], True)
    with pytest.raises(KeyError):
        SessionSlots()[COUNT]


def test_keys_with_one_name_are_still_two_keys() -> None:
    """A key is its object, not its name: two modules cannot collide by naming alike."""
    slots = SessionSlots()
    slots[COUNT] = 1
    assert slots.get(SlotKey[int]("test.count")) is None


def test_each_session_has_its_own(open_session) -> None:
    a, _ = open_session(lambda: None)
    b, _ = open_session(lambda: None)
    a.extensions[COUNT] = 1
    assert b.extensions.get(COUNT) is None
