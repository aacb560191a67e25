"""What the browser client handles, read from its source: the one place that knows
how ``src/wsgi_webio/static/`` declares its command handlers and output renderers.

Today the client registers each command with ``handle("name other", fn)`` and keeps
its renderers in an object literal ``const OUTPUTS = { text: ..., table, ... }``.
When that layout changes (the ES-module split), adapt ``HANDLE_CALL`` and
``RENDERER_TABLE`` below, or ``client_tables`` itself: the tests that compare the
client with ``wsgi_webio.core.commands`` only call ``client_tables()``.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "src" / "wsgi_webio" / "static"
#: ``handle("output output_ctl", ...)`` starting a line: one call registers space-separated names.
HANDLE_CALL = re.compile(r"""(?m)^\s*handle\(\s*["']([a-z_ ]+)["']""")
#: The start of the renderer table; its keys are its top-level entries.
RENDERER_TABLE = re.compile(r"\bOUTPUTS\s*=\s*\{")
_KEY = re.compile(r"""\s*(?:["']?)([A-Za-z_$][\w$-]*)""")


def _top_level_keys(source: str, start: int) -> set[str]:
    """The keys of the object literal whose ``{`` is at ``start``: the first name of
    each entry at depth 1 (``key: v``, ``key(args) {...}``, shorthand ``key``),
    skipping strings, template literals and comments."""
    keys: set[str] = set()
    depth, i, entry_start = 0, start, True
    while i < len(source):
        ch = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            continue
        if source.startswith("/*", i):
            i = source.find("*/", i) + 2
            continue
        if depth == 1 and entry_start and not ch.isspace() and not source.startswith(("//", "/*"), i):
            match = _KEY.match(source, i)
            if match:
                keys.add(match.group(1))
                i = match.end() + (source[match.end()] in "\"'")
            entry_start = False
            continue
        if ch in "\"'`":
            end = i + 1
            while source[end] != ch:
                end += 2 if source[end] == "\\" else 1
            i = end + 1
            continue
        if ch in "{([":
            depth += 1
            entry_start = depth == 1
        elif ch in "})]":
            depth -= 1
            if depth == 0:
                return keys
        elif ch == "," and depth == 1:
            entry_start = True
        i += 1
    raise ValueError("unterminated OUTPUTS table")


def client_tables(static: Path = STATIC) -> tuple[set[str], set[str]]:
    """``(command names, output types)`` the client handles, read from every
    ``static/**/*.js`` file."""
    commands: set[str] = set()
    outputs: set[str] = set()
    for path in sorted(static.rglob("*.js")):
        source = path.read_text(encoding="utf-8")
        for match in HANDLE_CALL.finditer(source):
            commands.update(match.group(1).split())
        for match in RENDERER_TABLE.finditer(source):
            outputs |= _top_level_keys(source, match.end() - 1)
    return commands, outputs
