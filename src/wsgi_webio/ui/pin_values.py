"""Pin values: reading, writing and watching the pin widgets on the page.

Owns PyWebIO 1.8.4's ``pin`` object (``pin.name``, ``pin["name"]``, ``get_pin_values``:
the ``pin_values`` command answered by ``js_yield``; ``pin.name = v``, ``pin_update``),
``pin_wait_change`` and ``pin_on_change``, whose callbacks run through the session's
callback path like any other. Sends through ``ui/delivery.py``; must not build
widgets (``ui/pins.py``) nor hold state at module level.

Values from the page are checked against their widget, as a form checks a submit:
each goes through the conversion of the session's copy of its widget's item
(``ui/pins.py``), so a pin only ever gives a value its widget can hold (an offered
option, a slider value in range, a number, a string within ``maxlength``, files
within their size limits...). A value refused (or sent for a name no pin widget of
the session has) is dropped and logged at info: a read gives None (or raises in
strict mode, as for a missing widget), ``pin_wait_change`` keeps waiting,
``pin_on_change`` does not call its callback.

.. code-block:: python

    from wsgi_webio.pin import *

    put_input("name", label="Your name")
    while True:
        changed = pin_wait_change("name")
        put_text(f"{changed['name']} is now {changed['value']!r}")
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any, Final

from ..core import commands
from ..errors import RemoteProtocolError
from ..runtime import aio, context
from ..runtime.aio import maybe_await
from ..runtime.session import Session
from ..runtime.slots import SlotKey
from .checks import check_callback
from .delivery import send_current
from .input_args import parse_update
from .items import Refused
from .pins import items_of, pin_name, relax

__all__ = ["Pin", "get_pin_values", "pin", "pin_on_change", "pin_update", "pin_wait_change"]

logger = logging.getLogger(__name__)

#: The attribute of a Session that records ``pin.use_strict()`` for that session.
_STRICT_KEY: Final[SlotKey[bool]] = SlotKey("wsgi_webio.pin.strict")
#: The data ``pin_on_change(init_run=True)`` calls its callback with (a client's data
#: is JSON, so it cannot forge this).
_INIT_RUN: Final = object()


def _check(session: Session, name: str, raw: Any) -> tuple[bool, Any]:
    """``(True, value)``: the page's ``raw`` value of pin ``name`` as the app sees it
    (uploaded files become file_upload()'s dicts); ``(False, why)`` when refused."""
    item = items_of(session).get(name)
    if item is None:
        return False, "no such pin widget"
    try:
        return True, item.convert(raw, submit=False)
    except Refused as refused:
        return False, refused.key


def _ask_page(command: commands.Command) -> Generator[Any, None, Any]:
    """Send ``command`` for the current task and return the page's ``js_yield`` answer
    (client-event steps: ``runtime.aio.maybe_await`` runs them)."""
    session = context.get_current_session()
    send_current(command)
    while True:
        event = yield from session.client_event()
        if event.event == "js_yield":
            return event.data
        logger.info("%s: ignored a %s event while waiting for the page's answer", command.name, event.event)


def get_pin_values(names: Sequence[str]) -> dict[str, Any]:
    """The values of the pin widgets ``names`` that exist on the page, in one round trip.

    .. code-block:: python

        values = get_pin_values(["name", "age"])  # {"name": "Ada", "age": 36}
    """
    if isinstance(names, str):
        names = [names]
    wanted = [pin_name(n) for n in names]
    return maybe_await(_pin_values_steps, wanted)  # type: ignore[no-any-return]


def _pin_values_steps(wanted: list[str]) -> Generator[Any, None, dict[str, Any]]:
    data = yield from _ask_page(commands.pin_values(wanted))
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
        return maybe_await(self._read_steps, pin_name(name), error)

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
    name = pin_name(name)
    attributes, choices = parse_update(spec, "pin_update()")
    send_current(commands.pin_update(name, attributes))
    checker = items_of(context.get_current_session()).get(name)
    if checker is not None:  # later values are checked against the new options, bounds...
        checker.apply_update(attributes, choices)
        relax(checker)


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
    wanted = [pin_name(n) for n in flat]
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
        data = yield from _ask_page(commands.pin_wait(wanted, left))
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
    name = pin_name(name)
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
    send_current(commands.pin_onchange(name, callback_id, bool(clear)))
    if not init_run or onchange is None:
        return
    assert callback_id is not None
    if aio.in_loop_greenlet() or aio.is_async_callable(onchange):
        try:
            session.run_callback(callback_id, _INIT_RUN)
        except RemoteProtocolError as exc:  # too many callbacks running already
            logger.warning("pin_on_change(%r): the init_run call was not started: %s", name, exc)
        return
    onchange(pin[name])
