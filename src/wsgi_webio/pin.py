"""Pin widgets: PyWebIO 1.8.4's ``pywebio.pin`` names and parameters.

Owns the persistent input widgets shown among the outputs (``put_input``,
``put_select``...: an output ``{"type": "pin", "input": item}``), and reaching their
values on the page: reading (``pin.name``, ``pin["name"]``, ``get_pin_values``: the
``pin_values`` command answered by ``js_yield``), writing (``pin.name = v``,
``pin_update``), waiting for a change (``pin_wait_change``) and change callbacks
(``pin_on_change``). Items are built by the input functions; this module must not
parse options itself nor hold state at module level.

.. code-block:: python

    from wsgi_webio.pin import *

    put_input("name", label="Your name")
    put_select("lang", ["Python", "Go"], label="Language")
    while True:
        changed = pin_wait_change("name", "lang")
        put_text(f"{changed['name']} is now {changed['value']!r}")
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from . import input as _input
from ._input_args import check_name, parse_update
from ._input_items import InputItem
from ._out_core import check_callback
from .output import Output, flush_pending
from .protocol import UploadedFile
from .runtime import context
from .runtime.aio import maybe_await
from .runtime.session import Session

__all__ = [
    "get_pin_values",
    "pin",
    "pin_on_change",
    "pin_update",
    "pin_wait_change",
    "put_actions",
    "put_checkbox",
    "put_file_upload",
    "put_input",
    "put_radio",
    "put_select",
    "put_slider",
    "put_textarea",
]

logger = logging.getLogger(__name__)

#: The attribute of a Session that records ``pin.use_strict()`` for that session.
_STRICT_KEY: Final = "wsgi_webio.pin.strict"


# ---------------------------------------------------------------------- widgets
def _pin_output(item: InputItem, scope: str | int | None, position: int) -> Output:
    """``item`` as a pin widget among the outputs (pending like any other output)."""
    return Output({"type": "pin", "input": item.spec}, scope=scope, position=position)


def _pin_name(name: Any) -> str:
    return check_name(name, "pin name")


def put_input(name: str, type: str = "text", *, label: str = "", value: Any = None,
              placeholder: str | None = None, readonly: bool | None = None, datalist: Sequence[str] | None = None,
              help_text: str | None = None, scope: str | int | None = None, position: int = -1) -> Output:
    """A text-like input widget (types as ``input()``); read it with ``pin[name]``.

    .. code-block:: python

        put_input("email", type="url", label="Homepage", placeholder="https://")
    """
    item = _input.input(label, type, name=_pin_name(name), value=value, placeholder=placeholder,
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
    item = _input.textarea(label, name=_pin_name(name), rows=rows, code=code, maxlength=maxlength,
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
    item = _input.select(label, options, name=_pin_name(name), multiple=multiple, value=value,
                         native=native, help_text=help_text)
    return _pin_output(item, scope, position)


def put_checkbox(name: str, options: Sequence[Any] | None = None, *, label: str = "", inline: bool | None = None,
                 value: Sequence[Any] | None = None, help_text: str | None = None, scope: str | int | None = None,
                 position: int = -1) -> Output:
    """Check boxes; the pin's value is the list of checked options' values.

    .. code-block:: python

        put_checkbox("extras", ["cheese", "ham"], label="Extras", inline=True)
    """
    item = _input.checkbox(label, options, name=_pin_name(name), inline=inline, value=value, help_text=help_text)
    return _pin_output(item, scope, position)


def put_radio(name: str, options: Sequence[Any] | None = None, *, label: str = "", inline: bool | None = None,
              value: Any = None, help_text: str | None = None, scope: str | int | None = None,
              position: int = -1) -> Output:
    """Radio buttons; the pin's value is the chosen option's value or None.

    .. code-block:: python

        put_radio("plan", ["free", "pro"], label="Plan", value="free")
    """
    item = _input.radio(label, options, name=_pin_name(name), inline=inline, value=value, help_text=help_text)
    return _pin_output(item, scope, position)


def put_slider(name: str, *, label: str = "", value: float = 0, min_value: float = 0, max_value: float = 100,
               step: float = 1, required: bool | None = None, help_text: str | None = None,
               scope: str | int | None = None, position: int = -1) -> Output:
    """A slider widget.

    .. code-block:: python

        put_slider("volume", label="Volume", value=3, max_value=11)
    """
    item = _input.slider(label, name=_pin_name(name), value=value, min_value=min_value, max_value=max_value,
                         step=step, required=required, help_text=help_text)
    return _pin_output(item, scope, position)


def put_actions(name: str, *, label: str = "", buttons: Sequence[Any] | None = None, help_text: str | None = None,
                scope: str | int | None = None, position: int = -1) -> Output:
    """Buttons; the pin's value is the last clicked button's value. Only ``submit``
    buttons (the default type) are allowed.

    .. code-block:: python

        put_actions("go", buttons=["Start", "Stop"])
        pin_on_change("go", onchange=lambda v: put_text(v, "clicked"))
    """
    item = _input.actions(label, buttons, name=_pin_name(name), help_text=help_text)
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
    item = _input.file_upload(label, accept, name=_pin_name(name), placeholder=placeholder, multiple=multiple,
                              max_size=max_size, max_total_size=max_total_size, help_text=help_text)
    return _pin_output(item, scope, position)


# ---------------------------------------------------------------------- values
def _from_client(value: Any) -> Any:
    """A pin value as the app sees it: uploaded files become file_upload()'s dicts."""
    if isinstance(value, UploadedFile):
        return value.as_dict()
    if isinstance(value, list) and value and all(isinstance(v, UploadedFile) for v in value):
        return [v.as_dict() for v in value]
    return value


def _ask_page(command: str, spec: dict[str, Any]) -> Any:
    """Send ``command`` for the current task and return the page's ``js_yield`` answer."""
    session, task = context.current_task()
    flush_pending()
    session.send_command(command, spec, task.id)
    while True:
        event = session.next_client_event()
        if event.event == "js_yield":
            return event.data
        logger.info("%s: ignored a %s event while waiting for the page's answer", command, event.event)


def get_pin_values(names: Sequence[str]) -> dict[str, Any]:
    """The values of the pin widgets ``names`` that exist on the page, in one round trip.

    .. code-block:: python

        values = get_pin_values(["name", "age"])  # {"name": "Ada", "age": 36}
    """
    if isinstance(names, str):
        names = [names]
    wanted = [_pin_name(n) for n in names]
    return maybe_await(_get_pin_values_now, wanted)  # type: ignore[no-any-return]


def _get_pin_values_now(wanted: list[str]) -> dict[str, Any]:
    data = _ask_page("pin_values", {"names": wanted})
    if not isinstance(data, dict):
        logger.info("pin_values: ignored a malformed answer %r", type(data).__name__)
        return {}
    return {name: _from_client(data[name]) for name in wanted if name in data}


def _strict(session: Session) -> bool:
    return bool(session.extensions.get(_STRICT_KEY, False))


class Pin:
    """The values of the pin widgets: ``pin.name`` / ``pin["name"]`` read one from the
    page (None when no such widget exists), assigning sets it (``pin_update(name, value=v)``).

    .. code-block:: python

        put_input("name")
        pin.name = "Ada"
        print(pin["name"])
    """

    __slots__ = ()

    def use_strict(self) -> None:
        """From now on in this session, reading a widget that does not exist raises
        (KeyError for ``pin[name]``, AttributeError for ``pin.name``) instead of giving None."""
        context.get_current_session().extensions[_STRICT_KEY] = True

    def _read(self, name: str, error: type[LookupError | AttributeError]) -> Any:
        # In an async task ``await pin.name``, as in PyWebIO's coroutine sessions.
        return maybe_await(self._read_now, _pin_name(name), error)

    def _read_now(self, name: str, error: type[LookupError | AttributeError]) -> Any:
        values = _get_pin_values_now([name])
        if name not in values and _strict(context.get_current_session()):
            raise error(f"no pin widget named {name!r} on the page")
        return values.get(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._read(name, AttributeError)

    def __getitem__(self, name: str) -> Any:
        return self._read(name, KeyError)

    def __setattr__(self, name: str, value: Any) -> None:
        pin_update(name, value=value)

    def __setitem__(self, name: str, value: Any) -> None:
        pin_update(name, value=value)

    def __repr__(self) -> str:
        return "<pin: read and write pin widgets by name>"


#: Read and write pin widgets: ``pin.name``, ``pin["name"]``, ``pin.name = value``.
pin: Final = Pin()


def pin_update(name: str, **spec: Any) -> None:
    """Change a pin widget's attributes (``value``, ``label``, ``options``, ``help_text``,
    ``placeholder``, ``readonly``...). It does not trigger ``pin_wait_change`` nor
    ``pin_on_change``.

    .. code-block:: python

        pin_update("size", options=["M", "L", "XL"], value="L")
    """
    name = _pin_name(name)
    attributes, _ = parse_update(spec, "pin_update()")
    session, task = context.current_task()
    flush_pending()
    session.send_command("pin_update", {"name": name, "attributes": attributes}, task.id)


def pin_wait_change(*names: str | Sequence[str], timeout: float | None = None) -> dict[str, Any] | None:
    """Block until the user changes one of the pin widgets ``names``.

    :param timeout: seconds to wait at most (None or <= 0: no limit).
    :returns: ``{"name": name, "value": value}`` of the first widget changed, or None
        when ``timeout`` passed first.

    .. code-block:: python

        while True:
            changed = pin_wait_change("a", "b", timeout=10)
            if changed is None:
                put_text("still waiting")
    """
    flat: Sequence[Any] = names[0] if len(names) == 1 and isinstance(names[0], list | tuple) else names
    wanted = [_pin_name(n) for n in flat]
    if not wanted:
        raise ValueError("pin_wait_change() needs at least one pin name")
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise TypeError(f"timeout must be a number of seconds or None, got {timeout!r}")
        if timeout <= 0:
            timeout = None
    return maybe_await(_wait_change_now, wanted, timeout)  # type: ignore[no-any-return]


def _wait_change_now(wanted: list[str], timeout: float | None) -> dict[str, Any] | None:
    while True:
        data = _ask_page("pin_wait", {"names": wanted, "timeout": timeout})
        if data is None and timeout is not None:
            return None
        if isinstance(data, dict) and data.get("name") in wanted:
            return {"name": data["name"], "value": _from_client(data.get("value"))}
        logger.info("pin_wait: ignored a malformed answer; waiting again")


def pin_on_change(name: str, onchange: Callable[[Any], Any] | None = None, clear: bool = False,
                  init_run: bool = False, **callback_options: Any) -> None:
    """Call ``onchange(value)`` each time the user changes pin widget ``name``.

    :param clear: remove the callbacks set before (with ``onchange`` None: only remove).
    :param init_run: also call ``onchange`` once now with the current value.
    :param callback_options: ``serial_mode=True`` runs the calls one at a time.

    .. code-block:: python

        put_slider("level")
        pin_on_change("level", onchange=lambda v: put_text("level", v), init_run=True)
    """
    name = _pin_name(name)
    if onchange is None and not clear:
        raise ValueError("pin_on_change() needs onchange, or clear=True to remove the callbacks")
    if onchange is not None:
        check_callback(onchange, "pin_on_change() onchange")
    session, task = context.current_task()
    callback_id = None
    if onchange is not None:
        def on_pin_change(data: Any) -> Any:
            if not isinstance(data, dict) or "value" not in data:
                logger.info("pin_on_change(%r): ignored a malformed event", name)
                return None
            return onchange(_from_client(data["value"]))

        callback_id = session.register_callback(on_pin_change, **callback_options)
    flush_pending()
    session.send_command("pin_onchange", {"name": name, "callback_id": callback_id, "clear": bool(clear)}, task.id)
    if init_run and onchange is not None:
        onchange(pin[name])
