"""A browserless test harness for wsgi_webio apps, in the spirit of NiceGUI's
``user`` fixture and Streamlit's AppTest.

Owns ``open_app`` and ``Page``: one real session of your app, driven over the real
wire protocol by a model of the browser (outputs, scopes, stacked forms, popups,
toasts, pins, downloads, scripts), as fast as a unit test. No sockets and no
browser; it must not reach into the session beyond what a client could do.

.. code-block:: python

    from wsgi_webio.testing import open_app

    def test_greeting():
        with open_app(main) as page:
            page.wait_for_form("Your name?").submit("Ada")
            page.wait_for_text("Hello, Ada")
            page.click("Count")
            assert "Count: 1" in page.text
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gevent
import gevent.event
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ..info import SessionInfo
from ..options import WebIOConfig
from ..protocol import ClientEvent, EventBatch, parse_binary_event
from ..runtime.registry import SessionRegistry
from ..runtime.session import Session, Task
from ._dom import Node, OutputTree, node_from_spec
from ._forms import Form

__all__ = ["Form", "Node", "Page", "open_app"]

#: How long waits last unless told otherwise: generous, since CI machines stall.
DEFAULT_TIMEOUT_S = 5.0
#: The longest open_app waits for the first screen before handing over the page.
INITIAL_SETTLE_S = 1.0


class Popup:
    """The open popup."""

    def __init__(self, page: Page, spec: dict[str, Any]) -> None:
        self._page = page
        self.spec = spec
        self.node = Node("scope", {"type": "scope"}, spec.get("dom_id"))
        for sub in spec.get("content") or []:
            self.node.add(node_from_spec(sub, page._click_node))

    @property
    def title(self) -> str:
        return str(self.spec.get("title", ""))

    @property
    def text(self) -> str:
        return self.node.text

    def close(self) -> None:
        """Close it as the user would (if it is closable)."""
        if self.spec.get("closable") is False:
            raise AssertionError("this popup is not closable by the user")
        self._page.popup = None


class Page:
    """What a browser tab shows of one session, and what its user can do."""

    def __init__(self, session: Session, timeout: float, eval_js: Callable[[str, dict[str, Any]], Any] | None):
        self.session = session
        self.timeout = timeout
        self._eval_js = eval_js
        self._read = session.outbox.first_seq
        self._pumping = False
        self._changed = gevent.event.Event()
        self.tree = OutputTree()
        #: Forms per task id, oldest first; ``_recent`` orders tasks as the client's LRU.
        self._forms: dict[str, list[Form]] = {}
        self._recent: list[str] = []
        self.popup: Popup | None = None
        #: Every toast spec shown, oldest first.
        self.toasts: list[dict[str, Any]] = []
        #: (file name, content) of every download.
        self.downloads: list[tuple[str, bytes]] = []
        #: Every run_script spec received.
        self.scripts: list[dict[str, Any]] = []
        #: The page settings set_env asked for.
        self.env: dict[str, Any] = {}
        #: Element ids scroll_to asked for, in order.
        self.scrolled_to: list[str] = []
        #: True once the server sent close_session.
        self.closed = False
        self._pin_waits: list[tuple[str, list[str]]] = []
        self._pin_listeners: dict[str, str | None] = {}
        self._pin_values: dict[str, Any] = {}

    # ------------------------------------------------------------------ transport
    def write_ready(self) -> None:
        """The session queued commands: render them soon, as a browser would."""
        if not self._pumping:
            self._pumping = True
            gevent.spawn(self._pump)

    def _pump(self) -> None:
        try:
            outbox = self.session.outbox
            while self._read < outbox.next_seq:
                batch = outbox.since(self._read)
                self._read += len(batch)
                self.session.acknowledge(self._read - 1)
                for encoded in batch:
                    self._apply(json.loads(encoded))
        finally:
            self._pumping = False
            self._changed.set()

    # ------------------------------------------------------------------ commands
    def _apply(self, cmd: dict[str, Any]) -> None:
        name, spec, task_id = cmd["command"], cmd.get("spec"), cmd.get("task_id")
        handler = getattr(self, "_cmd_" + name, None)
        if handler is None:
            raise AssertionError(f"the harness does not know command {name!r}: {cmd!r}")
        handler(spec, task_id)

    def _target(self, selector: str) -> Node:
        roots = [self.popup.node] if self.popup is not None else []
        node = self.tree.select(selector, roots)
        if node is None:
            raise AssertionError(f"no element {selector!r} on the page")
        return node

    def _cmd_output(self, spec: dict[str, Any], task_id: str | None) -> None:
        node = node_from_spec(spec, self._click_node)
        self._target(spec.get("scope", "#pywebio-scope-ROOT")).add(node, int(spec.get("position", -1)))

    def _cmd_output_ctl(self, spec: dict[str, Any], task_id: str | None) -> None:
        if "set_scope" in spec:
            dom_id = spec["set_scope"]
            existing = self.tree.select("#" + dom_id, [self.popup.node] if self.popup else [])
            mode = spec.get("if_exist")
            if existing is not None and mode is None:
                pass
            elif existing is not None and mode in ("clear", "blank"):
                existing.children.clear()
            else:
                if existing is not None:
                    existing.remove()
                node = Node("scope", {"type": "scope", "dom_id": dom_id}, dom_id)
                self._target(spec.get("container", "#pywebio-scope-ROOT")).add(node, int(spec.get("position", -1)))
        if "clear" in spec:
            self._target(spec["clear"]).children.clear()
        if "remove" in spec:
            self._target(spec["remove"]).remove()
        if "scroll_to" in spec:
            self.scrolled_to.append(spec["scroll_to"])

    def _cmd_set_processbar(self, spec: dict[str, Any], task_id: str | None) -> None:
        for node in self.tree.root.walk():
            if node.type == "processbar" and node.spec.get("name") == spec.get("name"):
                node.spec.update(value=spec.get("value"), label=spec.get("label", node.spec.get("label")))
                return
        raise AssertionError(f"no processbar named {spec.get('name')!r}")

    def _cmd_input_group(self, spec: dict[str, Any], task_id: str | None) -> None:
        assert task_id is not None
        self._forms.setdefault(task_id, []).append(Form(self, task_id, spec))
        if task_id in self._recent:
            self._recent.remove(task_id)
        self._recent.append(task_id)

    def _top_form(self, task_id: str | None) -> Form:
        stack = self._forms.get(task_id or "")
        if not stack:
            raise AssertionError(f"task {task_id} has no form")
        return stack[-1]

    def _cmd_update_input(self, spec: dict[str, Any], task_id: str | None) -> None:
        self._top_form(task_id).update(spec["target_name"], dict(spec.get("attributes") or {}))

    def _cmd_destroy_form(self, spec: Any, task_id: str | None) -> None:
        self._top_form(task_id)
        self._forms[task_id or ""].pop()

    def _cmd_popup(self, spec: dict[str, Any], task_id: str | None) -> None:
        self.popup = Popup(self, spec)

    def _cmd_close_popup(self, spec: Any, task_id: str | None) -> None:
        self.popup = None

    def _cmd_toast(self, spec: dict[str, Any], task_id: str | None) -> None:
        self.toasts.append(spec)

    def _cmd_set_env(self, spec: dict[str, Any], task_id: str | None) -> None:
        self.env.update(spec)

    def _cmd_run_script(self, spec: dict[str, Any], task_id: str | None) -> None:
        self.scripts.append(spec)
        if spec.get("eval"):
            result = self._eval_js(spec.get("code", ""), spec.get("args") or {}) if self._eval_js else None
            self._reply(task_id, result)

    def _cmd_download(self, spec: dict[str, Any], task_id: str | None) -> None:
        self.downloads.append((spec["name"], base64.b64decode(spec["content"])))

    def _cmd_close_session(self, spec: Any, task_id: str | None) -> None:
        self.closed = True

    # pins ----------------------------------------------------------------------
    def _pin_nodes(self) -> dict[str, Node]:
        roots = [self.tree.root] + ([self.popup.node] if self.popup else [])
        return {n.spec["input"]["name"]: n for r in roots for n in r.walk() if n.type == "pin"}

    @property
    def pins(self) -> dict[str, Any]:
        """The current value of every pin widget on the page."""
        from ._forms import default_value

        return {name: self._pin_values.get(name, default_value(node.spec["input"]))
                for name, node in self._pin_nodes().items()}

    def _cmd_pin_values(self, spec: dict[str, Any], task_id: str | None) -> None:
        values = self.pins
        self._reply(task_id, {name: values[name] for name in spec.get("names", []) if name in values})

    def _cmd_pin_update(self, spec: dict[str, Any], task_id: str | None) -> None:
        node = self._pin_nodes().get(spec["name"])
        if node is None:
            return
        attributes = dict(spec.get("attributes") or {})
        if "value" in attributes:
            self._pin_values[spec["name"]] = attributes.pop("value")
        node.spec["input"].update(attributes)

    def _cmd_pin_wait(self, spec: dict[str, Any], task_id: str | None) -> None:
        entry = (task_id or "", list(spec.get("names", [])))
        self._pin_waits.append(entry)
        timeout = spec.get("timeout")
        if timeout is not None:
            def expire() -> None:
                if entry in self._pin_waits:
                    self._pin_waits.remove(entry)
                    self._reply(entry[0], None)
            gevent.spawn_later(float(timeout), expire)

    @property
    def pin_listeners(self) -> dict[str, str]:
        """Pin name -> the callback id its ``pin_on_change`` registered in the page."""
        return {name: cb for name, cb in self._pin_listeners.items() if cb}

    def _cmd_pin_onchange(self, spec: dict[str, Any], task_id: str | None) -> None:
        if spec.get("clear") or spec.get("callback_id") is None:
            self._pin_listeners.pop(spec["name"], None)
        else:
            self._pin_listeners[spec["name"]] = spec["callback_id"]

    def set_pin(self, name: str, value: Any) -> None:
        """Change a pin widget as a user would: answers a pending ``pin_wait_change``
        and calls its ``pin_on_change`` callback."""
        if name not in self._pin_nodes():
            raise AssertionError(f"no pin widget {name!r} on the page")
        self._pin_values[name] = value
        for entry in list(self._pin_waits):
            if name in entry[1]:
                self._pin_waits.remove(entry)
                self._reply(entry[0], {"name": name, "value": value})
        listener = self._pin_listeners.get(name)
        if listener:
            self.send("callback", listener, {"value": value})
        else:
            self.settle()

    # ------------------------------------------------------------------ user actions
    def _reply(self, task_id: str | None, data: Any) -> None:
        # Replies are sent from the pump; the task they wake runs when the hub does.
        self.session.data_received(EventBatch((ClientEvent("js_yield", task_id or "", data),)))

    def send(self, event: str, task_id: str, data: Any = None) -> list[Task]:
        """Send a raw event (as a forged or scripted client would) and wait for the
        app to settle. Raises what the session raises for bad events."""
        woken = self.session.data_received(EventBatch((ClientEvent(event, task_id, data),)))
        self.settle(woken)
        return woken

    def send_binary(self, message: bytes) -> list[Task]:
        """Send a binary upload message; it goes through the real parser."""
        woken = self.session.data_received(EventBatch((parse_binary_event(message),)))
        self.settle(woken)
        return woken

    def _click_node(self, node: Node) -> None:
        self.send("callback", node.spec["click_callback_id"], None)

    def click(self, label: str) -> None:
        """Click the button (or clickable output) labelled ``label``, then settle."""
        self._pump()
        matches: list[tuple[str, Any]] = []
        roots = [self.tree.root] + ([self.popup.node] if self.popup else [])
        for root in roots:
            for node in root.walk():
                if node.type == "buttons":
                    for index, button in enumerate(node.spec.get("buttons", [])):
                        if button.get("label") == label and not button.get("disabled"):
                            matches.append((node.spec["callback_id"], index))
                elif node.spec.get("click_callback_id") and node.text == label:
                    matches.append((node.spec["click_callback_id"], None))
        if len(matches) != 1:
            raise AssertionError(f"expected one button {label!r}, found {len(matches)}; page text:\n{self.text}")
        self.send("callback", matches[0][0], matches[0][1])

    # ------------------------------------------------------------------ reading
    def settle(self, tasks: list[Task] | None = None, timeout: float | None = None) -> None:
        """Let the app run until its tasks (or ``tasks``) wait on the user or end,
        then render what they sent. A task blocked on something else (a sleep, a
        lock) counts as busy: with no ``tasks`` given this then waits the timeout."""
        limit = self.timeout if timeout is None else timeout
        self.session.wait_settled(self.session.tasks() if tasks is None else tasks, limit)
        gevent.sleep(0)
        self._pump()

    @property
    def text(self) -> str:
        """The visible text of the page's outputs (forms not included)."""
        return self.tree.root.text

    def find(self, type: str | None = None, text: str | None = None) -> list[Node]:  # noqa: A002
        """Output nodes of a ``type`` and/or containing ``text``."""
        roots = [self.tree.root] + ([self.popup.node] if self.popup else [])
        return [
            n for root in roots for n in root.walk()
            if (n.type == type if type is not None else n.type != "scope") and (text is None or text in n.text)
        ]

    def scope(self, name: str) -> Node:
        node = self.tree.by_id("pywebio-scope-" + name)
        if node is None:
            raise AssertionError(f"no scope {name!r} on the page")
        return node

    @property
    def forms(self) -> list[Form]:
        """Every form, the visible one last."""
        return [form for task in self._recent for form in self._forms.get(task, [])]

    @property
    def form(self) -> Form | None:
        """The visible form: the top form of the task that most recently showed one."""
        for task in reversed(self._recent):
            if self._forms.get(task):
                return self._forms[task][-1]
        return None

    def _wait(self, ready: Callable[[], Any], what: str, timeout: float | None) -> Any:
        limit = self.timeout if timeout is None else timeout
        with gevent.Timeout(limit, False):  # type: ignore[arg-type]  # False: leave the block quietly
            while True:
                self._pump()
                value = ready()
                if value:
                    return value
                self._changed.clear()
                self._changed.wait(0.05)
        raise AssertionError(f"waited {limit}s for {what}; page text:\n{self.text}\nform: {self.form!r}")

    def wait_for_text(self, text: str, timeout: float | None = None) -> None:
        """Wait until ``text`` is part of the page's text."""
        self._wait(lambda: text in self.text, f"text {text!r}", timeout)

    def wait_for_form(self, label: str | None = None, timeout: float | None = None) -> Form:
        """Wait until a form (labelled ``label``) is the visible one, and return it."""
        def ready() -> Form | None:
            form = self.form
            return form if form is not None and (label is None or form.label == label) else None
        return self._wait(ready, f"form {label!r}", timeout)  # type: ignore[no-any-return]

    def wait_closed(self, timeout: float | None = None) -> None:
        """Wait until the session has told the page it is over."""
        self._wait(lambda: self.closed, "close_session", timeout)


def _request(language: str, user_agent: str) -> Request:
    builder = EnvironBuilder(path="/", headers=[("Accept-Language", language), ("User-Agent", user_agent),
                                                ("Host", "testserver")])
    return Request(builder.get_environ())


@contextmanager
def open_app(
    app: Callable[[], Any],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    eval_js: Callable[[str, dict[str, Any]], Any] | None = None,
    language: str = "en-US",
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) wsgi_webio-testing",
    **options: Any,
) -> Iterator[Page]:
    """Run ``app`` as one session and yield the Page a browser would show.

    :param timeout: how long waits (``wait_for_text``, ``settle``...) last.
    :param eval_js: answers ``eval_js``: ``eval_js(code, args) -> value`` (None if not given).
    :param language: the browser's Accept-Language (``session.info.user_language``).
    :param options: app options (see WebIOConfig), e.g. ``debug=True``.
    :raises AssertionError: from waits that time out, naming what was awaited.
    """
    registry = SessionRegistry(WebIOConfig.from_options(options))
    request = _request(language, user_agent)
    info = SessionInfo(user_agent, language.split(",")[0], "testserver", "", "127.0.0.1", "testing",
                       "websocket", request)
    session = registry.create(app, info)
    page = Page(session, timeout, eval_js)
    session.connection_made(page)
    try:
        # The main task's first screen. A main task that waits on something other than
        # the user (a queue, a timer) counts as busy: do not wait long for it then.
        page.settle(session.tasks(), timeout=min(timeout, INITIAL_SETTLE_S))
        yield page
    finally:
        session.close()
        session.join(timeout)
        registry.close_all()
