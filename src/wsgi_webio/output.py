"""Output functions with PyWebIO 1.8's names: ``from wsgi_webio.output import *``
works where ``from pywebio.output import *`` did.

Owns the public output API and nothing else: the functions live in private
modules (``_out_core``: ``Output`` and when pending outputs are sent;
``_out_names``: scope names and argument checks; ``_out_basic``: content;
``_out_layout``: containers; ``_out_scope``: scopes, popups, toasts). Must not
hold state or talk to transports.

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

from ._out_basic import (
    put_button,
    put_buttons,
    put_code,
    put_file,
    put_html,
    put_image,
    put_link,
    put_loading,
    put_markdown,
    put_processbar,
    put_table,
    put_text,
    set_processbar,
    span,
)
from ._out_core import Output, flush_pending
from ._out_layout import (
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
from ._out_names import scope_selector
from ._out_scope import (
    OutputPosition,
    PopupSize,
    Position,
    ScopeContext,
    clear,
    close_popup,
    get_scope,
    popup,
    remove,
    scroll_to,
    set_scope,
    toast,
    use_scope,
)

#: PyWebIO's other names for the progress bar functions.
put_progressbar = put_processbar
set_progressbar = set_processbar
clear_scope = clear

__all__ = [
    "JSFunction",
    "Output",
    "OutputHandler",
    "OutputPosition",
    "PopupSize",
    "Position",
    "ScopeContext",
    "clear",
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
