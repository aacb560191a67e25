"""PyWebIO's ``config()`` and ``seo()`` decorators, and the page settings they give an app.

Owns :func:`config` (PyWebIO 1.8's signature: title, description, theme, js_code,
js_file, css_style, css_file, manifest), the deprecated :func:`seo`, the value they
record on an app function (:class:`PageSettings`, under :data:`SETTINGS_ATTR`), and
:func:`page_settings`, the pure function that turns an app function into what its page
shows: the decorator's values, else the function's docstring (first paragraph: title;
the rest: description), else the defaults. Checks every URL that would reach the page
with :mod:`wsgi_webio.core.urls`.

Pure: no gevent, no WSGI, no HTML. It must not build the page (``page.py`` does) and
keeps nothing process-wide: PyWebIO's direct call ``config(title=...)`` sets a global
configuration, which wsgi_webio has no place for; such a call warns (see :func:`config`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import inspect
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from ..core.urls import url_scheme

__all__ = [
    "SETTINGS_ATTR", "THEMES", "AppDecorator", "PageSettings", "ResolvedPage", "config", "page_settings", "seo",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute of a decorated app function that holds its :class:`PageSettings`.
SETTINGS_ATTR: Final = "__webio_page__"
#: PyWebIO 1.8's themes ("default" is the plain look).
THEMES: Final = frozenset({"default", "dark", "sketchy", "minty", "yeti"})
#: Schemes a ``js_file``/``css_file`` URL may use; relative URLs are allowed too.
ASSET_SCHEMES: Final = frozenset({"http", "https"})


@dataclass(frozen=True)
class PageSettings:
    """What ``@config(...)`` recorded for one app function; None/empty: not set.

    ``manifest`` is PyWebIO's: True (the default manifest), False (none), or a dict of
    manifest fields merged over the default (its ``icon`` key names the icon URL).
    """

    title: str | None = None
    description: str | None = None
    theme: str | None = None
    js_code: str | None = None
    js_file: tuple[str, ...] = ()
    css_style: str | None = None
    css_file: tuple[str, ...] = ()
    manifest: bool | Mapping[str, Any] = True
    _manifest_set: bool = field(default=False, repr=False, compare=False)

    def over(self, base: PageSettings) -> PageSettings:
        """These settings where set, ``base``'s elsewhere (an outer decorator over an inner one)."""
        return replace(
            base,
            title=self.title or base.title,
            description=self.description or base.description,
            theme=self.theme or base.theme,
            js_code=self.js_code or base.js_code,
            js_file=self.js_file or base.js_file,
            css_style=self.css_style or base.css_style,
            css_file=self.css_file or base.css_file,
            manifest=self.manifest if self._manifest_set else base.manifest,
            _manifest_set=self._manifest_set or base._manifest_set,
        )

    def manifest_json(self, title: str, description: str) -> dict[str, Any] | None:
        """The web app manifest for the page (None: no manifest): PyWebIO's default fields,
        with the app's title and description, updated by a dict ``manifest``."""
        if self.manifest is False:
            return None
        manifest: dict[str, Any] = {
            "name": title, "description": description, "start_url": ".", "display": "standalone",
            "theme_color": "white", "background_color": "white",
        }
        if isinstance(self.manifest, Mapping):
            manifest.update(self.manifest)
        return manifest


@dataclass(frozen=True)
class ResolvedPage:
    """What the page of one app shows: :func:`page_settings`' answer."""

    title: str
    description: str
    theme: str
    js_code: str | None
    js_file: tuple[str, ...]
    css_style: str | None
    css_file: tuple[str, ...]
    manifest: dict[str, Any] | None

    def csp_sources(self) -> dict[str, tuple[str, ...]]:
        """What a Content-Security-Policy must add for this page's extras, per directive:
        the hashes of ``js_code`` and ``css_style`` (emit each as the whole text of one
        ``<script>``/``<style>`` element, byte for byte) and the origins of absolute
        ``js_file``/``css_file`` URLs (relative ones are ``'self'``)."""
        script = [_hash_source(self.js_code)] if self.js_code else []
        style = [_hash_source(self.css_style)] if self.css_style else []
        script += [o for o in map(_origin, self.js_file) if o and o not in script]
        style += [o for o in map(_origin, self.css_file) if o and o not in style]
        return {"script-src": tuple(script), "style-src": tuple(style)}


def _hash_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _origin(url: str) -> str | None:
    """The origin of an absolute http(s) URL (None for a relative one)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ASSET_SCHEMES or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.rpartition('@')[2].lower()}"


def _urls(name: str, value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    urls = (value,) if isinstance(value, str) else tuple(value)
    for url in urls:
        if not isinstance(url, str):
            raise TypeError(f"config(): {name} must be a URL or a list of URLs, got {url!r}")
        scheme = url_scheme(url)
        if scheme is not None and scheme not in ASSET_SCHEMES:
            raise ValueError(f"config(): {name} URL {url!r} uses the scheme {scheme!r}; "
                             f"allowed: relative URLs, {', '.join(sorted(ASSET_SCHEMES))}")
    return urls


def _text(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"config(): {name} must be a str, got {value!r}")
    return value


def _settings_of(fn: Any) -> PageSettings | None:
    """The settings recorded on ``fn`` or, through functools.partial, on what it wraps."""
    while True:
        found = getattr(fn, SETTINGS_ATTR, None)
        if isinstance(found, PageSettings):
            return found
        if not isinstance(fn, functools.partial):
            return None
        fn = fn.func


def _wrap(fn: F) -> F:
    """A new function calling ``fn``, of the same kind (plain or ``async def``), so that one
    function can be configured differently under two names, as PyWebIO allows."""
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target):
        raise TypeError(f"config(): {fn!r} is a generator function; wsgi_webio runs plain functions and "
                        "async def functions (docs/async.md)")
    if inspect.iscoroutinefunction(target):
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return await fn(*args, **kwargs)
        wrapper: Callable[..., Any] = async_wrapper
    else:
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)
        wrapper = sync_wrapper
    functools.update_wrapper(wrapper, fn)
    if isinstance(fn, functools.partial):  # a partial has no name or docstring of its own
        for attr in ("__name__", "__qualname__", "__doc__"):
            setattr(wrapper, attr, getattr(target, attr, None))
    return wrapper  # type: ignore[return-value]


class AppDecorator:
    """What :func:`config` returns: apply it to an app function (``@config(...)``).

    Never applied, it warns when it is dropped (PyWebIO's global configuration).
    """

    def __init__(self, settings: PageSettings) -> None:
        self.settings = settings
        self._applied = False

    def __call__(self, fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"config() decorates an app function, got {fn!r}")
        self._applied = True
        inner = _settings_of(fn)
        wrapper = _wrap(fn)
        setattr(wrapper, SETTINGS_ATTR, self.settings.over(inner) if inner else self.settings)
        return wrapper

    def __repr__(self) -> str:
        return f"config({self.settings!r})"

    def __del__(self) -> None:
        if not self._applied:
            warnings.warn(
                "config(...) was called without decorating an app function. PyWebIO makes that a "
                "process-wide setting; wsgi_webio keeps no process-wide state, so it has no effect. "
                "Decorate each app instead: @config(title=...) above `def main():`, or "
                "config(title=...)(main) where you pass it to start_server.",
                UserWarning,
                stacklevel=2,
            )


def config(
    *,
    title: str | None = None,
    description: str | None = None,
    theme: str | None = None,
    js_code: str | None = None,
    js_file: str | Sequence[str] = [],  # noqa: B006 - PyWebIO's default, never mutated
    css_style: str | None = None,
    css_file: str | Sequence[str] = [],  # noqa: B006 - PyWebIO's default, never mutated
    manifest: bool | Mapping[str, Any] = True,
) -> AppDecorator:
    """Page settings of one app, as PyWebIO 1.8's ``pywebio.config``.

    .. code-block:: python

        @config(title="Calculator", css_style="#output-container {max-width: 60em}")
        def main():
            ...

    :param title: the page title (default: the first paragraph of the function's docstring).
    :param description: the page's description (default: the rest of the docstring).
    :param theme: one of ``default``, ``dark``, ``sketchy``, ``minty``, ``yeti``.
    :param js_code: JavaScript added to the page. :param css_style: CSS added to the page.
    :param js_file: URL(s) of scripts to add; :param css_file: URL(s) of style sheets
        (relative, ``http`` or ``https`` only).
    :param manifest: the web app manifest: True (default), False (none), or a dict of fields.
    :returns: a decorator; the decorated function is a new function (the original is
        unchanged) carrying :class:`PageSettings`. A stacked decorator's values win over an
        inner one's.
    :raises ValueError: an unknown theme, a URL with another scheme.
    :raises TypeError: a value of the wrong type.

    Differs from PyWebIO: called without decorating (PyWebIO's global configuration),
    it has no effect and warns.
    """
    if theme is not None and theme not in THEMES:
        raise ValueError(f"config(): unknown theme {theme!r}; themes are: {', '.join(sorted(THEMES))}")
    if not isinstance(manifest, bool | Mapping):
        raise TypeError(f"config(): manifest must be True, False or a dict, got {manifest!r}")
    settings = PageSettings(
        title=_text("title", title) or None,
        description=_text("description", description) or None,
        theme=theme,
        js_code=_text("js_code", js_code) or None,
        js_file=_urls("js_file", js_file),
        css_style=_text("css_style", css_style) or None,
        css_file=_urls("css_file", css_file),
        manifest=dict(manifest) if isinstance(manifest, Mapping) else manifest,
        _manifest_set=manifest is not True,
    )
    return AppDecorator(settings)


def seo(title: str, description: str | None = None, app: Callable[..., Any] | None = None) -> Any:
    """PyWebIO's deprecated ``seo()``: ``config(title=title, description=description)``,
    applied to ``app`` when given (then the configured app is returned).

    :raises DeprecationWarning: as a warning, as PyWebIO does.
    """
    warnings.warn("seo() is deprecated (as in PyWebIO since 1.4): use config(title=..., description=...)",
                  DeprecationWarning, stacklevel=2)
    decorator = config(title=title, description=description)
    if app is not None:
        return decorator(app)
    return decorator


def _docstring(fn: Any) -> tuple[str, str]:
    target = fn
    while isinstance(target, functools.partial):
        target = target.func
    doc = inspect.cleandoc(getattr(target, "__doc__", None) or "")
    title, _, description = doc.partition("\n\n")
    return title.strip(), description.strip()


def page_settings(fn: Callable[..., Any], default_title: str, theme_override: str | None = None) -> ResolvedPage:
    """What the page of app ``fn`` shows: ``@config`` values, else the docstring, else defaults.

    :param default_title: the title when neither ``config`` nor the docstring gives one.
    :param theme_override: a theme that wins over the app's (PyWebIO reads it from the
        ``PYWEBIO_THEME`` environment variable; the caller reads the environment).
    :raises ValueError: for an unknown ``theme_override``.
    """
    if theme_override and theme_override not in THEMES:
        raise ValueError(f"unknown theme {theme_override!r}; themes are: {', '.join(sorted(THEMES))}")
    found = _settings_of(fn)
    settings = found or PageSettings()
    doc_title, doc_description = _docstring(fn)
    title = settings.title or doc_title or default_title
    description = settings.description or doc_description
    return ResolvedPage(
        title=title,
        description=description,
        theme=theme_override or settings.theme or "default",
        js_code=settings.js_code,
        js_file=settings.js_file,
        css_style=settings.css_style,
        css_file=settings.css_file,
        # Only apps that use config() get a manifest (a page per app with one would
        # make every plain app installable as a web app, which nobody asked for).
        manifest=settings.manifest_json(title, description) if found is not None else None,
    )
