"""The harness's model of a page's output: nodes, scopes and positions.

Owns turning output specs (docs/ui-spec.md) into a tree of Nodes, inserting them
at a scope and position as the browser client does, and reading their text. Pure
data: no session, no gevent.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Node", "OutputTree", "node_from_spec"]

_TAG = re.compile(r"<[^>]+>")
ROOT_ID = "pywebio-scope-ROOT"


def _strip_html(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


class Node:
    """One rendered output (or scope). ``spec`` is the output spec as received."""

    __slots__ = ("type", "spec", "children", "parent", "dom_id", "_click")

    def __init__(self, type_: str, spec: dict[str, Any], dom_id: str | None = None) -> None:
        self.type = type_
        self.spec = spec
        self.children: list[Node] = []
        self.parent: Node | None = None
        self.dom_id = dom_id
        self._click: Callable[[Node], None] | None = None

    def add(self, child: Node, position: int = -1) -> None:
        """Insert as the browser client does: -1 appends, 0 prepends, n >= 0 goes
        before child n, n < 0 after child ``len + n``."""
        child.parent = self
        kids = self.children
        if position == -1 or position >= len(kids):
            kids.append(child)
        elif position >= 0:
            kids.insert(position, child)
        else:
            kids.insert(max(0, len(kids) + position + 1), child)

    def remove(self) -> None:
        if self.parent is not None:
            self.parent.children.remove(self)
            self.parent = None

    @property
    def text(self) -> str:
        """The visible text of this node and its descendants, one line per block."""
        return "\n".join(part for part in self._texts() if part)

    def _texts(self) -> Iterator[str]:
        spec = self.spec
        kind = self.type
        if kind == "text":
            yield str(spec.get("content", ""))
        elif kind in ("markdown",):
            yield _strip_html(str(spec.get("html", ""))).strip()
        elif kind == "html":
            yield _strip_html(str(spec.get("content", ""))).strip()
        elif kind == "code":
            yield str(spec.get("content", ""))
        elif kind == "buttons":
            yield " ".join(str(b.get("label", "")) for b in spec.get("buttons", []))
        elif kind in ("file", "link"):
            yield str(spec.get("label") or spec.get("name") or "")
        elif kind == "processbar":
            yield str(spec.get("label") or "")
        elif kind == "collapse":
            yield str(spec.get("title", ""))
        elif kind == "widget":
            yield _strip_html(_render_template(str(spec.get("template", "")), spec.get("data") or {}))
        elif kind == "pin":
            yield str((spec.get("input") or {}).get("label", ""))
        for child in self.children:
            yield child.text

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def click(self) -> None:
        """Click this output (its ``click_callback_id``)."""
        if self._click is None:
            raise AssertionError(f"{self!r} is not clickable")
        self._click(self)

    def __repr__(self) -> str:
        text = self.text.replace("\n", " ")
        return f"<Node {self.type} {text[:40]!r}>"


def _render_template(template: str, data: dict[str, Any]) -> str:
    """Enough of the widget template language to read a widget's text."""

    def lookup(name: str) -> Any:
        value: Any = data
        for part in name.strip().split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    out = re.sub(r"\{\{[#^/&]?\s*[\w.]*\s*\}\}", lambda m: "" if m.group(0)[2] in "#^/&" else str(
        lookup(m.group(0)[2:-2]) or ""), template)
    return out


def node_from_spec(spec: Any, on_click: Callable[[Node], None] | None = None) -> Node:
    """Build the Node tree of an output spec (a string is a text output)."""
    if isinstance(spec, str):
        spec = {"type": "text", "content": spec, "inline": True}
    if not isinstance(spec, dict) or "type" not in spec:
        raise AssertionError(f"not an output spec: {spec!r}")
    node = Node(spec["type"], spec, spec.get("dom_id"))
    if spec.get("click_callback_id") and on_click is not None:
        node._click = on_click

    def child(sub: Any) -> None:
        node.add(node_from_spec(sub, on_click))

    kind = spec["type"]
    if kind == "table":
        for row in spec.get("data", []):
            for cell in row:
                child(cell)
    elif kind == "tabs":
        for tab in spec.get("tabs", []):
            child({"type": "text", "content": str(tab.get("title", "")), "inline": True})
            for sub in tab.get("content") or []:
                child(sub)
    elif kind == "grid":
        for row in spec.get("cells", []):
            for cell in row:
                child(cell)
    elif kind == "widget":
        for value in (spec.get("data") or {}).values():
            for sub in value if isinstance(value, list) else [value]:
                if isinstance(sub, dict) and "type" in sub:
                    child(sub)
    else:
        contents = spec.get("contents")
        if isinstance(contents, list):
            for sub in contents:
                child(sub)
    return node


class OutputTree:
    """The page's output area: the ROOT scope and every element id in it."""

    def __init__(self) -> None:
        self.root = Node("scope", {"type": "scope", "dom_id": ROOT_ID}, ROOT_ID)

    def by_id(self, dom_id: str) -> Node | None:
        for node in self.root.walk():
            if node.dom_id == dom_id:
                return node
        return None

    def select(self, selector: str, extra_roots: list[Node] | None = None) -> Node | None:
        """The node a ``#id`` selector names (in the page or in ``extra_roots``, e.g. a popup)."""
        if not selector.startswith("#"):
            raise AssertionError(f"the harness understands only #id selectors, got {selector!r}")
        dom_id = selector[1:]
        for root in [self.root, *(extra_roots or [])]:
            for node in root.walk():
                if node.dom_id == dom_id:
                    return node
        return None
