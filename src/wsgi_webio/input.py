"""Input functions: ``input`` (the rest arrives with the I/O API).

Owns the form round trip of PyWebIO 1.8: send ``input_group``, read the task's
events (validate on blur and submit, feedback through ``update_input``), then
``destroy_form``. Reaches the session only through the context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .runtime import context

__all__ = ["input"]

logger = logging.getLogger(__name__)

_TYPES = ("text", "number", "float", "password", "url", "date", "time", "color", "datetime-local")


def _coerce(value: Any, input_type: str) -> Any:
    """Convert a submitted value to the input's Python type. :raises ValueError: on mismatch."""
    if input_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("expected a number")
        number = float(value)
        if not number.is_integer():
            raise ValueError("expected a whole number")
        return int(number)
    if input_type == "float":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("expected a number")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def input(  # noqa: A001 - PyWebIO's name, on purpose
    label: str = "",
    type: str = "text",  # noqa: A002 - PyWebIO's parameter name
    *,
    validate: Callable[[Any], str | None] | None = None,
    name: str | None = None,
    value: Any = None,
    placeholder: str | None = None,
    required: bool | None = None,
    readonly: bool | None = None,
    help_text: str | None = None,
    **other_html_attrs: Any,
) -> Any:
    """Ask for one value and block until the user submits it.

    .. code-block:: python

        age = input("How old are you?", type="number", validate=lambda v: None if v > 0 else "positive!")

    :returns: the submitted value (``int`` for ``number``, ``float`` for ``float``).
    :raises SessionClosed: when the session ends while waiting.
    """
    if type not in _TYPES:
        raise ValueError(f"input type must be one of {_TYPES}, got {type!r}")
    item: dict[str, Any] = {"type": type, "name": "data", "label": "", "auto_focus": True}
    for key, val in (("value", value), ("placeholder", placeholder), ("required", required),
                     ("readonly", readonly), ("help_text", help_text)):
        if val is not None:
            item[key] = val
    if validate is not None:
        item["onblur"] = True
    item.update(other_html_attrs)
    session, task = context.current_task()
    session.send_command("input_group", {"label": label, "inputs": [item], "cancelable": False}, task.id)
    try:
        while True:
            event = session.next_client_event()
            if event.event == "from_submit":
                data = event.data if isinstance(event.data, dict) else {}
                error = None
                try:
                    result = _coerce(data.get("data"), type)
                except ValueError as exc:
                    error, result = str(exc), None
                if error is None and validate is not None:
                    error = _run_validate(validate, result)
                if error is None:
                    return result
                session.send_command("update_input", {"target_name": "data", "attributes": {
                    "valid_status": False, "invalid_feedback": error}}, task.id)
            elif event.event == "input_event" and validate is not None and isinstance(event.data, dict):
                if event.data.get("event_name") == "blur":
                    try:
                        error = _run_validate(validate, _coerce(event.data.get("value"), type))
                    except ValueError as exc:
                        error = str(exc)
                    attrs: dict[str, Any] = ({"valid_status": False, "invalid_feedback": error}
                                             if error else {"valid_status": 0})
                    session.send_command("update_input", {"target_name": "data", "attributes": attrs}, task.id)
            elif event.event == "from_cancel":
                return None
            else:
                logger.info("input(): ignored %s event", event.event)
    finally:
        if not session.is_closed:
            session.send_command("destroy_form", None, task.id)


def _run_validate(validate: Callable[[Any], str | None], value: Any) -> str | None:
    try:
        return validate(value)
    except Exception:
        logger.exception("validate function raised")
        return "Your input is not valid"
