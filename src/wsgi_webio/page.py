"""The HTML page, the packaged static assets and the security headers of every response.

Owns the page that boots the browser client for one app (native ES modules, an import
map that versions each of them, a fresh CSP nonce per page), the generated index of
apps, serving ``static/`` with ETags (no CDN: every asset is in the package), and the
headers every response carries (Content-Security-Policy, frame-ancestors,
X-Content-Type-Options, Referrer-Policy; docs/ui-spec.md explains the policy).
Honours SCRIPT_NAME so the app works wherever it is mounted. No session logic.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import secrets
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from http import HTTPStatus
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from .platform.pageconf import ResolvedPage, page_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

    from .options import WebIOConfig

__all__ = [
    "STATIC_PREFIX",
    "index_response",
    "page_csp",
    "page_response",
    "secure_start_response",
    "security_headers",
    "static_response",
]

#: Where static assets live under the app's mount point.
STATIC_PREFIX = "/_webio/static/"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{description}
<link rel="icon" href="data:,">{manifest}
<link rel="stylesheet" href="{static}webio.css?v={css_tag}">{app_styles}
<script type="importmap" nonce="{nonce}">{import_map}</script>
{preloads}
<script type="module" src="{static}webio.js?v={js_tag}" nonce="{nonce}"></script>
</head>
<body>
<div id="webio-status" role="status" aria-live="polite"></div>
<main id="output-container"><div id="pywebio-scope-ROOT" class="webio-scope"></div></main>
<section id="input-container" aria-label="input"></section>
<script type="application/json" id="webio-config">{config}</script>{app_scripts}
</body>
</html>
"""

#: Static files served; anything else in static/ (package.json) is not.
_SERVED_SUFFIXES = (".js", ".css", ".svg", ".png", ".woff2")
#: Content types of the client's own files (suffix, type).
_TYPES = (("js", "text/javascript"), ("css", "text/css"))


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, str] | None:
    """(content, etag) of a packaged static file; None if there is no such file."""
    if not name or "/" in name or name.startswith(".") or not name.endswith(_SERVED_SUFFIXES):
        return None
    ref = resources.files("wsgi_webio").joinpath("static", name)
    if not ref.is_file():
        return None
    data = ref.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _tag(name: str) -> str:
    """The version tag of a packaged asset for its URL (``?v=``): its ETag."""
    return (_asset(name) or (b"", ""))[1]


@lru_cache(maxsize=1)
def _modules() -> tuple[str, ...]:
    """The client's ES modules (every ``static/*.js``), sorted."""
    folder = resources.files("wsgi_webio").joinpath("static")
    return tuple(sorted(ref.name for ref in folder.iterdir() if ref.name.endswith(".js") and ref.is_file()))


def _json_in_html(value: Any) -> str:
    """JSON for the text of a <script> element: no "</script" can end it early."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def static_response(request: Request, name: str) -> Response:
    asset = _asset(name)
    if asset is None:
        return Response(f"no static file {name!r}\n", status=HTTPStatus.NOT_FOUND, content_type="text/plain")
    data, etag = asset
    # JS and CSS types fixed here, not guessed: the system's table may say text/plain
    # (Windows registries do), which nosniff and module scripts turn into a blank page.
    suffix = name.rpartition(".")[2]
    fixed = next((kind for ext, kind in _TYPES if ext == suffix), None)
    content_type = fixed or mimetypes.guess_type(name)[0] or "application/octet-stream"
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
    return page_settings(fn, default).title


def _app_head(meta: ResolvedPage) -> dict[str, str]:
    """The page's parts from the app's ``@config`` (PyWebIO's ``config``): description,
    manifest, the app's CSS after ours, and its scripts (files, then code) at the end of
    the body, carrying the page nonce. They are classic scripts, so their globals are
    globals as in PyWebIO; they run before the client module, so they cannot call
    ``WebIO`` at their top level (they can from event handlers and timers)."""
    parts = {"description": "", "manifest": "", "app_styles": "", "app_scripts": ""}
    if meta.description:
        parts["description"] = f'\n<meta name="description" content="{html.escape(meta.description)}">'
    if meta.manifest:
        href = "data:application/manifest+json," + quote(json.dumps(meta.manifest, separators=(",", ":")))
        parts["manifest"] = f'\n<link rel="manifest" href="{html.escape(href)}">'
    styles = [f'\n<link rel="stylesheet" href="{html.escape(url)}">' for url in meta.css_file]
    if meta.css_style:
        styles.append("\n<style>" + meta.css_style.replace("</", "<\\/") + "</style>")
    parts["app_styles"] = "".join(styles)
    scripts = [f'\n<script src="{html.escape(url)}" nonce="{{nonce}}"></script>' for url in meta.js_file]
    if meta.js_code:
        scripts.append('\n<script nonce="{nonce}">' + meta.js_code.replace("</", "<\\/") + "</script>")
    parts["app_scripts"] = "".join(scripts)
    return parts


def page_response(request: Request, app_name: str, fn: Callable[..., Any], config: WebIOConfig) -> Response:
    """The page that runs ``app_name`` in the browser, with its own CSP nonce."""
    static = _static_base(request)
    nonce = secrets.token_urlsafe(18)
    client_config = {"app": app_name, "debug": config.debug, "max_message_size": config.max_message_size,
                     "nonce": nonce}
    # Each module's URL carries its content hash, so all of them may be cached for good;
    # the import map gives the relative imports between modules the same versioned URLs.
    url_base = quote(static)
    versioned = {f"{url_base}{name}": f"{url_base}{name}?v={_tag(name)}" for name in _modules()}
    preloads = "\n".join(
        f'<link rel="modulepreload" href="{html.escape(url)}" nonce="{nonce}">' for url in versioned.values()
    )
    meta = page_settings(fn, config.title)
    extras = {key: value.replace("{nonce}", nonce) for key, value in _app_head(meta).items()}
    body = _PAGE.format(
        title=html.escape(meta.title),
        **extras,
        static=html.escape(static),
        css_tag=_tag("webio.css"),
        js_tag=_tag("webio.js"),
        nonce=nonce,
        import_map=_json_in_html({"imports": versioned}),
        preloads=preloads,
        config=_json_in_html(client_config),
    )
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = page_csp(nonce, config.frame_ancestors,
                                                           manifest=meta.manifest is not None)
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


# ---------------------------------------------------------------------- security headers
def _frame_ancestors(sources: Sequence[str] | None) -> str:
    return "" if sources is None else f"; frame-ancestors {' '.join(sources)}"


def page_csp(nonce: str, frame_ancestors: Sequence[str] | None, *, manifest: bool = False) -> str:
    """The Content-Security-Policy of the app page.

    Scripts: only those carrying the page's nonce (the client's modules, and the scripts the
    client itself creates for put_html/run_js: the app's own code) and what they load
    ('strict-dynamic'). No 'unsafe-inline', so inline event handlers and javascript: URLs never
    run; no 'unsafe-eval'. Styles allow 'unsafe-inline': put_html content and the app's
    ``style()`` strings carry style attributes. Other resources (images, media, fonts, frames,
    connections) stay open, as the app's own HTML may use any of them. 'self' is for browsers
    without 'strict-dynamic' (CSP 3 browsers ignore it, and host sources, next to it).
    docs/ui-spec.md explains each choice.
    """
    return (
        f"default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; style-src * 'unsafe-inline'; img-src * data: blob:; "
        "media-src * data: blob:; font-src * data:; frame-src *; connect-src 'self' *"
        + ("; manifest-src 'self' data:" if manifest else "")
        + _frame_ancestors(frame_ancestors)
    )


def security_headers(config: WebIOConfig) -> list[tuple[str, str]]:
    """The headers every response carries. Responses other than the app page (which sets its
    own CSP) get a policy that runs nothing: static files, the index, the HTTP API, errors."""
    sources = config.frame_ancestors
    headers = [
        ("Content-Security-Policy",
         "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
         + _frame_ancestors(sources)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]
    # X-Frame-Options for browsers without frame-ancestors; it can only say self or none.
    if sources is not None and tuple(sources) in (("'self'",), ("'none'",)):
        headers.append(("X-Frame-Options", "SAMEORIGIN" if sources[0] == "'self'" else "DENY"))
    return headers


def secure_start_response(start_response: StartResponse, config: WebIOConfig) -> StartResponse:
    """``start_response`` adding :func:`security_headers` (those a response already has win)."""
    extra = security_headers(config)

    def secured(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        present = {name.lower() for name, _ in headers}
        headers = list(headers) + [(k, v) for k, v in extra if k.lower() not in present]
        return start_response(status, headers, exc_info) if exc_info is not None else start_response(status, headers)

    return secured
