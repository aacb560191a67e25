"""Input functions with PyWebIO 1.8's names: ``from wsgi_webio.input import *``
works where ``from pywebio.input import *`` did.

Owns the public input API's names and nothing else: it only re-exports, from the
``ui`` package (``ui/inputs.py``: the input functions; ``ui/widgets.py``: their
items; ``ui/forms.py``: the form round trip and ``input_update``). Must not define
anything itself.

.. code-block:: python

    from wsgi_webio.input import *

    age = input("How old are you?", type=NUMBER, validate=lambda v: None if v > 0 else "Too young")
    info = input_group("User", [input("Name", name="name"), select("Role", ["dev", "ops"], name="role")])
"""

from __future__ import annotations

from .ui.forms import input_update
from .ui.inputs import (
    CHECKBOX,
    COLOR,
    DATE,
    DATETIME,
    DATETIME_LOCAL,
    FLOAT,
    NUMBER,
    PASSWORD,
    RADIO,
    SELECT,
    TEXT,
    TEXTAREA,
    TIME,
    URL,
    actions,
    checkbox,
    file_upload,
    input,
    input_group,
    radio,
    select,
    slider,
    textarea,
)

__all__ = [
    "CHECKBOX", "COLOR", "DATE", "DATETIME", "DATETIME_LOCAL", "FLOAT", "NUMBER", "PASSWORD", "RADIO", "SELECT",
    "TEXT", "TEXTAREA", "TIME", "URL",
    "actions", "checkbox", "file_upload", "input", "input_group", "input_update", "radio", "select", "slider",
    "textarea",
]
