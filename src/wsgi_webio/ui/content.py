"""The content output functions: text, markdown, HTML, code, tables, buttons,
progress bars and loading spinners (images, files and links: ``ui/media.py``).

Owns building each one's output spec (docs/ui-spec.md) from PyWebIO 1.8's
arguments, with their validation. Sends nothing itself: every function returns a
pending ``Output`` (see ``ui/outputs.py``); must not reach the session but through it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ..core import commands
from ..runtime import context
from . import markdown
from .checks import Span, check_callback, check_json, check_scope_name
from .delivery import send_current
from .outputs import Output, discard_on_error, embed
from .sanitizer import sanitize_html

__all__ = [
    "put_button",
    "put_buttons",
    "put_code",
    "put_html",
    "put_loading",
    "put_markdown",
    "put_processbar",
    "put_progressbar",
    "put_table",
    "put_text",
    "set_processbar",
    "set_progressbar",
    "span",
]

logger = logging.getLogger(__name__)

#: Bootstrap's colour names, which buttons and spinners take (as PyWebIO's did).
COLORS: Final = frozenset({"primary", "secondary", "success", "danger", "warning", "info", "light", "dark"})


def put_text(*texts: Any, sep: str = " ", inline: bool = False, scope: str | None = None,
             position: int = -1) -> Output:
    """Show plain text: never interpreted as HTML.

    :param texts: shown with ``str()``, joined by ``sep``.
    :param inline: a span that continues the line instead of a paragraph.

    .. code-block:: python

        put_text("Hello", name, "!", sep="")
    """
    spec = {"type": "text", "content": str(sep).join(str(t) for t in texts), "inline": bool(inline)}
    return Output.make(spec, scope, position)


def put_markdown(mdcontent: str, lstrip: bool = True, options: Mapping[str, Any] | None = None,
                 sanitize: bool = True, scope: str | None = None, position: int = -1, **kwargs: Any) -> Output:
    """Show Markdown as PyWebIO does (GFM: tables, strikethrough, task lists, bare
    links, and a newline is a line break), rendered on the server.

    :param lstrip: remove the indentation a triple-quoted string gets from the code
        around it.
    :param options: marked.js options (PyWebIO's engine): ``gfm``, ``breaks`` and
        ``smartypants`` are honoured, the others ignored.
    :param sanitize: keep raw HTML but only its harmless tags and attributes (no
        scripts, no ``on*`` handlers, no ``javascript:``/``data:`` links: the default).
        ``sanitize=False`` lets any HTML through: only for trusted text.
    :raises ValueError: for an unknown option. :raises TypeError: for an unknown argument.

    .. code-block:: python

        put_markdown('''
            # Results
            **42** items, see [the docs](https://example.org).
        ''')
    """
    if "strip_indent" in kwargs:
        import warnings

        warnings.warn("put_markdown(strip_indent=...) is deprecated; lstrip=True removes indentation",
                      DeprecationWarning, stacklevel=2)
        mdcontent = markdown.strip_spaces(str(mdcontent), kwargs.pop("strip_indent"))
    if kwargs:
        raise TypeError(f"put_markdown() got unexpected arguments {sorted(kwargs)}")
    if not isinstance(mdcontent, str):
        raise TypeError(f"put_markdown() needs a str, got {mdcontent!r:.60}")
    if lstrip:
        mdcontent = markdown.strip_code_indent(mdcontent)
    rendered = markdown.render_markdown(mdcontent, sanitize=bool(sanitize), options=options)
    # ``html`` is what our client shows; ``content``, ``options`` and ``sanitize`` are
    # PyWebIO's fields, so its own client (marked + DOMPurify) renders the same text.
    spec: dict[str, Any] = {"type": "markdown", "html": rendered, "content": mdcontent, "sanitize": bool(sanitize)}
    if options:
        spec["options"] = dict(options)
        check_json(spec["options"], "put_markdown() options")
    return Output.make(spec, scope, position)


def put_html(html: Any, sanitize: bool = False, scope: str | None = None, position: int = -1) -> Output:
    """Show HTML as is: its ``<script>`` elements run. Only for trusted markup.

    :param html: a str, or an object with ``__html__()`` or ``_repr_html_()`` (a
        pandas DataFrame, a Bokeh or Plotly figure...).
    :param sanitize: keep only harmless tags and attributes (no scripts, no ``on*``
        handlers, no ``javascript:`` URLs).

    .. code-block:: python

        put_html("<h3>Title</h3><p>Some <b>bold</b> text</p>")
    """
    if hasattr(html, "__html__"):
        html = html.__html__()
    elif hasattr(html, "_repr_html_"):
        html = html._repr_html_()
    if not isinstance(html, str):
        raise TypeError(f"put_html() needs a str or an object with __html__/_repr_html_, got {html!r:.60}")
    return Output.make({"type": "html", "content": sanitize_html(html) if sanitize else html}, scope, position)


def put_code(content: Any, language: str = "", rows: int | None = None, scope: str | None = None,
             position: int = -1) -> Output:
    """Show code in a monospace block.

    :param language: the language name, for highlighting (a class ``language-X``).
    :param rows: the most lines shown before it scrolls (None: all).

    .. code-block:: python

        put_code("print('hi')", language="python")
    """
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        raise ValueError(f"rows must be a positive int or None, got {rows!r}")
    spec = {"type": "code", "content": str(content), "language": str(language or ""), "rows": rows}
    return Output.make(spec, scope, position)


def span(content: Any, row: int = 1, col: int = 1) -> Span:
    """A cell of ``put_table()`` or ``put_grid()`` spanning rows and/or columns.

    .. code-block:: python

        put_table([["C"], [span("E", col=2)]], header=[span("A", row=2), "B"])

    :raises ValueError: for a span below 1.
    """
    return Span(content, row, col)


def _header_parts(header: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """(labels, keys) of a header given as labels or (label, key) pairs."""
    labels, keys = [], []
    for item in header:
        if isinstance(item, tuple | list):
            if len(item) != 2:
                raise ValueError(f"a table header item must be a label or a (label, key) pair, got {item!r}")
            labels.append(item[0])
            keys.append(item[1])
        else:
            labels.append(item)
            keys.append(item)
    return labels, keys


@discard_on_error
def put_table(tdata: Sequence[Sequence[Any] | Mapping[str, Any]], header: Sequence[Any] | None = None,
              scope: str | None = None, position: int = -1) -> Output:
    """Show a table. Cells are text or outputs (``put_xxx()``), ``span()`` merges cells.

    :param tdata: rows, as lists or as dicts (then ``header`` orders their keys).
    :param header: the header row: labels, or ``(label, key)`` pairs for dict rows.
        Without it, list rows take their first row as the header and dict rows
        the first row's keys.

    .. code-block:: python

        put_table([["Name", "Score"], ["Ada", put_text("93").style("color: green")]])
        put_table([{"Course": "OS", "Score": 80}], header=["Course", "Score"])
    """
    if isinstance(tdata, str | bytes) or not isinstance(tdata, Sequence):
        raise TypeError(f"put_table() needs a list of rows, got {tdata!r:.60}")
    rows: list[list[Any]]
    if tdata and isinstance(tdata[0], Mapping):
        if header is None:
            keys = list(tdata[0].keys())
            labels: list[Any] = [str(k).capitalize() for k in keys]
        else:
            labels, keys = _header_parts(header)
        for row in tdata:
            if not isinstance(row, Mapping):
                raise TypeError(f"put_table() rows must all be dicts or all lists, got {row!r:.60}")
        rows = [labels] + [[row.get(k, "") for k in keys] for row in tdata]  # type: ignore[union-attr]
    else:
        rows = [list(row) for row in tdata]
        if header is not None:
            rows.insert(0, _header_parts(header)[0])
    spans: dict[str, dict[str, int]] = {}
    data: list[list[Any]] = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            if isinstance(cell, Span):
                spans[f"{r},{c}"] = {"row": cell.row, "col": cell.col}
                cell = cell.content
            cells.append(embed(cell))
        data.append(cells)
    return Output.make({"type": "table", "data": data, "header": 1 if data else 0, "span": spans}, scope, position)


def _button_items(buttons: Sequence[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """(wire buttons with index values, the real values)."""
    if isinstance(buttons, str | bytes) or not isinstance(buttons, Sequence):
        raise TypeError(f"buttons must be a list, got {buttons!r:.60}")
    wire, values = [], []
    for index, item in enumerate(buttons):
        if isinstance(item, Mapping):
            if "label" not in item:
                raise ValueError(f"a button dict needs a 'label', got {item!r}")
            label, value = item["label"], item.get("value", item["label"])
            color, disabled = item.get("color"), item.get("disabled", False)
        elif isinstance(item, tuple | list):
            if len(item) != 2:
                raise ValueError(f"a button pair must be (label, value), got {item!r}")
            (label, value), color, disabled = item, None, False
        else:
            label = value = item
            color, disabled = None, False
        if color is not None and color not in COLORS:
            raise ValueError(f"button color must be one of {sorted(COLORS)}, got {color!r}")
        wire.append({"label": str(label), "value": index, "color": color or "primary", "disabled": bool(disabled)})
        values.append(value)
    return wire, values


def put_buttons(buttons: Sequence[Any], onclick: Callable[[Any], Any] | Sequence[Callable[[], Any]],
                small: bool | None = None, link_style: bool = False, outline: bool = False, group: bool = False,
                scope: str | None = None, position: int = -1, **callback_options: Any) -> Output:
    """A row of buttons; each click runs ``onclick`` in a new task.

    :param buttons: labels, ``(label, value)`` pairs, or dicts with ``label``,
        ``value``, ``color`` (primary, secondary, success, danger, warning, info,
        light, dark) and ``disabled``.
    :param onclick: one function called with the clicked button's value, or one
        function per button called with no argument.
    :param callback_options: ``serial_mode=True`` runs clicks one at a time in one
        task (which may then call ``input()``).
    :raises ValueError: for a malformed button or a count mismatch.
    :raises TypeError: for an unknown callback option.

    .. code-block:: python

        put_buttons(["edit", "delete"], onclick=lambda choice: put_text("You chose", choice))
    """
    unknown = set(callback_options) - {"serial_mode", "mutex_mode"}
    if unknown:
        raise TypeError(f"unknown callback options {sorted(unknown)}; wsgi_webio supports serial_mode "
                        "(and mutex_mode, PyWebIO's name for it with async callbacks)")
    wire, values = _button_items(buttons)
    if callable(onclick):
        single = check_callback(onclick, "onclick")

        def dispatch(index: int) -> Any:
            return single(values[index])
    else:
        given: Any = onclick  # typed as the docs say; checked as anything an app may pass
        if isinstance(given, str | bytes) or not isinstance(given, Sequence):
            raise TypeError(f"onclick must be a function or a list of functions, got {given!r:.60}")
        handlers = [check_callback(h, f"onclick[{i}]") for i, h in enumerate(given)]
        if len(handlers) != len(wire):
            raise ValueError(f"{len(wire)} buttons but {len(handlers)} onclick functions")

        def dispatch(index: int) -> Any:
            return handlers[index]()

    def on_click(index: Any) -> Any:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(wire):
            logger.warning("ignored a click on button %r: there is no such button", index)
            return None
        if wire[index]["disabled"]:
            logger.warning("ignored a click on disabled button %r", wire[index]["label"])
            return None
        return dispatch(index)

    session = context.get_current_session()
    callback_id = session.register_callback(on_click, serial_mode=bool(callback_options.get("serial_mode", False)))
    spec = {"type": "buttons", "callback_id": callback_id, "buttons": wire, "small": bool(small),
            "group": bool(group), "link": bool(link_style), "outline": bool(outline)}
    return Output.make(spec, scope, position)


def put_button(label: Any, onclick: Callable[[], Any], color: str | None = None, small: bool | None = None,
               link_style: bool = False, outline: bool = False, disabled: bool = False, scope: str | None = None,
               position: int = -1) -> Output:
    """One button; a click calls ``onclick()`` in a new task.

    .. code-block:: python

        put_button("click me", onclick=lambda: toast("Clicked"), color="success", outline=True)
    """
    return put_buttons([{"label": label, "value": 0, "color": color, "disabled": disabled}], onclick=[onclick],
                       small=small, link_style=link_style, outline=outline, scope=scope, position=position)


def _progress(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number from 0 to 1, got {value!r}")
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{what} must be from 0 to 1, got {value!r}")
    return float(value)


def put_processbar(name: str, init: float = 0, label: str | None = None, auto_close: bool = False,
                   scope: str | None = None, position: int = -1) -> Output:
    """A progress bar, moved with ``set_processbar(name, value)``.

    :param init: the starting progress, 0 to 1.
    :param label: the text on the bar (default: the percentage).
    :param auto_close: remove the bar when it reaches 1.

    .. code-block:: python

        put_processbar("bar")
        for i in range(1, 11):
            set_processbar("bar", i / 10)
            time.sleep(0.1)
    """
    check_scope_name(name, "progress bar name")
    value = _progress(init, "init")
    spec = {"type": "processbar", "name": name, "value": value,
            "label": f"{value * 100:.1f}%" if label is None else str(label), "auto_close": bool(auto_close)}
    return Output.make(spec, scope, position)


def set_processbar(name: str, value: float, label: str | None = None) -> None:
    """Set the progress (0 to 1) of the bar ``name``; ``label`` defaults to the percentage.

    .. code-block:: python

        set_processbar("bar", 0.5, label="halfway")
    """
    check_scope_name(name, "progress bar name")
    value = _progress(value, "value")
    send_current(commands.set_processbar(name, value, f"{value * 100:.1f}%" if label is None else str(label)))


def put_loading(shape: str = "border", color: str = "dark", scope: str | None = None,
                position: int = -1) -> Output:
    """A loading spinner. As a context manager, what is output inside goes into it
    and all of it is removed when the block ends.

    :param shape: ``"border"`` or ``"grow"``.
    :param color: primary, secondary, success, danger, warning, info, light or dark.

    .. code-block:: python

        with put_loading():
            put_text("Start waiting...")
            time.sleep(3)
        put_text("Done")
    """
    if shape not in ("border", "grow"):
        raise ValueError(f"shape must be 'border' or 'grow', got {shape!r}")
    if color not in COLORS:
        raise ValueError(f"color must be one of {sorted(COLORS)}, got {color!r}")
    return Output.make({"type": "loading", "shape": shape, "color": color}, scope, position, container="loading")


#: PyWebIO's other names for the progress bar functions.
put_progressbar = put_processbar
set_progressbar = set_processbar
