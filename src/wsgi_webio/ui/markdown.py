"""Markdown for ``put_markdown``: rendered to HTML on the server with markdown-it-py.

Owns the markdown dialect (PyWebIO's: marked.js with GFM, ``breaks`` on, so one newline
is a line break; tables, strikethrough, task lists and bare links), the marked options
we accept, safe rendering (with ``sanitize``, raw HTML goes through ``ui/sanitizer.py``
and links and images must pass ``core/urls.py``, as DOMPurify does for PyWebIO's
client), and the removal of a string literal's code indentation. Pure text in, text
out: no session, no gevent, and no shared parser (one is built per call: about 0.2 ms
for a line, under 1 ms for a short document with a table, sanitizing included).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..core.urls import is_safe_link
from .sanitizer import sanitize_html

__all__ = ["DEFAULT_OPTIONS", "render_markdown", "strip_code_indent", "strip_spaces"]

#: marked.js options PyWebIO's client sets for every ``put_markdown`` (its defaults
#: merged with its own ``setOptions``); an app's ``options`` override them.
DEFAULT_OPTIONS: Final = MappingProxyType({"gfm": True, "breaks": True, "smartypants": False})
#: marked.js options (PyWebIO's markdown engine) we honour, and markdown-it's name for each.
_MAPPED_OPTIONS: Final = MappingProxyType({"breaks": "breaks", "smartypants": "typographer"})
#: marked.js options that have no meaning here; accepted so PyWebIO apps port unchanged.
_IGNORED_OPTIONS: Final = frozenset({"pedantic", "headerIds", "headerPrefix", "mangle", "smartLists",
                                     "silent", "xhtml", "langPrefix", "baseUrl", "sanitize"})
#: A GFM task list item starts with ``[ ]`` or ``[x]`` and a space (marked's rule).
_TASK: Final = re.compile(r"\[([ xX])\] ")
#: GFM's bare links (marked's ``gfm`` autolinks): a URL or ``www.`` host, or an email
#: address, starting a word; trailing punctuation is not part of it (``_trim_url``).
_BARE_LINK: Final = re.compile(
    r"(?<![\w@/.])(?:(?:(?:https?|ftp)://|www\.)[^\s<]+|[\w.+-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,})")
_TRAILING: Final = re.compile(r"[?!.,:;*_~'\"]+$")
_A_OPEN: Final = re.compile(r"<a[\s>]", re.IGNORECASE)
_A_CLOSE: Final = re.compile(r"</a\s*>", re.IGNORECASE)


def _allow_all(url: str) -> bool:
    return True


def render_markdown(source: str, *, sanitize: bool = True, options: Mapping[str, Any] | None = None) -> str:
    """Render Markdown as PyWebIO's client does (marked, GFM, line breaks) to HTML.

    :param sanitize: keep only harmless raw HTML (``ui/sanitizer.py``: no scripts, no
        event handlers, no unsafe URLs) and turn links and images whose scheme
        ``core.urls`` does not allow into text. False lets any HTML and link through.
    :param options: marked.js options as PyWebIO took them: ``gfm`` (tables,
        strikethrough, task lists, bare links, line breaks), ``breaks`` and ``smartypants`` work,
        the other marked options are ignored.
    :raises ValueError: for an option marked.js does not have.
    :raises TypeError: for a non-str source.
    """
    if not isinstance(source, str):
        raise TypeError(f"markdown source must be a str, got {source!r:.60}")
    chosen = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if key not in _MAPPED_OPTIONS and key not in _IGNORED_OPTIONS and key != "gfm":
            raise ValueError(f"unknown markdown option {key!r}; supported: {sorted([*_MAPPED_OPTIONS, 'gfm'])}")
        chosen[key] = value
    gfm = bool(chosen.pop("gfm"))
    settings: dict[str, Any] = {"html": True, "xhtmlOut": False}
    for key, value in chosen.items():
        if key in _MAPPED_OPTIONS:
            settings[_MAPPED_OPTIONS[key]] = bool(value)
    settings["breaks"] = settings["breaks"] and gfm  # marked applies breaks to GFM only
    md = MarkdownIt("commonmark", settings)
    if gfm:
        md.enable(["table", "strikethrough"])
        md.core.ruler.push("task_lists", _task_lists)
        md.core.ruler.push("bare_links", _bare_links)
    if settings.get("typographer"):
        md.enable(["replacements", "smartquotes"])
    md.validateLink = is_safe_link if sanitize else _allow_all  # type: ignore[method-assign]
    html: str = md.render(source)
    return sanitize_html(html) if sanitize else html


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, and a closing parenthesis the URL did not open."""
    while True:
        trimmed = _TRAILING.sub("", url)
        if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
            trimmed = trimmed[:-1]
        if trimmed == url:
            return url
        url = trimmed


def _bare_links(state: StateCore) -> None:
    """GFM autolinks: bare URLs, ``www.`` hosts and email addresses in text become links
    (not inside links, raw ``<a>`` or code), if the link policy allows them."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children: list[Token] = []
        depth = 0
        for child in token.children:
            if child.type == "link_open" or (child.type == "html_inline" and _A_OPEN.match(child.content)):
                depth += 1
            elif child.type == "link_close" or (child.type == "html_inline" and _A_CLOSE.match(child.content)):
                depth = max(0, depth - 1)
            if child.type != "text" or depth:
                children.append(child)
                continue
            children.extend(_split_links(state.md, child.content))
        token.children = children


def _split_links(md: MarkdownIt, text: str) -> list[Token]:
    out: list[Token] = []
    last = 0
    for match in _BARE_LINK.finditer(text):
        found = _trim_url(match.group(0))
        if "@" in found and "://" not in found and not found.startswith("www."):
            href = "mailto:" + found
        else:
            href = ("http://" + found) if found.startswith("www.") else found
        href = md.normalizeLink(href)
        if not found or not md.validateLink(href):
            continue
        out.append(_text(text[last:match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": href}
        link.markup, link.info = "linkify", "auto"
        close = Token("link_close", "a", -1)
        close.markup, close.info = "linkify", "auto"
        out += [link, _text(found), close]
        last = match.start() + len(found)
    out.append(_text(text[last:]))
    return [t for t in out if t.type != "text" or t.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _task_lists(state: StateCore) -> None:
    """``- [ ] a`` / ``- [x] b``: a disabled checkbox before the item's text, as marked renders it."""
    tokens = state.tokens
    for i in range(2, len(tokens)):
        token = tokens[i]
        if (token.type != "inline" or tokens[i - 1].type != "paragraph_open"
                or tokens[i - 2].type != "list_item_open" or not token.children):
            continue
        first = token.children[0]
        match = _TASK.match(first.content) if first.type == "text" else None
        if match is None:
            continue
        first.content = first.content[match.end():]
        box = Token("html_inline", "", 0)
        box.content = ('<input checked="" disabled="" type="checkbox"> ' if match.group(1) in "xX"
                       else '<input disabled="" type="checkbox"> ')
        token.children.insert(0, box)


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def strip_code_indent(text: str) -> str:
    """Remove the indentation a multi-line string literal gets from the code around it.

    The first line (often right after the opening quotes) does not count; the
    whitespace every other non-blank line starts with is removed from each line,
    and from the first line too when it has it.

    .. code-block:: python

        strip_code_indent("# Title\\n    text\\n      more\\n") == "# Title\\ntext\\n  more\\n"
    """
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    indents = [_indent_of(line) for line in lines[1:] if line.strip()]
    if not indents:
        return text
    common = indents[0]
    for indent in indents[1:]:
        while not indent.startswith(common):
            common = common[:-1]
    if not common:
        return text
    cut = len(common)
    return "\n".join(line[cut:] if line.startswith(common) else line.lstrip(" \t") if not line.strip() else line
                     for line in lines)


def strip_spaces(text: str, count: int) -> str:
    """Remove up to ``count`` leading spaces from each line (the deprecated
    ``strip_indent`` argument of ``put_markdown``)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"strip_indent must be a non-negative int, got {count!r}")
    return "\n".join(line[min(count, len(line) - len(line.lstrip(" "))):] for line in text.split("\n"))
