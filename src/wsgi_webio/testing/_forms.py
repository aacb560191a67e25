"""The harness's forms: what a user sees of an ``input_group`` and can do with it.

Owns a form's client-side values (defaults as the browser client sets them),
feedback from ``update_input``, and building the events a user's actions send
(submit, cancel, blur, change, action buttons, file uploads). Sends through the
page; knows nothing of gevent or sessions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Page

__all__ = ["Form"]

_MISSING: Any = object()
_TEXT_TYPES = frozenset({"text", "password", "url", "date", "time", "color", "datetime-local", "textarea"})


def default_value(item: dict[str, Any]) -> Any:
    """The value a fresh widget holds, as the browser client reports it."""
    kind = item.get("type")
    options = item.get("options") or []
    if kind in ("select", "checkbox", "radio"):
        chosen = [o["value"] for o in options if o.get("selected")]
        if "value" in item and item["value"] is not None:
            chosen = item["value"] if isinstance(item["value"], list) else [item["value"]]
        if kind == "checkbox" or (kind == "select" and item.get("multiple")):
            return chosen
        if kind == "select":
            return chosen[0] if chosen else (options[0]["value"] if options else None)
        return chosen[0] if chosen else None
    if kind == "slider":
        return item.get("value", item.get("min_value", 0))
    if kind == "file":
        return [] if item.get("multiple") else None
    if kind in ("number", "float"):
        return item.get("value")
    return item.get("value", "") if kind in _TEXT_TYPES else item.get("value")


class Form:
    """One form of the page (visible or stacked under a newer one)."""

    def __init__(self, page: Page, task_id: str, spec: dict[str, Any]) -> None:
        self._page = page
        self.task_id = task_id
        self.spec = spec
        #: The input items, as sent (``update_input`` changes them in place).
        self.items: list[dict[str, Any]] = [dict(item) for item in spec.get("inputs", [])]
        self.values: dict[str, Any] = {
            i["name"]: default_value(i) for i in self.items if i.get("type") != "actions" and "name" in i
        }
        self._files: dict[str, list[tuple[str, bytes, str]]] = {}
        self._feedback: dict[str, tuple[Any, str | None]] = {}

    @property
    def label(self) -> str:
        return str(self.spec.get("label", ""))

    def item(self, name: str) -> dict[str, Any]:
        for item in self.items:
            if item.get("name") == name:
                return item
        raise AssertionError(f"form {self.label!r} has no input {name!r}; it has {[i.get('name') for i in self.items]}")

    def _single_name(self) -> str:
        names = [i["name"] for i in self.items if i.get("type") != "actions"]
        if len(names) != 1:
            raise AssertionError(f"form {self.label!r} has inputs {names}: name the one to fill")
        return str(names[0])

    # ------------------------------------------------------------------ user actions
    def fill(self, name: Any, value: Any = _MISSING) -> Form:
        """Set an input's value: ``fill("age", 3)``, or ``fill("Bob")`` on a one-input form."""
        if value is _MISSING:
            name, value = self._single_name(), name
        self.item(name)
        self.values[name] = value
        return self

    def submit(self, *value: Any, **values: Any) -> None:
        """Fill the given values, then press the form's submit button."""
        if len(value) > 1:
            raise TypeError("submit() takes at most one positional value (for a one-input form)")
        if value:
            self.fill(value[0])
        for name, val in values.items():
            self.fill(name, val)
        self._send_submit(dict(self.values))

    def click(self, label: str) -> None:
        """Press a button of the form's ``actions`` input by its label."""
        for item in self.items:
            if item.get("type") != "actions":
                continue
            for button in item.get("buttons", []):
                if button.get("label") == label:
                    if button.get("disabled"):
                        raise AssertionError(f"button {label!r} is disabled")
                    kind = button.get("type", "submit")
                    if kind == "cancel":
                        return self.cancel()
                    if kind == "reset":
                        self.values = {i["name"]: default_value(i) for i in self.items
                                       if i.get("type") != "actions" and "name" in i}
                        return None
                    data = dict(self.values)
                    data[item["name"]] = button.get("value")
                    return self._send_submit(data)
        raise AssertionError(f"form {self.label!r} has no button {label!r}")

    def cancel(self) -> None:
        self._page.send("from_cancel", self.task_id, None)

    def blur(self, name: str | None = None) -> None:
        """Leave an input: sends a blur event if the input asks for them and is not empty."""
        name = name or self._single_name()
        item, value = self.item(name), self.values.get(name)
        if item.get("onblur") and value not in (None, "", []):
            self._page.send("input_event", self.task_id, {"event_name": "blur", "name": name, "value": value})

    def change(self, name: Any, value: Any = _MISSING) -> None:
        """Change an input's value as a user would: sends a change event if it asks for them."""
        if value is _MISSING:
            name, value = self._single_name(), name
        self.fill(name, value)
        if self.item(name).get("onchange"):
            self._page.send("input_event", self.task_id, {"event_name": "change", "name": name, "value": value})

    def action(self, name: str | None = None) -> None:
        """Press the action button beside an input."""
        action = self.item(name or self._single_name()).get("action") or {}
        if not action.get("callback_id"):
            raise AssertionError(f"input {name!r} has no action button")
        self._page.send("callback", action["callback_id"], None)

    def upload(self, name: str, files: Sequence[tuple[str, bytes] | tuple[str, bytes, str]]) -> Form:
        """Choose files for a file input (sent with the next submit)."""
        if self.item(name).get("type") != "file":
            raise AssertionError(f"input {name!r} is not a file input")
        self._files[name] = [(f[0], f[1], f[2] if len(f) > 2 else "application/octet-stream") for f in files]
        return self

    # ------------------------------------------------------------------ what the user sees
    def feedback(self, name: str | None = None) -> tuple[Any, str | None]:
        """(valid_status, message) shown under an input; (None, None) when there is none."""
        return self._feedback.get(name or self._single_name(), (None, None))

    def update(self, target: str, attributes: dict[str, Any]) -> None:
        """Apply an ``update_input`` command."""
        item = self.item(target)
        for key, value in attributes.items():
            if key == "valid_status":
                if value is None or (type(value) is int and value == 0):  # 0 clears; False is invalid
                    self._feedback.pop(target, None)
                else:
                    message = attributes.get("invalid_feedback" if value is False else "valid_feedback")
                    self._feedback[target] = (value, message)
            elif key == "value":
                self.values[target] = value
            elif key not in ("invalid_feedback", "valid_feedback"):
                item[key] = value

    # ------------------------------------------------------------------ wire
    def _send_submit(self, data: dict[str, Any]) -> None:
        for item in self.items:
            if item.get("type") == "file":
                data[item["name"]] = [] if item.get("multiple") else None
        if not self._files:
            self._page.send("from_submit", self.task_id, data)
            return
        event = {"event": "from_submit", "task_id": self.task_id, "data": data}
        segments = [json.dumps(event).encode()]
        for input_name, files in self._files.items():
            for filename, content, mime in files:
                header = {"filename": filename, "size": len(content), "mime_type": mime,
                          "last_modified": 0, "input_name": input_name}
                segments += [json.dumps(header).encode(), content]
        self._page.send_binary(b"".join(len(s).to_bytes(8, "big") + s for s in segments))

    def __repr__(self) -> str:
        return f"<Form {self.label!r} task={self.task_id} items={[i.get('name') for i in self.items]}>"
