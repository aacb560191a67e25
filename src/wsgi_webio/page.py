"""The HTML page and the packaged static assets.

Owns the page that boots the browser client for one app, the generated index of
apps, and serving ``static/`` with ETags (no CDN: every asset is in the package).
Honours SCRIPT_NAME so the app works wherever it is mounted. No session logic.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
from collections.abc import Callable, Mapping
from functools import lru_cache
from http import HTTPStatus
from importlib import resources
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .config import WebIOConfig

__all__ = ["STATIC_PREFIX", "index_response", "page_response", "static_response"]

#: Where static assets live under the app's mount point.
STATIC_PREFIX = "/_webio/static/"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}webio.css?v={css_tag}">
</head>
<body>
<div id="webio-status" role="status" aria-live="polite"></div>
<main id="output-container"><div id="pywebio-scope-ROOT" class="webio-scope"></div></main>
<section id="input-container" aria-label="input"></section>
<script src="{static}webio.js?v={js_tag}"></script>
<script type="application/json" id="webio-config">{config}</script>
<script>WebIO.start(JSON.parse(document.getElementById("webio-config").textContent));</script>
</body>
</html>
"""


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, str] | None:
    """(content, etag) of a packaged static file; None if there is no such file."""
    if not name or "/" in name or name.startswith("."):
        return None
    ref = resources.files("wsgi_webio").joinpath("static", name)
    if not ref.is_file():
        return None
    data = ref.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _tag(name: str) -> str:
    """The version tag of a packaged asset for its URL (``?v=``): its ETag."""
    return (_asset(name) or (b"", ""))[1]


def static_response(request: Request, name: str) -> Response:
    asset = _asset(name)
    if asset is None:
        return Response(f"no static file {name!r}\n", status=HTTPStatus.NOT_FOUND, content_type="text/plain")
    data, etag = asset
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    response = Response(data, content_type=content_type)
    response.set_etag(etag)
    # Versioned URLs (?v=etag) may be cached for a year; plain ones revalidate.
    if request.args.get("v") == etag:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _static_base(request: Request) -> str:
    return request.script_root + STATIC_PREFIX


def _title(fn: Callable[..., Any], default: str) -> str:
    doc = (getattr(fn, "__doc__", None) or "").strip()
    return doc.split("\n\n", 1)[0].strip() or default


def page_response(request: Request, app_name: str, fn: Callable[..., Any], config: WebIOConfig) -> Response:
    """The page that runs ``app_name`` in the browser."""
    static = _static_base(request)
    client_config = {"app": app_name, "debug": config.debug, "max_message_size": config.max_message_size}
    body = _PAGE.format(
        title=html.escape(_title(fn, config.title)),
        static=html.escape(static),
        css_tag=_tag("webio.css"),
        js_tag=_tag("webio.js"),
        config=json.dumps(client_config).replace("<", "\\u003c"),
    )
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def index_response(request: Request, applications: Mapping[str, Callable[..., Any]], config: WebIOConfig) -> Response:
    """A list of the apps, when none is named ``index``."""
    items = "\n".join(
        f'<li><a href="?app={html.escape(name, quote=True)}">{html.escape(_title(fn, name))}</a></li>'
        for name, fn in applications.items()
    )
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(config.title)}</title>'
        f'<link rel="stylesheet" href="{html.escape(_static_base(request))}webio.css?v={_tag("webio.css")}"></head>'
        f'<body><main id="output-container"><h1>{html.escape(config.title)}</h1><ul>{items}</ul></main></body></html>'
    )
    return Response(body, content_type="text/html; charset=utf-8")
