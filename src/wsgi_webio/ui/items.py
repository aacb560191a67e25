"""Input items: the server's side of one form field or one pin widget.

Owns ``InputItem`` (the wire item of docs/ui-spec.md "Input items" plus its rules)
and checking a value the client sent against what was offered: types, options,
buttons, bounds, lengths, formats, file sizes, required. A refused value becomes a
``Refused`` carrying user-facing feedback. Pure data: must not send commands, read
events or touch a session (that is ``ui/forms.py`` and ``ui/pins.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from ..errors import Refused
from ..protocol import UploadedFile
from .input_args import Choice, format_size, json_copy, option_key

__all__ = ["MISSING", "InputItem", "Refused", "message"]

_INT_RE: Final = re.compile(r"[+-]?\d{1,4000}")
_FLOAT_RE: Final = re.compile(r"[+-]?(?:\d{1,4000}\.?\d{0,4000}|\.\d{1,4000})(?:[eE][+-]?\d{1,5})?")
_DATE: Final = r"\d{4,6}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME: Final = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?"
#: What a browser submits for the typed fields that have a fixed format.
_FORMATS: Final = MappingProxyType({
    "date": re.compile(_DATE),
    "time": re.compile(_TIME),
    "datetime-local": re.compile(_DATE + "[T ]" + _TIME),
    "color": re.compile(r"#[0-9a-fA-F]{6}"),
})

#: Feedback shown for refused values: key -> (English, Chinese), PyWebIO's two languages.
_MESSAGES: Final = MappingProxyType({
    "invalid": ("Your input is not valid", "字段内容不合法"),
    "required": ("Please fill in this field", "请填写此字段"),
    "text": ("Please enter text", "请输入文本"),
    "number": ("Please enter a number", "请输入数字"),
    "integer": ("Please enter a whole number", "请输入整数"),
    "min": ("The value must be at least {0}", "数值不能小于 {0}"),
    "max": ("The value must be at most {0}", "数值不能大于 {0}"),
    "format": ("The value is not in the expected format", "格式不正确"),
    "too_long": ("Please use at most {0} characters", "最多 {0} 个字符"),
    "too_short": ("Please use at least {0} characters", "至少 {0} 个字符"),
    "option": ("Please choose from the options offered", "请从给出的选项中选择"),
    "disabled": ("This option is not available", "该选项不可用"),
    "button": ("Please use one of the form's buttons", "请使用表单中的按钮"),
    "file": ("Please choose a file", "请选择文件"),
    "one_file": ("Please choose only one file", "只能选择一个文件"),
    "file_size": ("{0} is larger than {1}", "{0} 超过了 {1}"),
    "total_size": ("The files together are larger than {0}", "文件总大小超过了 {0}"),
    "form": ("The form data could not be read", "无法读取表单数据"),
})



def message(key: str, lang: str, *args: Any) -> str:
    """The feedback text ``key`` in the user's language (Chinese when ``lang`` has "zh")."""
    en, zh = _MESSAGES[key]
    return (zh if "zh" in lang.lower() else en).format(*args)


class _Missing:
    """The type of MISSING: a field the client did not send at all."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


# ---------------------------------------------------------------------- the item
def _utf16_len(text: str) -> int:
    """Length as the browser counts it (UTF-16 code units), for maxlength/minlength."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _limit(value: Any) -> float | None:
    """A numeric bound from the spec (an HTML attribute may be a string), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class InputItem:
    """One input: its wire spec and the rules for the values it accepts.

    What the input functions return when called with ``name=`` (pass these to
    ``input_group``); the pin functions build their widgets from them too. A form
    works on its own copy (``copy()``), so one item may serve several forms.
    """

    __slots__ = ("_lookup", "action", "choices", "label_value", "must_click", "onchange", "spec", "validate")

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        validate: Callable[[Any], Any] | None = None,
        onchange: Callable[[Any], Any] | None = None,
        action: tuple[str, Callable[[Callable[..., None]], Any]] | None = None,
        choices: tuple[Choice, ...] = (),
    ) -> None:
        #: The wire item (ui-spec.md), JSON-ready; input_update() keeps it current.
        self.spec: dict[str, Any] = spec
        self.validate = validate
        self.onchange = onchange
        #: ``(button label, callback(set_value))`` of ``input(action=...)``.
        self.action = action
        self.choices: tuple[Choice, ...] = ()
        self._lookup: dict[str, Choice] = {}
        #: ``(shown label, value)`` after ``set_value(value, label)``: the label submits the value.
        self.label_value: tuple[str, Any] | None = None
        #: An ``actions`` item that is the form's only way to submit: a button must be clicked.
        self.must_click = False
        self.set_choices(choices)

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))

    @property
    def type(self) -> str:
        return str(self.spec["type"])

    def __repr__(self) -> str:
        return f"<InputItem {self.type} name={self.spec.get('name')!r} label={self.spec.get('label')!r}>"

    def set_choices(self, choices: tuple[Choice, ...]) -> None:
        """Replace the options (or buttons), keeping the wire spec's order."""
        wire = self.spec.get("options") if self.type != "actions" else self.spec.get("buttons")
        self.choices = choices
        self._lookup = {}
        for opt, choice in zip(wire or (), choices, strict=True):
            key = option_key(opt["value"])
            if key is None or (self.type == "actions" and not choice.submits):
                continue
            known = self._lookup.get(key)
            if known is None or (known.disabled and not choice.disabled):  # an enabled twin wins
                self._lookup[key] = choice

    def copy(self) -> InputItem:
        """A fresh item for one form: its own spec and state, the same rules."""
        item = InputItem.__new__(InputItem)
        item.spec = json_copy(self.spec)
        item.validate, item.onchange, item.action = self.validate, self.onchange, self.action
        # The copied spec has the same options, so the same lookup; set_choices()
        # replaces the dict rather than changing it, so sharing it is safe.
        item.choices, item._lookup = self.choices, self._lookup
        item.label_value, item.must_click = None, False
        return item

    def apply_update(self, attributes: Mapping[str, Any], choices: tuple[Choice, ...] | None) -> None:
        """Record an ``input_update`` so later values are checked against it."""
        self.spec.update(attributes)
        if choices is not None:
            self.set_choices(choices)

    # ------------------------------------------------------------------ checking
    def convert(self, raw: Any, *, submit: bool) -> Any:
        """The Python value of ``raw`` as the app receives it.

        :param raw: what the client sent (``MISSING`` when it sent nothing).
        :param submit: a submit (empty required fields are refused) rather than a blur/change.
        :raises Refused: when the client sent something this item never offered or allows.
        """
        if self.label_value is not None and isinstance(raw, str) and raw == self.label_value[0]:
            return self.label_value[1]
        kind = self.type
        value: Any
        if kind in ("number", "float"):
            if raw is None and self.spec.get("required"):  # null is an empty number, refused at once
                raise Refused("required")
            value = self._number(raw, whole=kind == "number", lower=self.spec.get("min"), upper=self.spec.get("max"))
        elif kind == "slider":
            value = self._number(raw, whole=not self.spec.get("float"), lower=self.spec.get("min_value"),
                                 upper=self.spec.get("max_value"))
            if value is None:
                raise Refused("number")  # a slider always has a value
            value = float(value) if self.spec.get("float") else value
        elif kind in ("select", "checkbox", "radio"):
            value = self._many(raw) if kind == "checkbox" or self.spec.get("multiple") else self._one(raw)
        elif kind == "actions":
            value = self._button(raw)
        elif kind == "file":
            value = self._files(raw)
        else:
            value = self._text(raw, kind)
        if submit and self.spec.get("required") and _is_empty(value):
            raise Refused("required")
        return value

    def _text(self, raw: Any, kind: str) -> str:
        if raw is MISSING:
            return ""
        if raw is None:  # a page sends "" for an empty text, never null
            raise Refused("required" if self.spec.get("required") else "text")
        if not isinstance(raw, str):
            raise Refused("text")
        length = _utf16_len(raw)
        maxlength, minlength = _limit(self.spec.get("maxlength")), _limit(self.spec.get("minlength"))
        if maxlength is not None and length > maxlength:
            raise Refused("too_long", int(maxlength))
        if minlength is not None and raw and length < minlength:
            raise Refused("too_short", int(minlength))
        pattern = _FORMATS.get(kind)
        if raw and pattern is not None and not pattern.fullmatch(raw):
            raise Refused("format")
        return raw

    def _number(self, raw: Any, *, whole: bool, lower: Any, upper: Any) -> int | float | None:
        if raw is MISSING or raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise Refused("number")
        number: int | float
        if isinstance(raw, str):
            text = raw.strip()
            if _INT_RE.fullmatch(text):
                number = int(text)
            elif _FLOAT_RE.fullmatch(text):
                number = float(text)
            else:
                raise Refused("number")
        else:
            number = raw
        if isinstance(number, float):
            if not math.isfinite(number):
                raise Refused("number")
            if whole:
                if not number.is_integer():
                    raise Refused("integer")
                number = int(number)
        elif not whole:
            number = float(number)
        low, high = _limit(lower), _limit(upper)
        if low is not None and number < low:
            raise Refused("min", _show_number(low))
        if high is not None and number > high:
            raise Refused("max", _show_number(high))
        return number

    def _match(self, raw: Any) -> Choice:
        key = option_key(raw)
        choice = self._lookup.get(key) if key is not None else None
        if choice is None:
            raise Refused("button" if self.type == "actions" else "option")
        if choice.disabled and not choice.selected:
            raise Refused("button" if self.type == "actions" else "disabled")
        return choice

    def _one(self, raw: Any) -> Any:
        if raw is MISSING:
            return None
        if raw is None and option_key(None) not in self._lookup:
            return None
        return self._match(raw).value

    def _many(self, raw: Any) -> list[Any]:
        if raw is MISSING or raw is None:
            return []
        if not isinstance(raw, list):
            raise Refused("option")
        picked: list[Choice] = []
        for each in raw:
            choice = self._match(each)
            if any(choice is seen for seen in picked):
                raise Refused("option")
            picked.append(choice)
        return [c.value for c in picked]

    def _button(self, raw: Any) -> Any:
        if raw is not MISSING:
            key = option_key(raw)
            if key is not None and key in self._lookup:
                return self._match(raw).value
        if (raw is MISSING or raw is None) and not self.must_click:
            return None
        raise Refused("button")

    def _files(self, raw: Any) -> Any:
        multiple = bool(self.spec.get("multiple"))
        if raw is MISSING or raw is None or raw == []:
            files: list[UploadedFile] = []
        elif isinstance(raw, UploadedFile):
            files = [raw]
        elif isinstance(raw, list) and all(isinstance(f, UploadedFile) for f in raw):
            files = raw
        else:
            raise Refused("file")
        if not multiple and len(files) > 1:
            raise Refused("one_file")
        max_size, max_total = int(self.spec.get("max_size") or 0), int(self.spec.get("max_total_size") or 0)
        for f in files:
            if max_size and len(f.content) > max_size:
                raise Refused("file_size", f.filename, format_size(max_size))
        if max_total and sum(len(f.content) for f in files) > max_total:
            raise Refused("total_size", format_size(max_total))
        dicts = [f.as_dict() for f in files]
        return dicts if multiple else (dicts[0] if dicts else None)


def _show_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
