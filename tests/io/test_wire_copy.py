"""``to_wire`` and ``InputItem.copy`` without JSON text: the same values as the JSON
round trip they replace, the same errors, and copies that share nothing mutable."""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict
from typing import Any

import pytest

from wsgi_webio.ui.input_args import json_copy, parse_options, to_wire
from wsgi_webio.ui.items import InputItem, Refused


class Color(enum.IntEnum):
    RED = 1


class Name(str):
    pass


def round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


SAMPLES = [
    "label", "", "caf\u00e9 \U0001f600", 0, -7, 2**80, True, False, None, 1.5, -0.0, 1e300,
    [1, "a", None, [True, {"k": 2.5}]], {"a": {"b": [1, 2, {"c": None}]}},
    (1, 2), [("x", 1)], {1: "one", None: "n", False: "f", 2.5: "x"}, Color.RED, Name("sub"),
    OrderedDict(a=1), {"t": (1, (2, 3))}, {"k": Name("v"), Name("key"): 1},
]


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_to_wire_gives_what_the_json_round_trip_gives(value: Any) -> None:
    got, expected = to_wire(value, "label"), round_trip(value)
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)
    assert type(got) is type(expected)


def test_to_wire_copies_containers() -> None:
    original = {"options": [{"label": "a", "value": [1]}]}
    wired = to_wire(original, "spec")
    wired["options"][0]["value"].append(2)
    wired["options"].append({})
    assert original == {"options": [{"label": "a", "value": [1]}]}


@pytest.mark.parametrize("value", [math.nan, [1, math.inf], {"x": -math.inf}, object(), {"s": {1, 2}}, b"bytes"],
                         ids=repr)
def test_to_wire_refuses_what_json_cannot_carry(value: Any) -> None:
    with pytest.raises(TypeError, match="^label .* cannot be sent to the browser as JSON"):
        to_wire(value, "label")


def test_circular_and_very_deep_values_fail_as_json_does() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(TypeError, match="Circular reference"):
        to_wire(loop, "value")
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        json.dumps(deep)
    with pytest.raises(RecursionError):
        to_wire(deep, "value")


def test_json_copy_keeps_nan_like_the_old_item_copy() -> None:
    copied = json_copy({"min": math.nan, "t": (1,)})
    assert math.isnan(copied["min"]) and copied["t"] == [1]


def select_item() -> InputItem:
    wire, choices = parse_options([("One", 1), ("Two", (2, "b")), {"label": "Off", "value": 3, "disabled": True}],
                                  "select()")
    spec = to_wire({"type": "select", "name": "pick", "label": "Pick", "options": wire}, "select input")
    return InputItem(spec, validate=len, choices=choices)


def test_item_copy_is_independent_and_checks_the_same() -> None:
    item = select_item()
    item.label_value = ("shown", 9)
    item.must_click = True
    copy = item.copy()
    assert copy.spec == item.spec and copy.spec is not item.spec
    assert copy.spec["options"][0] is not item.spec["options"][0]
    assert copy.validate is item.validate and copy.choices == item.choices
    assert copy.label_value is None and copy.must_click is False
    copy.spec["options"][0]["label"] = "changed"
    copy.apply_update({"label": "new"}, None)
    assert item.spec["label"] == "Pick" and item.spec["options"][0]["label"] == "One"
    for checker in (item, copy):
        assert checker.convert(1, submit=True) == 1
        assert checker.convert([2, "b"], submit=True) == (2, "b")  # the app's own value back
        with pytest.raises(Refused):
            checker.convert(3, submit=True)  # disabled
        with pytest.raises(Refused):
            checker.convert(4, submit=True)  # never offered


def test_new_choices_on_a_copy_leave_the_original_alone() -> None:
    item = select_item()
    copy = item.copy()
    wire, choices = parse_options([("Nine", 9)], "update")
    copy.apply_update({"options": wire}, choices)
    assert copy.convert(9, submit=True) == 9
    with pytest.raises(Refused):
        item.convert(9, submit=True)
    assert item.convert(1, submit=True) == 1
