"""The form round trip: one ``input_group`` command, its events, its result.

Owns PyWebIO 1.8's input flow (pywebio-reference.md 2.3) on the current task: send
the form, answer blur events with validation feedback, run ``onchange`` callbacks
(inside which ``input_update`` works), check a submit item by item and then as a
whole, and destroy the form when done. Values the page should never have sent
become ``update_input`` feedback and the form keeps waiting: never an exception in
the app. Reaches the session only through the context; must not build items (that
is ``ui/items.py``) nor hold state outside a running form; sends through ``ui/delivery.py``.

The round trip is written once, as a generator (``form_steps``) that gets each event
with ``yield from session.client_event()``: ``run_form`` runs it blocking in a
greenlet, or returns it as an awaitable in a coroutine, where no greenlet waits for
the answer (``runtime.aio``). Validators and ``onchange`` then run in the coroutine's
step, as in PyWebIO's coroutine sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Final

from ..core import commands
from ..runtime import context
from ..runtime.aio import maybe_await
from ..runtime.session import Session
from . import delivery
from .input_args import FOCUSABLE_TYPES, parse_update
from .items import MISSING, InputItem, Refused, message

__all__ = ["Form", "check_group_items", "form_steps", "input_update", "run_form"]

logger = logging.getLogger(__name__)

#: The form and item name whose ``onchange`` is running in this greenlet (for input_update).
_onchange_trigger: ContextVar[tuple[Form, str] | None] = ContextVar("wsgi_webio.onchange_trigger", default=None)

_UNSET: Final = object()


def _user_language(session: Session) -> str:
    return str(getattr(session.info, "user_language", "") or "")


class Form:
    """One form on the page: the items (its own copies) and what the client was told."""

    def __init__(self, session: Session, task_id: str, items: Sequence[InputItem],
                 validate: Callable[[dict[str, Any]], Any] | None, cancelable: bool) -> None:
        self.session = session
        self.task_id = task_id
        self.items: dict[str, InputItem] = {}
        for item in items:
            copy = item.copy()
            self.items[copy.name] = copy
        self.validate = validate
        self.cancelable = cancelable
        self.lang = _user_language(session)
        #: False once the form has returned; late action callbacks then do nothing.
        self.active = True
        #: Names currently shown as invalid on the page.
        self.invalid: set[str] = set()
        self._prepare()

    def _prepare(self) -> None:
        items = list(self.items.values())
        if items and items[-1].type == "actions" and any(c.submits for c in items[-1].choices):
            items[-1].must_click = True  # the page hides its own Submit button: one of these must be clicked
        if not any(item.spec.get("auto_focus") for item in items):
            for item in items:
                if item.type in FOCUSABLE_TYPES:
                    item.spec["auto_focus"] = True
                    break
        for item in items:
            if item.action is not None:
                label, callback = item.action
                callback_id = self.session.register_callback(self._action_callback(item.name, callback))
                item.spec["action"] = {"label": label, "callback_id": callback_id}

    def can_cancel(self) -> bool:
        return self.cancelable or any(
            item.type == "actions" and any(b.get("type") == "cancel" and not b.get("disabled")
                                           for b in item.spec.get("buttons", ()))
            for item in self.items.values()
        )

    def command(self, label: str) -> commands.Command:
        """The ``input_group`` command that shows this form."""
        return commands.input_group(label, [item.spec for item in self.items.values()], self.cancelable)

    # ------------------------------------------------------------------ to the page
    def send_update(self, name: str, attributes: dict[str, Any]) -> None:
        delivery.emit(self.session, self.task_id, commands.update_input(name, attributes))

    def feedback(self, name: str, error: str | None) -> None:
        """Show ``error`` under item ``name``, or clear its status when None."""
        if error is None:
            self.invalid.discard(name)
            self.send_update(name, {"valid_status": 0})
        else:
            self.invalid.add(name)
            self.send_update(name, {"valid_status": False, "invalid_feedback": error})

    def _action_callback(self, name: str, callback: Callable[[Callable[..., None]], Any]) -> Callable[[Any], Any]:
        def set_value(value: Any, label: Any = _UNSET) -> None:
            """Put ``value`` in the field; with ``label``, show the label read-only and
            return ``value`` on submit."""
            if not self.active:
                logger.info("set_value(%r) for input %r ignored: its form has ended", value, name)
                return
            item = self.items[name]
            if label is _UNSET:
                attributes: dict[str, Any] = {"value": value}
                if item.label_value is not None:
                    attributes["readonly"] = bool(item.spec.get("readonly"))
                item.label_value = None
            else:
                item.label_value = (str(label), value)
                attributes = {"value": str(label), "readonly": True}
            self.send_update(name, attributes)

        def on_click(_data: Any) -> Any:
            return callback(set_value)

        return on_click

    # ------------------------------------------------------------------ from the page
    def check(self, item: InputItem, raw: Any, *, submit: bool) -> tuple[bool, Any]:
        """(True, value) or (False, feedback) for one item's raw value."""
        try:
            value = item.convert(raw, submit=submit)
        except Refused as refused:
            logger.info("input %r refused %r: %s", item.name, _abbrev(raw), refused.key)
            return False, message(refused.key, self.lang, *refused.args_)
        if item.validate is not None:
            try:
                error = item.validate(value)
            except Exception:
                logger.warning("validate function of input %r raised", item.name, exc_info=True)
                return False, message("invalid", self.lang)
            if error is not None:
                return False, str(error)
        return True, value

    def on_input_event(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or data["name"] not in self.items:
            logger.info("ignored input_event %r: no such input in the form", _abbrev(data))
            return
        item = self.items[data["name"]]
        kind = data.get("event_name")
        if kind == "blur":
            ok, result = self.check(item, data.get("value", MISSING), submit=False)
            self.feedback(item.name, None if ok else result)
        elif kind == "change":
            if item.onchange is None:
                return
            try:
                value = item.convert(data.get("value", MISSING), submit=False)
            except Refused as refused:
                logger.info("ignored change of input %r to %r: %s", item.name, _abbrev(data.get("value")),
                            refused.key)
                return
            token = _onchange_trigger.set((self, item.name))
            try:
                item.onchange(value)
            except Exception:
                logger.exception("onchange function of input %r raised", item.name)
            finally:
                _onchange_trigger.reset(token)
        else:
            logger.info("ignored input_event %r: unknown event_name", _abbrev(data))

    def on_submit(self, data: Any) -> dict[str, Any] | None:
        """The form's result, or None (feedback sent) when the page must try again."""
        if not isinstance(data, dict):
            logger.info("refused from_submit with data %r: not an object", _abbrev(data))
            if not self.items:
                return {}
            self.feedback(next(iter(self.items)), message("form", self.lang))
            return None
        unknown = [name for name in data if name not in self.items]
        if unknown:
            logger.info("from_submit: ignored values for unknown inputs %r", unknown[:10])
        results: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, item in self.items.items():
            ok, result = self.check(item, data.get(name, MISSING), submit=True)
            if ok:
                results[name] = result
            else:
                errors[name] = result
        if not errors and self.validate is not None:
            verdict = self.validate(results)
            if verdict is not None:
                name, error = self._group_verdict(verdict)
                errors[name] = error
        if not errors:
            return results
        for name in sorted(self.invalid - errors.keys()):
            self.feedback(name, None)
        for name, error in errors.items():
            self.feedback(name, error)
        return None

    def _group_verdict(self, verdict: Any) -> tuple[str, str]:
        if not isinstance(verdict, tuple | list) or len(verdict) != 2:
            raise TypeError(f"input_group's validate must return None or (name, message), got {verdict!r}")
        name, error = verdict
        if name not in self.items:
            raise ValueError(f"input_group's validate named {name!r}, which is not an input of the group "
                             f"(inputs: {sorted(self.items)})")
        return str(name), str(error)


def run_form(label: str, items: Sequence[InputItem], *,
             validate: Callable[[dict[str, Any]], Any] | None = None,
             cancelable: bool = False) -> Any:
    """Show a form on the current task and block until it is submitted or cancelled;
    inside a coroutine, return that as an awaitable.

    :returns: ``{name: value}``, or None when the user cancelled.
    :raises SessionClosed: when the session ends while waiting.
    """
    return maybe_await(form_steps, label, items, validate=validate, cancelable=cancelable)


def form_steps(label: str, items: Sequence[InputItem], *,
               validate: Callable[[dict[str, Any]], Any] | None = None,
               cancelable: bool = False) -> Generator[Any, None, dict[str, Any] | None]:
    """``run_form`` as client-event steps (``yield from`` it in other steps)."""
    session, task = context.current_task()
    form = Form(session, task.id, items, validate, cancelable)
    delivery.send(session, task.id, form.command(str(label)))  # after the outputs made before it
    try:
        while True:
            event = yield from session.client_event()
            if event.event == "from_submit":
                result = form.on_submit(event.data)
                if result is not None:
                    return result
            elif event.event == "input_event":
                form.on_input_event(event.data)
            elif event.event == "from_cancel":
                if form.can_cancel():
                    return None
                logger.info("ignored from_cancel: the form %r cannot be cancelled", label)
            else:
                logger.info("form %r ignored a %s event", label, event.event)
    finally:
        form.active = False
        if not session.is_closed:
            delivery.emit(session, task.id, commands.destroy_form())


def input_update(name: str | None = None, **spec: Any) -> None:
    """Update an input of the form whose ``onchange`` callback is running.

    :param name: the input to update; by default the one whose change is being handled.
    :param spec: new attributes: ``value``, ``label``, ``placeholder``, ``help_text``,
        ``options`` (any form ``select`` takes), ``required``, ``readonly``, ``disabled``,
        ``valid_status``/``invalid_feedback``, ``min_value``/``max_value``... Not
        ``type``, ``name``, ``multiple`` and the other keys fixed at creation.

    .. code-block:: python

        cities = {"China": ["Beijing", "Shanghai"], "USA": ["New York", "Chicago"]}
        input_group("Where", [
            select("Country", list(cities), name="country",
                   onchange=lambda c: input_update("city", options=cities[c])),
            select("City", cities["China"], name="city"),
        ])

    :raises RuntimeError: outside an ``onchange`` callback.
    :raises ValueError: for an unknown input or a key that cannot be updated.
    """
    current = _onchange_trigger.get()
    if current is None:
        raise RuntimeError("input_update() can only be called inside an input's onchange callback")
    form, trigger = current
    target = trigger if name is None else name
    item = form.items.get(target)
    if item is None:
        raise ValueError(f"input_update(): the form has no input named {target!r} (inputs: {sorted(form.items)})")
    attributes, choices = parse_update(spec, "input_update()")
    item.apply_update(attributes, choices)
    form.send_update(item.name, attributes)


def _abbrev(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_group_items(inputs: Any) -> list[InputItem]:
    """The items of ``input_group(inputs=...)``: made with a name, names unique.

    :raises TypeError: for something that is not an input made with ``name=``.
    :raises ValueError: for a duplicate name.
    """
    if inputs is None or isinstance(inputs, str | bytes | Mapping):
        raise TypeError(f"input_group() needs a list of inputs, got {inputs!r}")
    items: list[InputItem] = []
    seen: set[str] = set()
    for each in inputs:
        if not isinstance(each, InputItem):
            raise TypeError(
                "input_group() takes inputs made with a name, such as input('Age', name='age'); "
                f"got {_abbrev(each)}"
            )
        if not each.spec.get("name"):
            raise ValueError(f"every input of input_group() needs a name: {each!r}")
        if each.name in seen:
            raise ValueError(f"input_group(): two inputs are named {each.name!r}; names must be unique")
        seen.add(each.name)
        items.append(each)
    return items
