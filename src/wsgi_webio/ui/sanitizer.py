"""An allowlist HTML sanitizer for ``put_html(..., sanitize=True)`` and ``put_markdown``.

Owns which tags, attributes and URL schemes survive: everything else is dropped
(``script``, ``style``, ``iframe`` and the like with their content), every ``on*``
handler goes, and text is re-escaped. The one form control kept is a disabled
checkbox (a Markdown task list's, as DOMPurify lets marked's through in PyWebIO).
Stdlib ``html.parser`` only; pure text in, text out: no session, no gevent. Not a
general-purpose sanitizer: it only has to make author-supplied HTML inert before the
client inserts it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Final

from ..core.urls import is_safe_image_src, is_safe_link

__all__ = ["sanitize_html"]

_ALLOWED_TAGS: Final = frozenset(
    "a abbr address article aside b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn "
    "div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li main mark nav ol p pre q rp "
    "rt ruby s samp section small span strong sub summary sup table tbody td tfoot th thead time tr u ul var wbr"
    .split()
)
#: Dropped together with everything inside them.
_DROP_WITH_CONTENT: Final = frozenset(
    "script style iframe frame frameset object embed applet noscript noembed template title head meta link base svg "
    "math textarea select option xmp plaintext noframes".split()
)
_VOID_TAGS: Final = frozenset({"br", "hr", "img", "col", "wbr", "input"})
_GLOBAL_ATTRS: Final = frozenset({"class", "title", "lang", "dir", "style", "role", "aria-label", "aria-hidden"})
_TAG_ATTRS: Final = MappingProxyType({
    "a": frozenset({"href", "target", "rel", "name"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "align", "valign"}),
    "th": frozenset({"colspan", "rowspan", "align", "valign", "scope"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
    "time": frozenset({"datetime"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "p": frozenset({"align"}),
    "div": frozenset({"align"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "width"}),
})
_URL_ATTRS: Final = frozenset({"href", "src", "cite"})
#: A ``style`` attribute with any of these is dropped whole: CSS that loads URLs (a
#: request the page did not ask for, or a script URL in old engines), legacy script
#: hooks, and backslash escapes that could spell them.
_UNSAFE_STYLE: Final = re.compile(r"url\s*\(|image-set|expression|javascript|vbscript|@import|behavior|binding|\\",
                                  re.IGNORECASE)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1] or tag in _DROP_WITH_CONTENT:
                self.dropping.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if tag not in _VOID_TAGS and tag not in ("meta", "link", "base"):
                self.dropping.append(tag)
            return
        if tag == "input":
            self._checkbox(attrs)
            return
        if tag not in _ALLOWED_TAGS:
            return
        allowed = _TAG_ATTRS.get(tag, frozenset())
        parts = [tag]
        for name, value in attrs:
            if name not in _GLOBAL_ATTRS and name not in allowed:
                continue
            value = value or ""
            safe = is_safe_image_src if tag == "img" and name == "src" else is_safe_link
            if name in _URL_ATTRS and not safe(value):
                continue
            if name == "style" and _UNSAFE_STYLE.search(value):
                continue
            parts.append(f'{name}="{html.escape(value, quote=True)}"')
        self.out.append("<" + " ".join(parts) + ">")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def _checkbox(self, attrs: list[tuple[str, str | None]]) -> None:
        """An ``<input>`` survives only as a disabled checkbox, with nothing but its state."""
        values = dict(attrs)
        if (values.get("type") or "").strip().lower() == "checkbox":
            self.out.append('<input type="checkbox" disabled' + (" checked" if "checked" in values else "") + ">")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def sanitize_html(markup: str) -> str:
    """Keep only allowlisted tags and attributes of ``markup``; safe to insert as HTML.

    .. code-block:: python

        sanitize_html('<b onclick="x()">hi</b><script>x()</script>') == "<b>hi</b>"
    """
    parser = _Sanitizer()
    parser.feed(markup)
    return parser.result()
