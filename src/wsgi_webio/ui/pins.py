"""Pin widgets: PyWebIO 1.8.4's ``put_input``, ``put_select``... of ``pywebio.pin``.

Owns the persistent input widgets shown among the outputs (an output ``{"type":
"pin", "input": item}``) and each session's copy of their items, against which
``ui/pin_values.py`` checks the values the page sends: the latest widget of a name
wins, ``pin_update`` keeps it current. A copy drops the rules a browser does not
enforce while the user types, which are form-submit validation rather than checks
of the widget: ``required``, ``minlength``, and a number field's ``min``/``max``.
Items are built by ``ui/widgets.py``, as the input functions' are; this module must
not parse options itself, send commands but as outputs, nor hold state at module
level.

.. code-block:: python

    from wsgi_webio.pin import *

    put_input("name", label="Your name")
    put_select("lang", ["Python", "Go"], label="Language")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..runtime import context
from ..runtime.session import Session
from ..runtime.slots import SlotKey
from . import widgets
from .input_args import check_name
from .items import InputItem
from .outputs import Output

__all__ = ["items_of", "pin_name", "put_actions", "put_checkbox", "put_file_upload", "put_input", "put_radio",
           "put_select", "put_slider", "put_textarea", "relax"]

#: ``session.extensions`` key: ``{pin name: InputItem}``, the session's pin widgets as
#: the values from the page are checked against them (the latest widget of a name wins).
_ITEMS_KEY: Final[SlotKey[dict[str, InputItem]]] = SlotKey("wsgi_webio.pin.items")


# ---------------------------------------------------------------------- widgets
def relax(checker: InputItem) -> None:
    """Drop the rules a browser does not enforce while the user types (see the
    module docstring) from a session's copy of a pin item."""
    checker.spec.pop("minlength", None)
    if checker.type in ("number", "float"):
        checker.spec.pop("min", None)
        checker.spec.pop("max", None)


def items_of(session: Session) -> dict[str, InputItem]:
    items: dict[str, InputItem] | None = session.extensions.get(_ITEMS_KEY)
    if items is None:
        items = session.extensions[_ITEMS_KEY] = {}
    return items


def _pin_output(item: InputItem, scope: str | int | None, position: int) -> Output:
    """``item`` as a pin widget among the outputs (pending like any other output);
    the session keeps a copy of the item to check the widget's values."""
    out = Output({"type": "pin", "input": item.spec}, scope=scope, position=position)
    checker = item.copy()
    relax(checker)
    items_of(context.get_current_session())[item.name] = checker
    return out


def pin_name(name: Any) -> str:
    return check_name(name, "pin name")


def put_input(name: str, type: str = "text", *, label: str = "", value: Any = None,
              placeholder: str | None = None, readonly: bool | None = None, datalist: Sequence[str] | None = None,
              help_text: str | None = None, scope: str | int | None = None, position: int = -1) -> Output:
    """A text-like input widget (types as ``input()``); read it with ``pin[name]``.

    .. code-block:: python

        put_input("email", type="url", label="Homepage", placeholder="https://")
    """
    item = widgets.text_item(label, type, name=pin_name(name), value=value, placeholder=placeholder,
                             readonly=readonly, datalist=datalist, help_text=help_text)
    return _pin_output(item, scope, position)


def put_textarea(name: str, *, label: str = "", rows: int = 6, code: bool | Mapping[str, Any] | None = None,
                 maxlength: int | None = None, minlength: int | None = None, value: str | None = None,
                 placeholder: str | None = None, readonly: bool | None = None, help_text: str | None = None,
                 scope: str | int | None = None, position: int = -1) -> Output:
    """A multi-line text widget (``code=True`` for a code editor).

    .. code-block:: python

        put_textarea("notes", label="Notes", rows=3)
    """
    item = widgets.textarea_item(label, name=pin_name(name), rows=rows, code=code, maxlength=maxlength,
                                 minlength=minlength, value=value, placeholder=placeholder, readonly=readonly,
                                 help_text=help_text)
    return _pin_output(item, scope, position)


def put_select(name: str, options: Sequence[Any] | None = None, *, label: str = "", multiple: bool | None = None,
               value: Any = None, native: bool | None = None, help_text: str | None = None,
               scope: str | int | None = None, position: int = -1) -> Output:
    """A drop-down widget; options as ``select()`` takes them.

    .. code-block:: python

        put_select("size", ["S", "M", "L"], label="Size", value="M")
    """
    item = widgets.select_item(label, options, name=pin_name(name), multiple=multiple, value=value,
                               native=native, help_text=help_text)
    return _pin_output(item, scope, position)


def put_checkbox(name: str, options: Sequence[Any] | None = None, *, label: str = "", inline: bool | None = None,
                 value: Sequence[Any] | None = None, help_text: str | None = None, scope: str | int | None = None,
                 position: int = -1) -> Output:
    """Check boxes; the pin's value is the list of checked options' values.

    .. code-block:: python

        put_checkbox("extras", ["cheese", "ham"], label="Extras", inline=True)
    """
    item = widgets.checkbox_item(label, options, name=pin_name(name), inline=inline, value=value,
                                 help_text=help_text)
    return _pin_output(item, scope, position)


def put_radio(name: str, options: Sequence[Any] | None = None, *, label: str = "", inline: bool | None = None,
              value: Any = None, help_text: str | None = None, scope: str | int | None = None,
              position: int = -1) -> Output:
    """Radio buttons; the pin's value is the chosen option's value or None.

    .. code-block:: python

        put_radio("plan", ["free", "pro"], label="Plan", value="free")
    """
    item = widgets.radio_item(label, options, name=pin_name(name), inline=inline, value=value, help_text=help_text)
    return _pin_output(item, scope, position)


def put_slider(name: str, *, label: str = "", value: float = 0, min_value: float = 0, max_value: float = 100,
               step: float = 1, required: bool | None = None, help_text: str | None = None,
               scope: str | int | None = None, position: int = -1) -> Output:
    """A slider widget.

    .. code-block:: python

        put_slider("volume", label="Volume", value=3, max_value=11)
    """
    item = widgets.slider_item(label, name=pin_name(name), value=value, min_value=min_value,
                               max_value=max_value, step=step, required=required, help_text=help_text)
    return _pin_output(item, scope, position)


def put_actions(name: str, *, label: str = "", buttons: Sequence[Any] | None = None, help_text: str | None = None,
                scope: str | int | None = None, position: int = -1) -> Output:
    """Buttons; the pin's value is the last clicked button's value. Only ``submit``
    buttons (the default type) are allowed.

    .. code-block:: python

        put_actions("go", buttons=["Start", "Stop"])
        pin_on_change("go", onchange=lambda v: put_text(v, "clicked"))
    """
    item = widgets.actions_item(label, buttons, name=pin_name(name), help_text=help_text)
    for button in item.spec["buttons"]:
        if button["type"] != "submit":
            raise ValueError(f"put_actions() takes only 'submit' buttons, got {button['type']!r} "
                             f"for {button['label']!r}")
    return _pin_output(item, scope, position)


def put_file_upload(name: str, *, label: str = "", accept: str | Sequence[str] | None = None,
                    placeholder: str = "Choose file", multiple: bool = False, max_size: int | str = 0,
                    max_total_size: int | str = 0, help_text: str | None = None, scope: str | int | None = None,
                    position: int = -1) -> Output:
    """A file chooser widget; the pin's value is a file dict (as ``file_upload()``
    returns), a list of them when ``multiple``, or None.

    .. code-block:: python

        put_file_upload("photo", label="Photo", accept="image/*", max_size="5M")
    """
    item = widgets.file_item(label, accept, name=pin_name(name), placeholder=placeholder, multiple=multiple,
                             max_size=max_size, max_total_size=max_total_size, help_text=help_text)
    return _pin_output(item, scope, position)


