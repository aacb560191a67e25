"""Arguments of the input and pin functions, turned into wire values.

Owns checking names, HTML attributes and sizes, normalising values to what JSON
carries, and parsing options and buttons in every form PyWebIO accepts (each a
``Choice`` remembering the app's own value). Pure: no session, no I/O, no state.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "FOCUSABLE_TYPES",
    "INPUT_TYPES",
    "NOT_UPDATABLE",
    "Choice",
    "check_html_attrs",
    "check_name",
    "format_size",
    "json_copy",
    "mark_selected",
    "option_key",
    "parse_buttons",
    "parse_options",
    "parse_size",
    "parse_update",
    "to_wire",
]

INPUT_TYPES: Final = ("text", "number", "float", "password", "url", "date", "time", "color", "datetime-local")
#: Items that take keyboard focus when no item asks for it (the first one gets it).
FOCUSABLE_TYPES: Final = frozenset(INPUT_TYPES) | {"textarea", "select"}
#: Keys ``input_update()`` and ``pin_update()`` refuse (PyWebIO 1.8's list).
NOT_UPDATABLE: Final = frozenset(
    {"action", "buttons", "code", "inline", "max_size", "max_total_size", "multiple", "name", "onchange", "type",
     "validate"}
)
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]+")
_ATTR_RE: Final = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*")
_SIZE_RE: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_SIZE_UNITS: Final = MappingProxyType({"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30})

# ---------------------------------------------------------------------- argument checks
def check_name(name: Any, what: str = "name") -> str:
    """Return ``name`` if it is a usable item/pin name (letters, digits, ``_``, ``-``).

    :raises TypeError: if it is not a string. :raises ValueError: if it has other characters.
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {name!r}")
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"{what} {name!r} may contain only letters, digits, '_' and '-'")
    return name


def check_html_attrs(attrs: Mapping[str, Any], what: str = "other_html_attrs") -> dict[str, Any]:
    """Return ``attrs`` as a dict after refusing event-handler (``on*``) and malformed names.

    :raises ValueError: naming the refused attribute.
    """
    for key in attrs:
        if not isinstance(key, str) or not _ATTR_RE.fullmatch(key):
            raise ValueError(f"{what}: {key!r} is not a valid HTML attribute name")
        if key.lower().startswith("on"):
            raise ValueError(f"{what}: {key!r} is refused; event-handler attributes never reach the page")
    return dict(attrs)


class _NotPlain(Exception):
    """Raised inside ``json_copy`` for a value only a JSON round trip normalises."""


def _plain_copy(value: Any) -> Any:
    """A deep copy of ``value`` when it holds only exact JSON types (str, int, bool, None,
    finite float, list, dict with str keys), which JSON would give back unchanged.

    :raises _NotPlain: for anything else (tuples, subclasses, NaN, non-str keys...).
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        raise _NotPlain
    if kind is list:
        return [_plain_copy(v) for v in value]
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise _NotPlain
            out[k] = _plain_copy(v)
        return out
    raise _NotPlain


def json_copy(value: Any, *, allow_nan: bool = True) -> Any:
    """``json.loads(json.dumps(value))``, without the text in between for plain values.

    :raises TypeError, ValueError: as ``json.dumps`` does.
    """
    try:
        return _plain_copy(value)
    except (_NotPlain, RecursionError):  # circular or too deep: json.dumps says which
        return json.loads(json.dumps(value, allow_nan=allow_nan))


def to_wire(value: Any, what: str) -> Any:
    """``value`` as the client will see it: through JSON and back (tuples become lists).

    Plain JSON values are copied structurally, without encoding them.

    :raises TypeError: naming ``what`` when JSON cannot carry the value.
    """
    try:
        return json_copy(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} {value!r} cannot be sent to the browser as JSON: {exc}") from None


def parse_size(size: Any, what: str) -> int:
    """Bytes from an int or a string such as ``"10M"``, ``"1.5K"``, ``"2g"`` (binary units).

    :raises TypeError: for other types. :raises ValueError: for negative or malformed sizes.
    """
    if isinstance(size, bool) or not isinstance(size, int | float | str):
        raise TypeError(f"{what} must be an int or a string such as '10M', got {size!r}")
    if isinstance(size, str):
        match = _SIZE_RE.fullmatch(size.strip())
        if match is None:
            raise ValueError(f"{what} {size!r} is not a size such as '512', '40K', '1.5M' or '2G'")
        return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    if not math.isfinite(size) or size < 0:
        raise ValueError(f"{what} must be a size >= 0, got {size!r}")
    return int(size)


def format_size(size: int) -> str:
    """A byte count for people: ``512 bytes``, ``1.5 KiB``, ``10 MiB``."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f}".removesuffix(".0") + " " + unit


# ---------------------------------------------------------------------- options and buttons
@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a select/checkbox/radio, or one button of ``actions``."""

    #: The app's own object, returned when the user picks it.
    value: Any
    disabled: bool = False
    #: Offered as selected (a disabled option the app pre-selected may still come back).
    selected: bool = False
    #: False for ``reset``/``cancel`` buttons, which never submit a value.
    submits: bool = True


def _canon(value: Any) -> Any:
    """A JSON value in a form where equal values (1 and 1.0) compare and hash alike."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    return value


def option_key(value: Any) -> str | None:
    """The lookup key of a JSON value (1 and 1.0 alike; True apart), or None if it has none."""
    try:
        return json.dumps(_canon(value), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def _checked_bool(value: Any, what: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool | int):
        raise TypeError(f"{what} must be a bool, got {value!r}")
    return bool(value)


def parse_options(options: Any, what: str) -> tuple[list[dict[str, Any]], tuple[Choice, ...]]:
    """Options in any PyWebIO form, as (wire options, choices).

    Accepted: a bare value (its label is ``str(value)``), ``(label, value[, selected[,
    disabled]])``, or ``{"label", "value"[, "selected"][, "disabled"]}``.

    :raises TypeError: for a non-iterable or a value JSON cannot carry.
    :raises ValueError: for a malformed option, naming it.
    """
    if options is None or isinstance(options, str | bytes | Mapping) or not isinstance(options, Iterable):
        raise TypeError(f"{what} needs a list of options, got {options!r}")
    wire: list[dict[str, Any]] = []
    choices: list[Choice] = []
    for opt in options:
        if isinstance(opt, Mapping):
            if "label" not in opt or "value" not in opt:
                raise ValueError(f"{what}: an option dict needs 'label' and 'value' keys, got {opt!r}")
            label, value = opt["label"], opt["value"]
            selected, disabled = opt.get("selected"), opt.get("disabled")
        elif isinstance(opt, tuple | list):
            if not 2 <= len(opt) <= 4:
                raise ValueError(f"{what}: an option tuple is (label, value[, selected[, disabled]]), got {opt!r}")
            label, value, selected, disabled = (*opt, None, None)[:4]
        else:
            label, value, selected, disabled = opt, opt, None, None
        sel = _checked_bool(selected, f"{what}: 'selected' of option {label!r}")
        dis = _checked_bool(disabled, f"{what}: 'disabled' of option {label!r}")
        wire.append({"label": str(label), "value": to_wire(value, f"{what}: option value"),
                     "selected": sel, "disabled": dis})
        choices.append(Choice(value, dis, sel))
    return wire, tuple(choices)


def mark_selected(wire: list[dict[str, Any]], choices: tuple[Choice, ...], value: Any,
                  multiple: bool) -> tuple[Choice, ...]:
    """Mark the options equal to ``value`` (each of ``value`` when ``multiple``) as selected.

    :raises TypeError: when ``multiple`` and ``value`` is not a list or tuple.
    """
    if multiple:
        if not isinstance(value, list | tuple):
            raise TypeError(f"value must be a list of option values when several may be chosen, got {value!r}")
        keys = {option_key(to_wire(v, "value")) for v in value}
    else:
        keys = {option_key(to_wire(value, "value"))}
    out = []
    for opt, choice in zip(wire, choices, strict=True):
        if option_key(opt["value"]) in keys:
            opt["selected"] = True
            choice = Choice(choice.value, choice.disabled, True, choice.submits)
        out.append(choice)
    return tuple(out)


_BUTTON_TYPES: Final = ("submit", "reset", "cancel")


def parse_buttons(buttons: Any, what: str) -> tuple[list[dict[str, Any]], tuple[Choice, ...]]:
    """Buttons in any PyWebIO form, as (wire buttons, choices).

    Accepted: a bare value (label ``str(value)``), ``(label, value[, type[, disabled]])``,
    or ``{"label", "value", "type", "disabled", "color"}``; ``type`` is ``submit`` (the
    default), ``reset`` or ``cancel``.

    :raises TypeError: for a non-iterable. :raises ValueError: for a malformed button.
    """
    if buttons is None or isinstance(buttons, str | bytes | Mapping) or not isinstance(buttons, Iterable):
        raise TypeError(f"{what} needs a list of buttons, got {buttons!r}")
    wire: list[dict[str, Any]] = []
    choices: list[Choice] = []
    for btn in buttons:
        color = None
        if isinstance(btn, Mapping):
            if "label" not in btn:
                raise ValueError(f"{what}: a button dict needs a 'label', got {btn!r}")
            btype = btn.get("type", "submit")
            if "value" not in btn and btype == "submit" and not btn.get("disabled"):
                raise ValueError(f"{what}: a submit button needs a 'value', got {btn!r}")
            label, value, disabled, color = btn["label"], btn.get("value"), btn.get("disabled"), btn.get("color")
        elif isinstance(btn, tuple | list):
            if not 2 <= len(btn) <= 4:
                raise ValueError(f"{what}: a button tuple is (label, value[, type[, disabled]]), got {btn!r}")
            label, value, btype, disabled = (*btn, None, None)[:4]
            btype = "submit" if btype is None else btype
        else:
            label, value, btype, disabled = btn, btn, "submit", None
        if btype not in _BUTTON_TYPES:
            raise ValueError(f"{what}: button type must be one of {_BUTTON_TYPES}, got {btype!r}")
        dis = _checked_bool(disabled, f"{what}: 'disabled' of button {label!r}")
        item: dict[str, Any] = {"label": str(label), "value": to_wire(value, f"{what}: button value"),
                                "type": btype, "disabled": dis}
        if color is not None:
            item["color"] = str(color)
        wire.append(item)
        choices.append(Choice(value, dis, False, btype == "submit"))
    return wire, tuple(choices)


def parse_update(spec: Mapping[str, Any], what: str) -> tuple[dict[str, Any], tuple[Choice, ...] | None]:
    """The ``attributes`` of an ``update_input``/``pin_update`` and, if options change, the new choices.

    None values are dropped (PyWebIO's rule).

    :raises ValueError: for a key that cannot be updated or an event-handler attribute.
    """
    for key in spec:
        if key in NOT_UPDATABLE:
            raise ValueError(f"{what}: {key!r} cannot be updated; it is fixed when the input is created")
    attrs = check_html_attrs({k: v for k, v in spec.items() if v is not None}, what)
    choices = None
    if "options" in attrs:
        attrs["options"], choices = parse_options(attrs["options"], what)
    return to_wire(attrs, f"{what}: attributes"), choices
