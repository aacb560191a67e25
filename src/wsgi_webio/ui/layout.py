"""The layout output functions: outputs that hold other outputs (collapse,
scrollable, tabs, row, column, grid, scope, alerts, widgets), ``style()`` and the
deprecated ``output()`` handle, plus ``put_datatable`` and friends, which are not
supported and say so.

Owns building each one's output spec (docs/ui-spec.md) with nested outputs
embedded. Sends nothing itself but through ``ui/delivery.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final, NoReturn

from ..core import commands
from .checks import (
    Span,
    check_json,
    check_scope_name,
    random_scope_name,
    scope_dom_id,
    scope_selector,
)
from .delivery import send_current
from .outputs import Output, contents_of, discard_on_error, embed

__all__ = [
    "JSFunction",
    "OutputHandler",
    "datatable_insert",
    "datatable_remove",
    "datatable_update",
    "output",
    "put_collapse",
    "put_column",
    "put_datatable",
    "put_error",
    "put_grid",
    "put_info",
    "put_row",
    "put_scope",
    "put_scrollable",
    "put_success",
    "put_tabs",
    "put_warning",
    "put_widget",
    "style",
]

def _gap() -> dict[str, Any]:
    """What a ``None`` item of a row, column or grid becomes: an empty block."""
    return {"type": "html", "content": ""}


@discard_on_error
def put_collapse(title: str, content: Any = (), open: bool = False, scope: str | None = None,
                 position: int = -1) -> Output:
    """A collapsible section. Also a context manager: what is output inside goes into it.

    :param content: a str, an output, or a list of them.
    :param open: whether it starts expanded.

    .. code-block:: python

        put_collapse("Details", [put_text("text"), put_markdown("~~Strikethrough~~")], open=True)
    """
    spec = {"type": "collapse", "title": str(title), "contents": contents_of(content), "open": bool(open)}
    return Output.make(spec, scope, position, container="scope")


def _px(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value}px"
    raise TypeError(f"{what} must be a number of pixels or a CSS size str, got {value!r}")


@discard_on_error
def put_scrollable(content: Any = (), height: int | str | tuple[Any, Any] = 400, keep_bottom: bool = False,
                   border: bool = True, scope: str | None = None, position: int = -1, **kwargs: Any) -> Output:
    """A fixed-height area that scrolls. Also a context manager.

    :param height: pixels (or a CSS size), or ``(min_height, max_height)``.
    :param keep_bottom: stay scrolled to the bottom as content is added.
    :param border: draw a border.

    .. code-block:: python

        put_scrollable(put_scope("log"), height=200, keep_bottom=True)
        put_text("a new line", scope="log")
    """
    if "max_height" in kwargs:
        warnings.warn("put_scrollable(max_height=...) is deprecated; use height=", DeprecationWarning, stacklevel=3)
        height = kwargs.pop("max_height")
    if kwargs:
        raise TypeError(f"put_scrollable() got unexpected arguments {sorted(kwargs)}")
    fixed: str | None = None
    low = high = None
    if isinstance(height, tuple | list):
        if len(height) != 2:
            raise ValueError(f"height must be a size or (min_height, max_height), got {height!r}")
        low, high = _px(height[0], "min_height"), _px(height[1], "max_height")
    else:
        fixed = _px(height, "height")
    spec = {"type": "scrollable", "contents": contents_of(content), "height": fixed, "min_height": low,
            "max_height": high, "keep_bottom": bool(keep_bottom), "border": bool(border)}
    return Output.make(spec, scope, position, container="scope")


@discard_on_error
def put_tabs(tabs: Sequence[Mapping[str, Any]], scope: str | None = None, position: int = -1) -> Output:
    """Tabs: ``[{"title": ..., "content": ...}]``, each content a str, an output or a list.

    .. code-block:: python

        put_tabs([
            {"title": "Text", "content": "Hello world"},
            {"title": "Markdown", "content": put_markdown("~~Strikethrough~~")},
        ])

    :raises ValueError: for a tab without a title or content.
    """
    wire = []
    for tab in tabs:
        if not isinstance(tab, Mapping) or "title" not in tab or "content" not in tab:
            raise ValueError(f"each tab must be a dict with 'title' and 'content', got {tab!r:.80}")
        wire.append({"title": str(tab["title"]), "content": contents_of(tab["content"])})
    return Output.make({"type": "tabs", "tabs": wire}, scope, position)


def _line(kind: str, content: Any, size: str | None, scope: str | None, position: int) -> Output:
    items = list(content) if isinstance(content, list | tuple) else [content]
    if size is not None and not isinstance(size, str):
        raise TypeError(f"size must be a CSS grid template str, got {size!r}")
    if size is None and any(item is None for item in items):
        size = " ".join("10px" if item is None else "1fr" for item in items)
    contents = [_gap() if item is None else embed(item) for item in items]
    return Output.make({"type": kind, "contents": contents, "size": size}, scope, position, container="scope")


@discard_on_error
def put_row(content: Any = (), size: str | None = None, scope: str | None = None, position: int = -1) -> Output:
    """Lay outputs side by side. ``None`` items are 10px gaps. Also a context manager.

    :param size: a CSS grid template for the widths (``"40% 10px 60%"``); equal parts by default.

    .. code-block:: python

        put_row([put_code("A"), None, put_code("B")])
    """
    return _line("row", content, size, scope, position)


@discard_on_error
def put_column(content: Any = (), size: str | None = None, scope: str | None = None,
               position: int = -1) -> Output:
    """Lay outputs out top to bottom. ``None`` items are 10px gaps. Also a context manager.

    .. code-block:: python

        put_column([put_text("top"), None, put_text("bottom")], size="1fr 10px 2fr")
    """
    return _line("column", content, size, scope, position)


def _grid_cell(cell: Any) -> Any:
    if not isinstance(cell, Span):
        return _gap() if cell is None else embed(cell)
    inner = _gap() if cell.content is None else embed(cell.content)
    spec = {"type": "text", "content": inner, "inline": False} if isinstance(inner, str) else dict(inner)
    css = f"grid-row-start: span {cell.row}; grid-column-start: span {cell.col}"
    spec["style"] = f"{spec['style']};{css}" if spec.get("style") else css
    return spec


@discard_on_error
def put_grid(content: Sequence[Sequence[Any]], cell_width: str = "auto", cell_height: str = "auto",
             cell_widths: str | None = None, cell_heights: str | None = None, direction: str = "row",
             scope: str | None = None, position: int = -1) -> Output:
    """A grid of outputs: a list of rows. ``None`` cells are empty, ``span()`` merges cells.

    :param cell_width: the width of every column (``cell_widths`` gives each one).
    :param cell_height: the height of every row (``cell_heights`` gives each one).
    :param direction: ``"row"`` fills row by row, ``"column"`` column by column.

    .. code-block:: python

        put_grid([
            [put_text("A"), put_text("B"), put_text("C")],
            [None, span(put_text("D"), col=2)],
        ], cell_width="100px", cell_height="100px")
    """
    if direction not in ("row", "column"):
        raise ValueError(f"direction must be 'row' or 'column', got {direction!r}")
    widths = [0] * len(content)
    for r, row in enumerate(content):
        for cell in row:
            if isinstance(cell, Span):
                for below in range(r, min(r + cell.row, len(content))):
                    widths[below] += cell.col
            else:
                widths[r] += 1
    columns = max(widths, default=0)
    cells = [[_grid_cell(cell) for cell in row] + [_gap() for _ in range(columns - widths[r])]
             for r, row in enumerate(content)]
    rows = len(cells)
    if direction == "column":
        rows, columns = columns, rows
    spec = {"type": "grid", "cells": cells, "cell_width": cell_width, "cell_height": cell_height,
            "cell_widths": cell_widths or f"repeat({columns}, {cell_width})",
            "cell_heights": cell_heights or f"repeat({rows}, {cell_height})", "direction": direction}
    return Output.make(spec, scope, position)


@discard_on_error
def put_scope(name: str, content: Any = (), scope: str | None = None, position: int = -1) -> Output:
    """A named scope, with initial content; ``with put_scope(name):`` enters it.

    .. code-block:: python

        put_scope("results", [put_text("nothing yet")])
        put_text("first result", scope="results")

    :raises ValueError: for a name with characters other than ``[A-Za-z0-9_-]``.
    """
    check_scope_name(name)
    spec = {"type": "scope", "dom_id": scope_dom_id(name), "contents": contents_of(content)}
    return Output.make(spec, scope, position, container="named", scope_name=name)


def _alert(kind: str, contents: tuple[Any, ...], closable: bool, scope: str | None, position: int) -> Output:
    spec = {"type": "alert", "kind": kind, "contents": contents_of(list(contents)), "closable": bool(closable)}
    return Output.make(spec, scope, position, container="scope")


@discard_on_error
def put_info(*contents: Any, closable: bool = False, scope: str | None = None, position: int = -1) -> Output:
    """An information message box. Items are outputs or text. Also a context manager.

    .. code-block:: python

        put_info("Saved.", put_link("open it", url="/files/1"), closable=True)
    """
    return _alert("info", contents, closable, scope, position)


@discard_on_error
def put_success(*contents: Any, closable: bool = False, scope: str | None = None, position: int = -1) -> Output:
    """A success message box (see ``put_info``).

    .. code-block:: python

        put_success("Uploaded 3 files")
    """
    return _alert("success", contents, closable, scope, position)


@discard_on_error
def put_warning(*contents: Any, closable: bool = False, scope: str | None = None, position: int = -1) -> Output:
    """A warning message box (see ``put_info``).

    .. code-block:: python

        put_warning("Disk almost full")
    """
    return _alert("warning", contents, closable, scope, position)


@discard_on_error
def put_error(*contents: Any, closable: bool = False, scope: str | None = None, position: int = -1) -> Output:
    """An error message box (see ``put_info``).

    .. code-block:: python

        put_error("Could not connect", closable=True)
    """
    return _alert("error", contents, closable, scope, position)


def _embed_data(value: Any) -> Any:
    if isinstance(value, Output):
        return value._embed()
    if isinstance(value, list | tuple):
        return [_embed_data(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _embed_data(item) for key, item in value.items()}
    return value


@discard_on_error
def put_widget(template: str, data: Mapping[str, Any], scope: str | None = None, position: int = -1) -> Output:
    """A widget of your own: an HTML template filled with ``data`` by the browser.

    The template language is a logic-less subset of Mustache: ``{{name}}`` (the
    value as text, dotted paths allowed), ``{{#list}}...{{/list}}`` (repeated per
    item, ``{{.}}`` is the item; a false or empty value hides it), ``{{^name}}...{{/name}}``
    (shown when false or empty) and ``{{& name}}``, where the value is an output
    (``put_xxx()``) or a list of outputs, rendered in place; PyWebIO's
    ``{{#contents}}{{& pywebio_output_parse}}{{/contents}}`` renders each output of a
    list. The template is trusted HTML; data never is.

    .. code-block:: python

        put_widget('''<details {{#open}}open{{/open}}>
            <summary>{{title}}</summary>{{& body}}</details>''',
            {"open": True, "title": "More", "body": [put_text("text"), put_markdown("**bold**")]})

    :raises TypeError: for data that is not JSON data and outputs.
    """
    if not isinstance(template, str):
        raise TypeError(f"put_widget() template must be a str, got {template!r:.60}")
    if not isinstance(data, Mapping):
        raise TypeError(f"put_widget() data must be a dict, got {data!r:.60}")
    wire = _embed_data(data)
    check_json(wire, "put_widget() data")
    return Output.make({"type": "widget", "template": template, "data": wire}, scope, position)


def style(outputs: Output | Sequence[Output], css_style: str) -> Output | list[Output]:
    """Add CSS to an output or to each of a list of outputs; returns them.

    Deprecated in PyWebIO 1.3: use ``put_xxx(...).style(css)``.

    .. code-block:: python

        put_table([["A", "B"], ["C", style(put_text("Red"), "color: red")]])
    """
    warnings.warn("style() is deprecated; use put_xxx(...).style(css)", DeprecationWarning, stacklevel=2)
    items: list[Any] = list(outputs) if isinstance(outputs, list | tuple) else [outputs]
    for item in items:
        if not isinstance(item, Output):
            raise TypeError(f"style() takes outputs (put_xxx() calls), got {item!r:.60}")
        item.style(css_style)
    return items if isinstance(outputs, list | tuple) else items[0]


class OutputHandler(Output):
    """What the deprecated ``output()`` returns: an output holding a scope you can
    reset, append to and insert into (``put_scope`` does the same with names)."""

    @property
    def scope(self) -> str:
        """The name of the scope this output holds."""
        return self._scope_name or ""

    @staticmethod
    def _take(items: tuple[Any, ...]) -> list[dict[str, Any]]:
        # Every item is embedded before anything is sent: a pending put_xxx() passed here
        # goes into this scope only, never on its own where it was created as well.
        specs = [embed(item) for item in items]
        return [{"type": "text", "content": spec, "inline": False} if isinstance(spec, str) else dict(spec)
                for spec in specs]

    def _put(self, specs: list[dict[str, Any]], position: int, step: int) -> None:
        for offset, spec in enumerate(specs):
            Output.make(spec, self.scope, position + step * offset)

    def reset(self, *outputs: Any) -> None:
        """Replace the content with ``outputs``."""
        specs = self._take(outputs)
        send_current(commands.output_ctl(clear=scope_selector(self.scope)))
        self._put(specs, -1, 0)

    def append(self, *outputs: Any) -> None:
        """Add ``outputs`` at the end."""
        self._put(self._take(outputs), -1, 0)

    def insert(self, idx: int, *outputs: Any) -> None:
        """Insert ``outputs`` at index ``idx`` (negative counts from the end)."""
        self._put(self._take(outputs), idx, 1 if idx >= 0 else -1)


@discard_on_error
def output(*contents: Any) -> OutputHandler:
    """Deprecated in PyWebIO 1.5 (use ``put_scope``): a placeholder whose content can be
    changed later with ``reset()``, ``append()`` and ``insert()``.

    .. code-block:: python

        hobby = output("Coding")
        put_table([["Hobbies", hobby]])
        hobby.append("Music")
    """
    warnings.warn("output() is deprecated; use put_scope()", DeprecationWarning, stacklevel=3)
    name = random_scope_name()
    spec = {"type": "scope", "dom_id": scope_dom_id(name), "contents": contents_of(list(contents))}
    return OutputHandler.make(spec, None, -1, container="named", scope_name=name)  # type: ignore[return-value]


_NO_DATATABLE: Final = ("put_datatable() and the datatable_* functions (ag-grid) are not supported by wsgi_webio; "
                        "use put_table() or put_scrollable(put_table(...)) instead")


class JSFunction:
    """Not supported: a JavaScript function for ``put_datatable()`` options."""

    def __init__(self, *params_and_body: str) -> None:
        raise NotImplementedError(_NO_DATATABLE)


def put_datatable(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported (it needs ag-grid): raises NotImplementedError. Use ``put_table()``."""
    raise NotImplementedError(_NO_DATATABLE)


def datatable_update(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported: raises NotImplementedError."""
    raise NotImplementedError(_NO_DATATABLE)


def datatable_insert(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported: raises NotImplementedError."""
    raise NotImplementedError(_NO_DATATABLE)


def datatable_remove(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported: raises NotImplementedError."""
    raise NotImplementedError(_NO_DATATABLE)
