"""Pin widgets with PyWebIO 1.8.4's names: ``from wsgi_webio.pin import *`` works
where ``from pywebio.pin import *`` did.

Owns the public pin API's names and nothing else: it only re-exports, from the
``ui`` package (``ui/pins.py``: the widgets; ``ui/pin_values.py``: reading, writing
and watching their values). Must not define anything itself.

.. code-block:: python

    from wsgi_webio.pin import *

    put_input("name", label="Your name")
    put_select("lang", ["Python", "Go"], label="Language")
    while True:
        changed = pin_wait_change("name", "lang")
        put_text(f"{changed['name']} is now {changed['value']!r}")
"""

from __future__ import annotations

from .ui.pin_values import get_pin_values, pin, pin_on_change, pin_update, pin_wait_change
from .ui.pins import (
    put_actions,
    put_checkbox,
    put_file_upload,
    put_input,
    put_radio,
    put_select,
    put_slider,
    put_textarea,
)

__all__ = [
    "get_pin_values",
    "pin",
    "pin_on_change",
    "pin_update",
    "pin_wait_change",
    "put_actions",
    "put_checkbox",
    "put_file_upload",
    "put_input",
    "put_radio",
    "put_select",
    "put_slider",
    "put_textarea",
]
