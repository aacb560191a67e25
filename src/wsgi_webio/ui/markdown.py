"""Markdown for ``put_markdown``: rendered to HTML on the server with markdown-it-py.

Owns the markdown options we accept, safe rendering (with ``sanitize``, raw HTML in
the source is escaped and only links with a safe scheme are rendered), and the
removal of a string literal's code indentation. Pure text in, text out: no session,
no gevent, and no shared parser (one is built per call; it costs about 0.1 ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from markdown_it import MarkdownIt

from ..core.urls import is_safe_link

__all__ = ["render_markdown", "strip_code_indent", "strip_spaces"]

#: marked.js options (PyWebIO's markdown engine) we honour, and markdown-it's name for each.
_MAPPED_OPTIONS: Final = MappingProxyType({"breaks": "breaks", "smartypants": "typographer"})
#: marked.js options that have no meaning here; accepted so PyWebIO apps port unchanged.
_IGNORED_OPTIONS: Final = frozenset({"gfm", "pedantic", "headerIds", "headerPrefix", "mangle", "smartLists",
                                     "silent", "xhtml", "langPrefix", "baseUrl", "sanitize"})


def _allow_all(url: str) -> bool:
    return True


def render_markdown(source: str, *, sanitize: bool = True, options: Mapping[str, Any] | None = None) -> str:
    """Render CommonMark plus tables and strikethrough to HTML.

    :param sanitize: escape raw HTML and drop links and images whose scheme is not
        is not allowed by ``core.urls`` (they stay as text). False lets HTML and any link through.
    :param options: marked.js options as PyWebIO took them: ``breaks`` and
        ``smartypants`` work, the other marked options are ignored.
    :raises ValueError: for an option marked.js does not have.
    :raises TypeError: for a non-str source.
    """
    if not isinstance(source, str):
        raise TypeError(f"markdown source must be a str, got {source!r:.60}")
    settings: dict[str, Any] = {"html": not sanitize}
    for key, value in (options or {}).items():
        if key in _MAPPED_OPTIONS:
            settings[_MAPPED_OPTIONS[key]] = bool(value)
        elif key not in _IGNORED_OPTIONS:
            raise ValueError(f"unknown markdown option {key!r}; supported: {sorted(_MAPPED_OPTIONS)}")
    md = MarkdownIt("commonmark", settings).enable(["table", "strikethrough"])
    if settings.get("typographer"):
        md.enable(["replacements", "smartquotes"])
    md.validateLink = is_safe_link if sanitize else _allow_all  # type: ignore[method-assign]
    html: str = md.render(source)
    return html


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
