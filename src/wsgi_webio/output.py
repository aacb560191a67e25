"""Output functions: ``put_text`` and ``put_buttons`` (the rest arrives with the I/O API).

Owns turning output calls into ``output`` commands with PyWebIO 1.8's spec shapes,
sent at once (no ``__del__`` tricks). Reaches the session only through the
context; never touches transports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from .runtime import context

__all__ = ["put_buttons", "put_text", "scope_selector"]

logger = logging.getLogger(__name__)


def scope_selector(name: str) -> str:
    """The CSS selector of scope ``name`` (PyWebIO's DOM id convention)."""
    return "#pywebio-scope-" + name.replace(" ", "-")


def _send_output(spec: dict[str, Any], scope: str | None, position: int) -> None:
    session, task = context.current_task()
    spec["scope"] = scope_selector(scope if scope is not None else task.scopes[-1])
    spec["position"] = position
    session.send_command("output", spec, task.id)


def put_text(*texts: Any, sep: str = " ", inline: bool = False, scope: str | None = None, position: int = -1) -> None:
    """Show plain text (never interpreted as HTML).

    .. code-block:: python

        put_text("Hello", name)
    """
    _send_output({"type": "text", "content": sep.join(str(t) for t in texts), "inline": inline}, scope, position)


def _normalise_buttons(buttons: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for b in buttons:
        if isinstance(b, dict):
            if "label" not in b:
                raise ValueError(f"a button dict needs a 'label': {b!r}")
            out.append({"label": str(b["label"]), "value": b.get("value", b["label"]), **{
                k: b[k] for k in ("color", "disabled") if k in b}})
        elif isinstance(b, tuple | list) and len(b) == 2:
            out.append({"label": str(b[0]), "value": b[1]})
        else:
            out.append({"label": str(b), "value": b})
    return out


def put_buttons(
    buttons: Sequence[Any],
    onclick: Callable[[Any], Any] | Sequence[Callable[[], Any]],
    small: bool | None = None,
    link_style: bool = False,
    outline: bool = False,
    group: bool = False,
    scope: str | None = None,
    position: int = -1,
    **callback_options: Any,
) -> None:
    """A row of buttons; a click calls ``onclick(value)`` in a new task (or, with
    ``serial_mode=True``, one click at a time).

    :param buttons: labels, ``(label, value)`` pairs, or dicts with label/value/color/disabled.
    :param onclick: one function taking the clicked value, or one function per button.
    """
    items = _normalise_buttons(buttons)
    values = [b["value"] for b in items]
    if callable(onclick):
        def dispatch(index: Any) -> Any:
            return onclick(values[index])  # type: ignore[operator]
    else:
        handlers = list(onclick)
        if len(handlers) != len(items):
            raise ValueError(f"{len(items)} buttons but {len(handlers)} onclick functions")

        def dispatch(index: Any) -> Any:
            return handlers[index]()

    def on_click(index: Any) -> Any:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
            logger.warning("ignored click on button %r: no such button", index)
            return None
        return dispatch(index)

    session = context.get_current_session()
    callback_id = session.register_callback(on_click, **callback_options)
    wire = [dict(b, value=i) for i, b in enumerate(items)]
    spec = {"type": "buttons", "callback_id": callback_id, "buttons": wire, "link": link_style,
            "outline": outline, "group": group}
    if small is not None:
        spec["small"] = small
    _send_output(spec, scope, position)
