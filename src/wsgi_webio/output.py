"""Output functions with PyWebIO 1.8's names: ``from wsgi_webio.output import *``
works where ``from pywebio.output import *`` did.

Owns the public output API's names and nothing else: it only re-exports, from the
``ui`` package (``ui/outputs.py``: ``Output``; ``ui/delivery.py``: when pending
outputs are sent; ``ui/content.py`` and ``ui/media.py``: content; ``ui/layout.py``: containers;
``ui/scopes.py``: scopes, popups, toasts). Must not define anything itself.

Every ``put_xxx()`` returns an ``Output`` that is shown at once and in order: it
is sent before the task's next command, before it waits for the user, or as soon
as it yields to the event loop (a sleep, a socket), unless it was passed into
another output first (``put_table([[put_text("a")]])``), which then carries it.

.. code-block:: python

    from wsgi_webio.output import *

    put_markdown("# Hello")
    with use_scope("results"):
        put_table([["Name", "Score"], ["Ada", 93]])
    put_buttons(["again"], onclick=lambda _: clear("results"))
"""

from __future__ import annotations

from .ui.checks import scope_selector
from .ui.content import (
    put_button,
    put_buttons,
    put_code,
    put_html,
    put_loading,
    put_markdown,
    put_processbar,
    put_progressbar,
    put_table,
    put_text,
    set_processbar,
    set_progressbar,
    span,
)
from .ui.delivery import flush_pending
from .ui.layout import (
    JSFunction,
    OutputHandler,
    datatable_insert,
    datatable_remove,
    datatable_update,
    output,
    put_collapse,
    put_column,
    put_datatable,
    put_error,
    put_grid,
    put_info,
    put_row,
    put_scope,
    put_scrollable,
    put_success,
    put_tabs,
    put_warning,
    put_widget,
    style,
)
from .ui.media import put_file, put_image, put_link
from .ui.outputs import Output
from .ui.scopes import (
    OutputPosition,
    PopupSize,
    Position,
    ScopeContext,
    clear,
    clear_scope,
    close_popup,
    get_scope,
    popup,
    remove,
    scroll_to,
    set_scope,
    toast,
    use_scope,
)

__all__ = [
    "JSFunction",
    "Output",
    "OutputHandler",
    "OutputPosition",
    "PopupSize",
    "Position",
    "ScopeContext",
    "clear",
    "clear_scope",
    "close_popup",
    "datatable_insert",
    "datatable_remove",
    "datatable_update",
    "flush_pending",
    "get_scope",
    "output",
    "popup",
    "put_button",
    "put_buttons",
    "put_code",
    "put_collapse",
    "put_column",
    "put_datatable",
    "put_error",
    "put_file",
    "put_grid",
    "put_html",
    "put_image",
    "put_info",
    "put_link",
    "put_loading",
    "put_markdown",
    "put_processbar",
    "put_progressbar",
    "put_row",
    "put_scope",
    "put_scrollable",
    "put_success",
    "put_table",
    "put_tabs",
    "put_text",
    "put_warning",
    "put_widget",
    "remove",
    "scope_selector",
    "scroll_to",
    "set_processbar",
    "set_progressbar",
    "set_scope",
    "span",
    "style",
    "toast",
    "use_scope",
]
