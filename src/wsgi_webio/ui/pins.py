"""Pin widgets: PyWebIO 1.8.4's ``pywebio.pin`` names and parameters.

Owns the persistent input widgets shown among the outputs (``put_input``,
``put_select``...: an output ``{"type": "pin", "input": item}``), and reaching their
values on the page: reading (``pin.name``, ``pin["name"]``, ``get_pin_values``: the
``pin_values`` command answered by ``js_yield``), writing (``pin.name = v``,
``pin_update``), waiting for a change (``pin_wait_change``) and change callbacks
(``pin_on_change``). Items are built by the input functions; this module must not
parse options itself nor hold state at module level.

Values from the page are checked against their widget, as a form checks a submit:
each session keeps a copy of every pin widget's item (``session.extensions``, under
``_ITEMS_KEY``, kept current by ``pin_update``) and runs what the page sends through
its conversion, so a pin only ever gives a value its widget can hold (an offered
option, a slider value in range, a number, a string within ``maxlength``, files
within their size limits...). The rules a browser does not enforce while the user
types are form-submit validation, not checks of the widget, and are not applied:
``required``, ``minlength``, and a number field's ``min``/``max``. A value refused
(or sent for a name no pin widget of the session has) is dropped and logged at
info: a read gives None (or raises in strict mode, as for a missing widget),
``pin_wait_change`` keeps waiting, ``pin_on_change`` does not call its callback.

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
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Final

from . import input as _input
from ._input_args import check_name, parse_update
from ._input_items import InputItem, Refused
from ._out_core import check_callback, send_ui_command
from .errors import RemoteProtocolError
from .output import Output
from .protocol import ClientEvent
from .runtime import aio, context
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
#: ``session.extensions`` key: ``{pin name: InputItem}``, the session's pin widgets as
#: the values from the page are checked against them (the latest widget of a name wins).
_ITEMS_KEY: Final = "wsgi_webio.pin.items"
#: The data of the callback event that makes ``pin_on_change(init_run=True)``'s first
#: call (a client's data is JSON, so it cannot forge this).
_INIT_RUN: Final = object()


# ---------------------------------------------------------------------- widgets
def _relax(checker: InputItem) -> None:
    """Drop the rules a browser does not enforce while the user types (see the
    module docstring) from a session's copy of a pin item."""
    checker.spec.pop("minlength", None)
    if checker.type in ("number", "float"):
        checker.spec.pop("min", None)
        checker.spec.pop("max", None)


def _items(session: Session) -> dict[str, InputItem]:
    items: dict[str, InputItem] | None = session.extensions.get(_ITEMS_KEY)
    if items is None:
        items = session.extensions[_ITEMS_KEY] = {}
    return items


def _pin_output(item: InputItem, scope: str | int | None, position: int) -> Output:
    """``item`` as a pin widget among the outputs (pending like any other output);
    the session keeps a copy of the item to check the widget's values."""
    out = Output({"type": "pin", "input": item.spec}, scope=scope, position=position)
    checker = item.copy()
    _relax(checker)
    _items(context.get_current_session())[item.name] = checker
    return out


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
def _check(session: Session, name: str, raw: Any) -> tuple[bool, Any]:
    """``(True, value)``: the page's ``raw`` value of pin ``name`` as the app sees it
    (uploaded files become file_upload()'s dicts); ``(False, why)`` when refused."""
    item = _items(session).get(name)
    if item is None:
        return False, "no such pin widget"
    try:
        return True, item.convert(raw, submit=False)
    except Refused as refused:
        return False, refused.key


def _ask_page(command: str, spec: dict[str, Any]) -> Generator[Any, None, Any]:
    """Send ``command`` for the current task and return the page's ``js_yield`` answer
    (client-event steps: ``runtime.aio.maybe_await`` runs them)."""
    session = context.get_current_session()
    send_ui_command(command, spec)
    while True:
        event = yield from session.client_event()
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
    return maybe_await(_pin_values_steps, wanted)  # type: ignore[no-any-return]


def _pin_values_steps(wanted: list[str]) -> Generator[Any, None, dict[str, Any]]:
    data = yield from _ask_page("pin_values", {"names": wanted})
    if not isinstance(data, dict):
        logger.info("pin_values: ignored a malformed answer %r", type(data).__name__)
        return {}
    session = context.get_current_session()
    values: dict[str, Any] = {}
    refused: list[str] = []
    for name in wanted:
        if name in data:
            ok, value = _check(session, name, data[name])
            if ok:
                values[name] = value
            else:
                refused.append(f"{name} ({value})")
    if refused:
        logger.info("pin_values: refused the values of %s", ", ".join(refused))
    return values


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
        return maybe_await(self._read_steps, _pin_name(name), error)

    def _read_steps(self, name: str, error: type[LookupError | AttributeError]) -> Generator[Any, None, Any]:
        values = yield from _pin_values_steps([name])
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
    attributes, choices = parse_update(spec, "pin_update()")
    send_ui_command("pin_update", {"name": name, "attributes": attributes})
    checker = _items(context.get_current_session()).get(name)
    if checker is not None:  # later values are checked against the new options, bounds...
        checker.apply_update(attributes, choices)
        _relax(checker)


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
    return maybe_await(_wait_change_steps, wanted, timeout)  # type: ignore[no-any-return]


def _wait_change_steps(wanted: list[str], timeout: float | None) -> Generator[Any, None, dict[str, Any] | None]:
    session = context.get_current_session()
    deadline = None if timeout is None else time.monotonic() + timeout
    left = timeout
    while True:
        data = yield from _ask_page("pin_wait", {"names": wanted, "timeout": left})
        if data is None and timeout is not None:
            return None
        if isinstance(data, dict) and data.get("name") in wanted:
            ok, value = _check(session, data["name"], data.get("value"))
            if ok:
                return {"name": data["name"], "value": value}
            logger.info("pin_wait: refused the value of %s (%s); waiting again", data["name"], value)
        else:
            logger.info("pin_wait: ignored a malformed answer; waiting again")
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None


def pin_on_change(name: str, onchange: Callable[[Any], Any] | None = None, clear: bool = False,
                  init_run: bool = False, **callback_options: Any) -> None:
    """Call ``onchange(value)`` each time the user changes pin widget ``name``.

    :param clear: remove the callbacks set before (with ``onchange`` None: only remove).
    :param init_run: also call ``onchange`` once with the current value: at once,
        before returning, in a plain app with a plain ``onchange``; in a coroutine (an
        ``async def`` app, where ``pin_on_change`` is called without ``await``) or with
        an ``async def`` ``onchange``, as a change would, in a task of its own started
        now (it reads the value from the page first).
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
    session = context.get_current_session()
    callback_id = None
    if onchange is not None:
        def on_pin_change(data: Any) -> Any:
            if data is _INIT_RUN:
                return onchange(pin[name])  # a task of its own (a plain greenlet): reads at once
            if not isinstance(data, dict) or "value" not in data:
                logger.info("pin_on_change(%r): ignored a malformed event", name)
                return None
            ok, value = _check(session, name, data["value"])
            if not ok:
                logger.info("pin_on_change(%r): refused a change (%s)", name, value)
                return None
            return onchange(value)

        callback_id = session.register_callback(on_pin_change, **callback_options)
    send_ui_command("pin_onchange", {"name": name, "callback_id": callback_id, "clear": bool(clear)})
    if not init_run or onchange is None:
        return
    assert callback_id is not None
    if aio.in_loop_greenlet() or aio.is_async_callable(onchange):
        try:
            session.send_client_event(ClientEvent("callback", callback_id, _INIT_RUN))
        except RemoteProtocolError as exc:  # too many callbacks running already
            logger.warning("pin_on_change(%r): the init_run call was not started: %s", name, exc)
        return
    onchange(pin[name])
