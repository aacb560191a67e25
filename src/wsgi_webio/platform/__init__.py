"""PyWebIO 1.8's ``pywebio.platform``, on wsgi_webio's WSGI stack.

Owns the public names of the package: ``start_server``, ``path_deploy``,
``path_deploy_http``, ``config``, ``seo``, ``run_event_loop``, and the submodules
``flask`` and ``django`` (``webio_view``, ``wsgi_app``, ``start_server``). ``tornado``,
``tornado_http``, ``aiohttp`` and ``fastapi`` exist and raise an ImportError naming the
WSGI equivalent. Every difference from PyWebIO is listed in docs/pywebio-compat.md, which
a test keeps true. Names load lazily (PEP 562): importing this package starts nothing and
imports no gevent; ``config`` and ``seo`` are pure.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = (
    ("config", "pageconf"),
    ("seo", "pageconf"),
    ("start_server", "serve"),
    ("path_deploy", "pathdeploy"),
    ("path_deploy_http", "pathdeploy"),
    ("run_event_loop", "toplevel"),
)
_SUBMODULES = ("flask", "django", "tornado", "tornado_http", "aiohttp", "fastapi")

__all__ = ["config", "path_deploy", "path_deploy_http", "run_event_loop", "seo", "start_server"]

if TYPE_CHECKING:
    from .pageconf import config, seo
    from .pathdeploy import path_deploy, path_deploy_http
    from .serve import start_server
    from .toplevel import run_event_loop


def __getattr__(name: str) -> Any:
    for export, module in _EXPORTS:
        if export == name:
            return getattr(importlib.import_module(f".{module}", __name__), name)
    if name in _SUBMODULES:  # pywebio.platform.flask works without importing it first, as in PyWebIO
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'wsgi_webio.platform' has no attribute {name!r}")
