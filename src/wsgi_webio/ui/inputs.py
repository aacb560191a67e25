"""Input functions: PyWebIO 1.8's ``pywebio.input`` names and parameters.

Owns the public input functions: each builds its item (``ui/widgets.py``) and, for
a call without ``name``, runs it as a one-item form whose value it returns. A call
with ``name`` returns the item for ``input_group`` instead. The form round trip
lives in ``ui/forms.py`` and the value checks in ``ui/items.py``; this module must
not read events or send commands itself, nor hold state.

.. code-block:: python

    from wsgi_webio.input import *

    age = input("How old are you?", type=NUMBER, validate=lambda v: None if v > 0 else "Too young")
    info = input_group("User", [input("Name", name="name"), select("Role", ["dev", "ops"], name="role")])
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Final

from ..runtime.aio import maybe_await
from . import widgets
from .forms import check_group_items, form_steps, input_update, run_form
from .items import InputItem
from .widgets import Validator, callable_or_none

__all__ = [
    "CHECKBOX", "COLOR", "DATE", "DATETIME", "DATETIME_LOCAL", "FLOAT", "NUMBER", "PASSWORD", "RADIO", "SELECT",
    "TEXT", "TEXTAREA", "TIME", "URL",
    "actions", "checkbox", "file_upload", "input", "input_group", "input_update", "radio", "select", "slider",
    "textarea",
]

TEXT: Final = "text"
NUMBER: Final = "number"
#: A number with decimals (returned as ``float``).
FLOAT: Final = "float"
PASSWORD: Final = "password"
URL: Final = "url"
DATE: Final = "date"
TIME: Final = "time"
COLOR: Final = "color"
DATETIME_LOCAL: Final = "datetime-local"
DATETIME: Final = DATETIME_LOCAL
CHECKBOX: Final = "checkbox"
RADIO: Final = "radio"
SELECT: Final = "select"
TEXTAREA: Final = "textarea"


def _ask(item: InputItem) -> Any:
    """An item made with a name goes to input_group; otherwise ask for it now."""
    if item.spec.get("name"):
        return item
    label = item.spec.pop("label", "")
    item.spec.update(label="", name="data")
    return maybe_await(_ask_steps, label, item)


def _ask_steps(label: Any, item: InputItem) -> Generator[Any, None, Any]:
    result = yield from form_steps(label, [item])
    return None if result is None else result["data"]


def input(
    label: str = "",
    type: str = TEXT,
    *,
    validate: Validator | None = None,
    name: str | None = None,
    value: Any = None,
    action: tuple[str, Callable[[Callable[..., None]], Any]] | None = None,
    onchange: Callable[[Any], Any] | None = None,
    placeholder: str | None = None,
    required: bool | None = None,
    readonly: bool | None = None,
    datalist: Sequence[str] | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Ask for one value in a text-like field and block until it is submitted.

    :param type: ``TEXT``, ``NUMBER`` (returns ``int``), ``FLOAT`` (returns ``float``),
        ``PASSWORD``, ``URL``, ``DATE``, ``TIME``, ``COLOR`` or ``DATETIME_LOCAL``.
    :param validate: ``validate(value)`` returns None when the value is fine, else the
        message to show; it runs when the field loses focus and on submit.
    :param action: ``(label, callback)``: a button beside the field; ``callback(set_value)``
        runs on click, and ``set_value(value, label=...)`` fills the field (with a
        label, the field shows it read-only and the input returns ``value``).
    :param onchange: called with each new value as the user edits.
    :param datalist: suggestions offered as the user types.
    :param other_html_attrs: extra HTML attributes (``min``, ``maxlength``...); ``on*``
        handlers are refused.
    :returns: the value, or this input as an ``input_group`` item when ``name`` is given.
    :raises SessionClosed: when the session ends while waiting.

    .. code-block:: python

        age = input("Age", type=NUMBER, validate=lambda v: None if 0 < v < 150 else "Really?")
        when = input("Date", type=DATE)
    """
    return _ask(widgets.text_item(label, type, name=name, validate=validate, value=value, action=action,
                                  onchange=onchange, placeholder=placeholder, required=required, readonly=readonly,
                                  datalist=datalist, help_text=help_text, other_html_attrs=other_html_attrs))


def textarea(
    label: str = "",
    *,
    rows: int = 6,
    code: bool | Mapping[str, Any] | None = None,
    maxlength: int | None = None,
    minlength: int | None = None,
    validate: Validator | None = None,
    name: str | None = None,
    value: str | None = None,
    onchange: Callable[[Any], Any] | None = None,
    placeholder: str | None = None,
    required: bool | None = None,
    readonly: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Ask for multi-line text.

    :param code: True (or editor options such as ``{"mode": "python"}``) for a code editor.
    :param maxlength: most characters accepted (checked on the server as well).
    :param minlength: fewest characters accepted in a non-empty value.

    .. code-block:: python

        bio = textarea("About you", rows=3, maxlength=500, placeholder="A few words")
    """
    return _ask(widgets.textarea_item(label, rows=rows, code=code, maxlength=maxlength, minlength=minlength,
                                      validate=validate, name=name, value=value, onchange=onchange,
                                      placeholder=placeholder, required=required, readonly=readonly,
                                      help_text=help_text, other_html_attrs=other_html_attrs))


def select(
    label: str = "",
    options: Sequence[Any] | None = None,
    *,
    multiple: bool | None = None,
    validate: Validator | None = None,
    name: str | None = None,
    value: Any = None,
    onchange: Callable[[Any], Any] | None = None,
    native: bool = True,
    required: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Ask the user to pick one option (or several, with ``multiple=True``).

    :param options: each a bare value, ``(label, value[, selected[, disabled]])`` or
        ``{"label", "value", "selected", "disabled"}``; values may be any JSON value.
    :param value: the option value(s) selected at first (a list when ``multiple``).
    :returns: the chosen option's value (a list of them when ``multiple``); a value
        the page never offered is refused with feedback.

    .. code-block:: python

        color = select("Colour", ["red", "green", ("Deep blue", "blue")], value="green")
        tags = select("Tags", ["a", "b", "c"], multiple=True)
    """
    return _ask(widgets.select_item(label, options, multiple=multiple, validate=validate, name=name, value=value,
                                    onchange=onchange, native=native, required=required, help_text=help_text,
                                    other_html_attrs=other_html_attrs))


def checkbox(
    label: str = "",
    options: Sequence[Any] | None = None,
    *,
    inline: bool | None = None,
    validate: Validator | None = None,
    name: str | None = None,
    value: Sequence[Any] | None = None,
    onchange: Callable[[Any], Any] | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Check boxes: returns the list of the checked options' values.

    .. code-block:: python

        agreed = checkbox("Terms", options=["I agree"])  # [] or ["I agree"]
    """
    return _ask(widgets.checkbox_item(label, options, inline=inline, validate=validate, name=name, value=value,
                                      onchange=onchange, help_text=help_text, other_html_attrs=other_html_attrs))


def radio(
    label: str = "",
    options: Sequence[Any] | None = None,
    *,
    inline: bool | None = None,
    validate: Validator | None = None,
    name: str | None = None,
    value: Any = None,
    onchange: Callable[[Any], Any] | None = None,
    required: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Radio buttons: returns the chosen option's value, or None if none was chosen.

    .. code-block:: python

        size = radio("Size", ["S", "M", "L"], value="M", inline=True)
    """
    return _ask(widgets.radio_item(label, options, inline=inline, validate=validate, name=name, value=value,
                                   onchange=onchange, required=required, help_text=help_text,
                                   other_html_attrs=other_html_attrs))


def actions(label: str = "", buttons: Sequence[Any] | None = None, name: str | None = None,
            help_text: str | None = None) -> Any:
    """A row of buttons: returns the clicked button's value.

    :param buttons: each a bare value, ``(label, value[, type[, disabled]])`` or
        ``{"label", "value", "type", "disabled", "color"}``. ``type`` is ``submit``
        (the default), ``reset`` (clears the form) or ``cancel`` (returns None).

    .. code-block:: python

        choice = actions("Continue?", ["Yes", "No", {"label": "Back", "type": "cancel"}])
    """
    return _ask(widgets.actions_item(label, buttons, name=name, help_text=help_text))


def file_upload(
    label: str = "",
    accept: str | Sequence[str] | None = None,
    name: str | None = None,
    placeholder: str = "Choose file",
    multiple: bool = False,
    max_size: int | str = 0,
    max_total_size: int | str = 0,
    required: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Ask for a file (or several, with ``multiple=True``).

    :param accept: file types offered, e.g. ``"image/*"`` or ``[".png", ".jpg"]``.
    :param max_size: the largest file, in bytes or as ``"500K"``, ``"10M"``, ``"1.5G"``;
        0 for no limit. Checked in the page and again on the server.
    :param max_total_size: the largest total of all files (``multiple``), same units.
    :returns: ``{"filename", "size", "mime_type", "last_modified", "content"}`` (content
        is bytes) or None; a list of such dicts when ``multiple``.

    .. code-block:: python

        f = file_upload("Picture", accept="image/*", max_size="2M")
        open(f["filename"], "wb").write(f["content"])
    """
    return _ask(widgets.file_item(label, accept, name=name, placeholder=placeholder, multiple=multiple,
                                  max_size=max_size, max_total_size=max_total_size, required=required,
                                  help_text=help_text, other_html_attrs=other_html_attrs))


def slider(
    label: str = "",
    *,
    name: str | None = None,
    value: float = 0,
    min_value: float = 0,
    max_value: float = 100,
    step: float = 1,
    validate: Validator | None = None,
    onchange: Callable[[Any], Any] | None = None,
    required: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """A slider between ``min_value`` and ``max_value``.

    :returns: an ``int``, or a ``float`` when any of value/min/max/step is a float.

    .. code-block:: python

        volume = slider("Volume", value=5, min_value=0, max_value=11)
        ratio = slider("Ratio", value=0.5, min_value=0.0, max_value=1.0, step=0.05)
    """
    return _ask(widgets.slider_item(label, name=name, value=value, min_value=min_value, max_value=max_value,
                                    step=step, validate=validate, onchange=onchange, required=required,
                                    help_text=help_text, other_html_attrs=other_html_attrs))


def input_group(label: str = "", inputs: Sequence[InputItem] | None = None,
                validate: Callable[[dict[str, Any]], Any] | None = None, cancelable: bool = False) -> Any:
    """Ask for several values in one form.

    :param inputs: inputs made with a ``name`` (unique within the group).
    :param validate: ``validate(data)`` returns None when the whole form is fine, else
        ``(name, message)`` to show under input ``name``; runs after each item's own check.
    :param cancelable: show a Cancel button; cancelling returns None.
    :returns: ``{name: value}``, or None when cancelled.

    .. code-block:: python

        def check(data):
            if data["age"] < 18:
                return "age", "Adults only"

        data = input_group("Sign up", [input("Name", name="name", required=True),
                                       input("Age", name="age", type=NUMBER)], validate=check)
    """
    callable_or_none(validate, "validate")
    items = check_group_items(inputs)
    return run_form("" if label is None else str(label), items, validate=validate, cancelable=bool(cancelable))
