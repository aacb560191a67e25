"""The ``Output`` value every ``put_xxx()`` returns, and nesting outputs.

Owns ``Output`` (a spec plus the scope and position it goes to, pending until it is
sent or embedded: ``ui/pending.py`` says when), ``style``/``onclick``/``send``/
``with`` on it, and how nested outputs go inline into a parent spec (``embed``,
``contents_of``, ``discard_on_error``). Queues and sends only through
``ui/delivery.py``; reaches the session only through the context; holds no state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from ..core import commands
from ..core.commands import Command
from ..errors import SessionClosed
from ..runtime import context
from . import delivery
from .checks import (
    DOM_PREFIX,
    Span,
    check_callback,
    check_json,
    random_scope_name,
    resolve_scope,
    scope_dom_id,
    scope_selector,
)
from .pending import State

__all__ = ["Output", "contents_of", "discard_on_error", "embed"]

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------- Output
class Output:
    """What every ``put_xxx()`` returns: one output, pending until it is sent or
    embedded in another output.

    :param spec: the output spec (docs/ui-spec.md), JSON data with a ``type``; the
        Output takes ownership of the dict.
    :param scope: the target scope name (None: the current scope; an int indexes
        the task's scope stack).
    :param position: where in the scope: -1 appends, 0 prepends, n >= 0 inserts
        before child n, n < 0 after child ``len + n``.
    :raises TypeError: for a spec that is not a dict of JSON data with a str ``type``.
    :raises NoSessionError: outside a session. :raises SessionClosed: when it closed.

    .. code-block:: python

        Output({"type": "text", "content": "hi", "inline": False}, scope="log")
    """

    __slots__ = ("_container", "_position", "_scope_name", "_session", "_state", "_target", "_task_id", "spec")

    def __init__(self, spec: dict[str, Any], *, scope: str | int | None = None, position: int = -1) -> None:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise TypeError(f"an output spec must be a dict with a str 'type', got {spec!r:.80}")
        check_json(spec, "the output spec")
        self._setup(spec, scope, position, None, None)

    @classmethod
    def make(cls, spec: dict[str, Any], scope: str | int | None, position: int, *,
             container: str | None = None, scope_name: str | None = None) -> Output:
        """Create a pending output from a spec built by this package (not re-checked).

        :param container: how ``with`` works on it: None (it does not), ``"scope"``
            (its contents go to a fresh ``dom_id``), ``"loading"`` (as ``"scope"``, and
            removed on exit) or ``"named"`` (its ``dom_id`` is scope ``scope_name``).
        """
        out = cls.__new__(cls)
        out._setup(spec, scope, position, container, scope_name)
        return out

    def _setup(self, spec: dict[str, Any], scope: str | int | None, position: int,
               container: str | None, scope_name: str | None) -> None:
        if isinstance(position, bool) or not isinstance(position, int):
            raise TypeError(f"position must be an int, got {position!r}")
        session, task = context.current_task()
        if session.is_closed:
            raise SessionClosed()
        self.spec = spec
        self._session = session
        self._task_id = task.id
        self._target = scope_selector(resolve_scope(session, scope))
        self._position = position
        self._state = State.PENDING
        self._container = container
        self._scope_name = scope_name
        delivery.enqueue(session, task, self)

    def command(self) -> Command:
        """The command that shows this output."""
        return commands.output(self.spec, self._target, self._position)

    def _embed(self) -> dict[str, Any]:
        """This output's spec, to go inline into another; it is not sent on its own.
        An output already sent is copied (the shown one stays)."""
        if self._state is State.PENDING:
            self._state = State.EMBEDDED
        return self.spec

    def _check_changeable(self, what: str) -> None:
        if self._state is not State.PENDING:
            raise RuntimeError(f"cannot {what} a {self.spec['type']!r} output that was already {self._state}: "
                               f"call it right where the output is created, e.g. put_text('x').{what}(...)")

    def style(self, css_style: str) -> Output:
        """Add CSS declarations to the output's style attribute; returns the output.

        .. code-block:: python

            put_text("hello").style("color: red; font-size: 20px")

        :raises TypeError: for a non-str. :raises RuntimeError: once sent or embedded.
        """
        if not isinstance(css_style, str):
            raise TypeError(f"style() needs a CSS str, got {css_style!r}")
        self._check_changeable("style")
        old = self.spec.get("style")
        self.spec["style"] = f"{old};{css_style}" if old else css_style
        return self

    def onclick(self, callback: Callable[[], Any]) -> Output:
        """Call ``callback()`` (in a new task) when the user clicks the output.

        .. code-block:: python

            put_text("click me").onclick(lambda: toast("clicked"))

        :raises TypeError: for a non-callable. :raises RuntimeError: once sent or embedded.
        """
        check_callback(callback, "onclick callback")
        self._check_changeable("onclick")
        self.spec["click_callback_id"] = self._session.register_callback(lambda _data: callback())
        return self

    def send(self) -> None:
        """Show the output now (with the task's older pending outputs before it).
        Sending one already shown or embedded shows another copy.

        .. code-block:: python

            banner = put_text("Welcome")
            banner.show()
        """
        session, task = context.current_task()
        if self._state is State.PENDING:
            delivery.send_output(session, self._task_id, self)
        else:
            delivery.send(session, task.id, self.command())

    show = send

    def __enter__(self) -> str:
        """Enter the output as a scope: it is shown now, and what is output inside the
        block goes into it. Returns the scope name.

        .. code-block:: python

            with put_collapse("Details") as name:
                put_text("inside the collapse, scope", name)
        """
        if self._container is None:
            raise TypeError(f"a {self.spec['type']!r} output cannot be used in a with block")
        if self._container == "named":
            name = self._scope_name or ""
        elif "dom_id" in self.spec:
            name = self.spec["dom_id"][len(DOM_PREFIX):]
        else:
            if self._state is not State.PENDING:
                raise RuntimeError("enter an output as a scope right where it is created: "
                                   f"this {self.spec['type']!r} output was already {self._state}")
            name = random_scope_name()
            self.spec["dom_id"] = scope_dom_id(name)
        if self._state is State.PENDING:
            self.send()  # it is a scope now, not something to embed
        self._session.push_scope(name)
        return name

    def __exit__(self, *exc: object) -> None:
        name = self._session.pop_scope()
        if self._container == "loading":
            delivery.send_current(commands.output_ctl(remove=scope_selector(name)))

    def __repr__(self) -> str:
        return f"<Output {self.spec.get('type')} {self._state}>"


# ---------------------------------------------------------------------------- nesting
def embed(value: Any) -> Any:
    """A nested value as it goes into a parent spec: an Output's spec (it is then
    not sent on its own), a str as is, anything else as ``str(value)``."""
    if isinstance(value, Output):
        return value._embed()
    if isinstance(value, str):
        return value
    return str(value)


def contents_of(content: Any) -> list[Any]:
    """A ``content`` argument (one item, a list/tuple of them, or None) as a list of
    embedded items."""
    if content is None:
        return []
    if isinstance(content, list | tuple):
        return [embed(item) for item in content]
    return [embed(content)]


def _discard(values: Iterable[Any]) -> None:
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, Output):
            if item._state is State.PENDING:
                item._state = State.DISCARDED
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Span):
            stack.append(item.content)


def discard_on_error(fn: F) -> F:
    """Decorate a put_* function taking nested outputs: if it raises, the outputs
    passed to it are dropped rather than shown on their own."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BaseException:
            _discard([args, kwargs])
            raise

    return wrapper  # type: ignore[return-value]
