"""Input items built from PyWebIO 1.8's arguments: one builder per kind of input.

Owns turning the arguments of ``input()``, ``select()``, ``slider()``... into an
``InputItem`` (the wire spec of docs/ui-spec.md plus its server-side rules), with
their validation. Both the input functions (``ui/inputs.py``, which then ask for
the item in a form) and the pin widgets (``ui/pins.py``, which show it among the
outputs) build their items here. Must not send, wait for events nor hold state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from ..runtime.aio import is_async_callable
from .checks import check_callback
from .input_args import (
    INPUT_TYPES,
    Choice,
    check_html_attrs,
    check_name,
    mark_selected,
    parse_buttons,
    parse_options,
    parse_size,
    to_wire,
)
from .items import InputItem

__all__ = ["actions_item", "callable_or_none", "checkbox_item", "file_item", "radio_item", "select_item",
           "slider_item", "text_item", "textarea_item"]

#: Keys an item sets itself, which ``other_html_attrs`` may not replace.
_RESERVED: Final = frozenset({"type", "name", "options", "buttons", "action", "inputs", "float"})

Validator = Callable[[Any], Any]
#: No extra HTML attributes.
NO_ATTRS: Final[Mapping[str, Any]] = MappingProxyType({})


def callable_or_none(func: Any, what: str) -> None:
    """:raises TypeError: for a non-callable or an ``async def`` (validators and
    onchange run inside the form's loop and must answer at once)."""
    if func is not None:
        check_callback(func, what)
        if is_async_callable(func):
            raise TypeError(f"{what} must be a plain function, not async def: it runs inside the form "
                            "and its answer is needed at once")


def _item(kind: str, label: Any, name: str | None, validate: Validator | None, onchange: Validator | None,
          other_html_attrs: Mapping[str, Any], fields: Mapping[str, Any], *,
          choices: tuple[Choice, ...] = (), action: Any = None) -> InputItem:
    """Build one item: the wire spec without None values, plus its rules."""
    callable_or_none(validate, "validate")
    callable_or_none(onchange, "onchange")
    attrs = check_html_attrs(other_html_attrs)
    spec: dict[str, Any] = {"type": kind, "label": "" if label is None else str(label)}
    if name is not None:
        spec["name"] = check_name(name)
    spec.update((k, v) for k, v in fields.items() if v is not None)
    clash = sorted((attrs.keys() & spec.keys()) | (attrs.keys() & _RESERVED))
    if clash:
        raise ValueError(f"other_html_attrs may not set {clash}: the input sets them itself")
    spec.update(attrs)
    if validate is not None:
        spec["onblur"] = True
    if onchange is not None:
        spec["onchange"] = True
    return InputItem(to_wire(spec, f"{kind} input"), validate=validate, onchange=onchange, action=action,
                     choices=choices)


def text_item(label: Any, type: str, *, name: str | None = None, validate: Validator | None = None,
              value: Any = None, action: Any = None, onchange: Validator | None = None,
              placeholder: str | None = None, required: bool | None = None, readonly: bool | None = None,
              datalist: Sequence[str] | None = None, help_text: str | None = None,
              other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``input()``."""
    if type not in INPUT_TYPES:
        raise ValueError(f"input type must be one of {INPUT_TYPES}, got {type!r}")
    if action is not None:
        if not isinstance(action, tuple | list) or len(action) != 2:
            raise TypeError(f"action must be (label, callback), got {action!r}")
        check_callback(action[1], "action callback")
        action = (str(action[0]), action[1])
    if datalist is not None:
        if isinstance(datalist, str | bytes | Mapping):
            raise TypeError(f"datalist must be a list of strings, got {datalist!r}")
        datalist = [str(d) for d in datalist]
    fields = {"value": value, "placeholder": placeholder, "required": required, "readonly": readonly,
              "datalist": datalist, "help_text": help_text}
    return _item(type, label, name, validate, onchange, other_html_attrs, fields, action=action)


def textarea_item(label: Any, *, rows: int = 6, code: bool | Mapping[str, Any] | None = None,
                  maxlength: int | None = None, minlength: int | None = None, validate: Validator | None = None,
                  name: str | None = None, value: str | None = None, onchange: Validator | None = None,
                  placeholder: str | None = None, required: bool | None = None, readonly: bool | None = None,
                  help_text: str | None = None, other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``textarea()``."""
    if code is not None and not isinstance(code, bool | Mapping):
        raise TypeError(f"code must be a bool or a dict of editor options, got {code!r}")
    for what, number in (("rows", rows), ("maxlength", maxlength), ("minlength", minlength)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 0):
            raise ValueError(f"{what} must be an int >= 0, got {number!r}")
    fields = {"rows": rows, "code": dict(code) if isinstance(code, Mapping) else (code or None),
              "maxlength": maxlength, "minlength": minlength, "value": value, "placeholder": placeholder,
              "required": required, "readonly": readonly, "help_text": help_text}
    return _item("textarea", label, name, validate, onchange, other_html_attrs, fields)


def _choice_item(kind: str, label: Any, options: Any, value: Any, multiple: bool, name: str | None,
                 validate: Validator | None, onchange: Validator | None, other_html_attrs: Mapping[str, Any],
                 fields: dict[str, Any]) -> InputItem:
    wire, choices = parse_options(options, f"{kind}()")
    if value is not None:
        choices = mark_selected(wire, choices, value, multiple)
    fields["options"] = wire
    return _item(kind, label, name, validate, onchange, other_html_attrs, fields, choices=choices)


def select_item(label: Any, options: Sequence[Any] | None, *, multiple: bool | None = None,
                validate: Validator | None = None, name: str | None = None, value: Any = None,
                onchange: Validator | None = None, native: bool | None = True, required: bool | None = None,
                help_text: str | None = None, other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``select()``."""
    fields = {"multiple": multiple, "native": native, "required": required, "help_text": help_text}
    return _choice_item("select", label, options, value, bool(multiple), name, validate, onchange,
                        other_html_attrs, fields)


def checkbox_item(label: Any, options: Sequence[Any] | None, *, inline: bool | None = None,
                  validate: Validator | None = None, name: str | None = None, value: Sequence[Any] | None = None,
                  onchange: Validator | None = None, help_text: str | None = None,
                  other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``checkbox()``."""
    fields = {"inline": inline, "help_text": help_text}
    return _choice_item("checkbox", label, options, value, True, name, validate, onchange, other_html_attrs,
                        fields)


def radio_item(label: Any, options: Sequence[Any] | None, *, inline: bool | None = None,
               validate: Validator | None = None, name: str | None = None, value: Any = None,
               onchange: Validator | None = None, required: bool | None = None, help_text: str | None = None,
               other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``radio()``."""
    fields = {"inline": inline, "required": required, "help_text": help_text}
    return _choice_item("radio", label, options, value, False, name, validate, onchange, other_html_attrs,
                        fields)


def actions_item(label: Any, buttons: Sequence[Any] | None, *, name: str | None = None,
                 help_text: str | None = None) -> InputItem:
    """The item of ``actions()``."""
    wire, choices = parse_buttons(buttons, "actions()")
    fields = {"buttons": wire, "help_text": help_text}
    return _item("actions", label, name, None, None, {}, fields, choices=choices)


def file_item(label: Any, accept: str | Sequence[str] | None, *, name: str | None = None,
              placeholder: str = "Choose file", multiple: bool = False, max_size: int | str = 0,
              max_total_size: int | str = 0, required: bool | None = None, help_text: str | None = None,
              other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``file_upload()``."""
    if accept is not None and not isinstance(accept, str):
        if isinstance(accept, bytes | Mapping):
            raise TypeError(f"accept must be a string or a list of strings, got {accept!r}")
        accept = ",".join(str(a) for a in accept)
    fields = {"accept": accept, "placeholder": placeholder, "multiple": bool(multiple),
              "max_size": parse_size(max_size, "max_size"),
              "max_total_size": parse_size(max_total_size, "max_total_size"),
              "required": required, "help_text": help_text}
    return _item("file", label, name, None, None, other_html_attrs, fields)


def _finite_number(value: Any, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{what} must be a finite number, got {value!r}")
    return value


def slider_item(label: Any, *, name: str | None = None, value: float = 0, min_value: float = 0,
                max_value: float = 100, step: float = 1, validate: Validator | None = None,
                onchange: Validator | None = None, required: bool | None = None, help_text: str | None = None,
                other_html_attrs: Mapping[str, Any] = NO_ATTRS) -> InputItem:
    """The item of ``slider()``."""
    numbers = [_finite_number(n, what) for n, what in ((value, "value"), (min_value, "min_value"),
                                                        (max_value, "max_value"), (step, "step"))]
    if min_value > max_value:
        raise ValueError(f"slider min_value {min_value!r} is above max_value {max_value!r}")
    if step <= 0:
        raise ValueError(f"slider step must be > 0, got {step!r}")
    is_float = any(isinstance(n, float) for n in numbers)
    fields = {"value": value, "min_value": min_value, "max_value": max_value,
              "step": "any" if is_float and step == 1 else step, "float": is_float, "required": required,
              "help_text": help_text}
    return _item("slider", label, name, validate, onchange, other_html_attrs, fields)
