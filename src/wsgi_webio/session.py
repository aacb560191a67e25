"""The session API with PyWebIO 1.8's ``pywebio.session`` names: ``from
wsgi_webio.session import *`` works where ``from pywebio.session import *`` did.

Owns the public session API's names and nothing else: it only re-exports, from
``ui/session_api.py`` (``local``, ``info``, ``defer_call``, ``run_async``,
``register_thread``, ``hold``, ``run_js``, ``eval_js``, ``download``, ``set_env``,
``go_app``, ``run_asyncio_coroutine``). Must not define anything itself.

.. code-block:: python

    from wsgi_webio.session import *

    set_env(title="Awesome app")
    run_js("console.log(a + b)", a=1, b=2)
"""

from __future__ import annotations

from .ui.session_api import (
    data,
    defer_call,
    download,
    eval_js,
    get_current_session,
    get_current_task_id,
    get_info,
    go_app,
    hold,
    info,
    local,
    register_thread,
    run_async,
    run_asyncio_coroutine,
    run_blocking,
    run_js,
    set_env,
)

__all__ = [
    "data",
    "defer_call",
    "download",
    "eval_js",
    "get_current_session",
    "get_current_task_id",
    "get_info",
    "go_app",
    "hold",
    "info",
    "local",
    "register_thread",
    "run_async",
    "run_asyncio_coroutine",
    "run_blocking",
    "run_js",
    "set_env",
]
