"""The gate of PyWebIO compatibility: every public name of PyWebIO 1.8.4's `pywebio`,
`.input`, `.output`, `.pin`, `.session`, `.platform`, `.platform.flask` and
`.platform.django` exists here with the same signature, or its difference is in the
commented allowlist below; and docs/pywebio-compat.md says exactly that.

Run as a module to regenerate the page:
``PYTHONPATH=src python -m tests.platform.test_pywebio_signatures``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform.pywebio_api import DOCUMENTED, Entry, import_pywebio, render, survey, undocumented_names

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pywebio-compat.md"

_NO_GRID = "`(*args, **kwargs)`, raises NotImplementedError (issue 13 item 4)"
_EMPTY_DEFAULT = ("default `()` where PyWebIO has `[]`: the same for every caller, without a shared mutable "
                  "default")

#: Every accepted difference ("module:name" -> why, and what removes it). A difference not
#: listed fails the gate; an entry that is no longer a difference fails it too.
ALLOWED: dict[str, str] = {
    # A folder path by nature: PyWebIO's points into its wheel, ours into our package.
    "pywebio:STATIC_PATH": "the folder of wsgi_webio's own browser client (`webio.js`, `webio.css`)",
    # wsgi_webio.start_server is the hosting engineer's (server.py): its order is
    # (applications, host, port, **options). Issue 13 item 1 gives it PyWebIO's order and options;
    # until then wsgi_webio.platform.start_server has PyWebIO's signature exactly.
    "pywebio:start_server": "`(applications, host='127.0.0.1', port=8080, **options)`: use "
                            "`wsgi_webio.platform.start_server` for PyWebIO's signature (issue 13 item 1)",
    # The I/O package chose immutable defaults; callers cannot tell the difference.
    "pywebio.output:put_scope": _EMPTY_DEFAULT,
    "pywebio.output:put_collapse": _EMPTY_DEFAULT,
    "pywebio.output:put_scrollable": _EMPTY_DEFAULT,
    "pywebio.output:put_column": _EMPTY_DEFAULT,
    "pywebio.output:put_row": _EMPTY_DEFAULT,
    # No grid library yet: issue 13 item 4 vendors one and implements these.
    "pywebio.output:put_datatable": _NO_GRID,
    "pywebio.output:datatable_update": _NO_GRID,
    "pywebio.output:datatable_insert": _NO_GRID,
    "pywebio.output:datatable_remove": _NO_GRID,
    # By design (issue 13 item 1): these servers are not WSGI; importing says what to use.
    "pywebio.platform:tornado": "raises ImportError naming `wsgi_webio.platform.start_server` / `wsgi_app`",
    "pywebio.platform:tornado_http": "raises ImportError naming `wsgi_webio.platform.start_server`",
    "pywebio.platform:aiohttp": "raises ImportError naming `wsgi_webio.platform.start_server` / `wsgi_app`",
    "pywebio.platform:fastapi": "raises ImportError naming `wsgi_webio.wsgi_app` and `WebIOMiddleware`",
}

#: Behaviour that differs behind a same signature (shown in the page).
NOTES: dict[str, str] = {
    "pywebio:config": "as a decorator, as PyWebIO's; a direct call (PyWebIO's process-wide setting) has no "
                      "effect here and warns. Themes are accepted and checked; the page renders them with "
                      "issue 13 item 5",
    "pywebio:enable_debug": "logs the `wsgi_webio` logger to stderr",
    "pywebio:SessionException": "base of `SessionNotFoundException`; not of `SessionClosedException`",
    "pywebio:SessionClosedException": "is `wsgi_webio.SessionClosed`, a `BaseException` so that "
                                      "`except Exception` cannot swallow it: catch it by name",
    "pywebio:SessionNotFoundException": "never raised into an app: the server answers unknown sessions itself",
    "pywebio.platform:config": "see `pywebio:config`",
    "pywebio.platform:seo": "deprecated, as in PyWebIO: `config(title=..., description=...)`",
    "pywebio.platform:start_server": "see *The platform layer in short*",
    "pywebio.platform:path_deploy": "`/a/b` runs `main` of `<base>/a/b.py`, `/a/` runs `a/index.py` or lists "
                                    "the directory; `.`/`_` names refused; `?reload` on a page reloads; a "
                                    "directory without its slash is redirected to it (PyWebIO: 404)",
    "pywebio.platform:path_deploy_http": "the same server as `path_deploy`: both transports on one URL",
    "pywebio.platform:run_event_loop": "returns at once: `async def` apps run on gevent's hub (docs/async.md)",
    "pywebio.platform.flask:webio_view": "serves the HTTP transport, as PyWebIO's; route the view on its path "
                                         "*and* its sub-paths (`/tool/<path:sub>`): the page's assets are "
                                         "served there (no CDN); a page without that route says so. The site "
                                         "must run on a gevent server",
    "pywebio.platform.flask:wsgi_app": "returns wsgi_webio's WSGI app (both transports), not a Flask object",
    "pywebio.platform.flask:start_server": "the gevent development server, not Flask's",
    "pywebio.platform.django:webio_view": "as the Flask one: route `tool` and `tool/<path:sub>`; CSRF-exempt",
    "pywebio.platform.django:wsgi_app": "returns wsgi_webio's WSGI app; configures no Django settings",
    "pywebio.platform.django:start_server": "the gevent development server, not Django's or Tornado's",
    "pywebio.output:put_markdown": "rendered on the server (markdown-it-py, as marked does: GFM, task lists, "
                                   "a newline is a `<br>`); raw HTML sanitized by an allowlist",
    "pywebio.output:put_code": "no syntax highlighting yet (issue 13 item 4)",
    "pywebio.output:put_html": "its `<script>`s run (with the page's CSP nonce), but inline event handlers "
                               "(`onclick=\"...\"`) and `javascript:` URLs do not: the page's Content-Security-"
                               "Policy forbids them (docs/ui-spec.md); add listeners from a `<script>` instead",
    "pywebio.session:run_js": "runs under the page's CSP with its nonce, as a function body (no `eval`)",
    "pywebio.session:eval_js": "an expression, or a function body whose `return` value is the answer",
    "pywebio.session:register_thread": "also takes a not-yet-started gevent `Greenlet`; a `threading.Thread` "
                                       "runs as a session task on the server's hub (gevent-patched or not), "
                                       "not in parallel: CPU-bound work in it belongs in `run_blocking` "
                                       "(docs/deploy.md, CPU-bound work)",
    "pywebio.input:textarea": "`code=` gives a plain textarea until issue 13 item 4",
    "pywebio.pin:put_textarea": "`code=` gives a plain textarea until issue 13 item 4",
}


def test_importing_pywebio_starts_nothing() -> None:
    # PyWebIO imports Tornado and installs a Bokeh hook: make sure that starts no thread,
    # installs no signal handler, patches nothing and runs no event loop before this
    # process imports it.
    code = (
        "import signal, sys, threading\n"
        "before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}\n"
        "import pywebio, pywebio.platform.flask, pywebio.platform.django\n"
        "import asyncio\n"
        "from gevent import monkey\n"
        "print(threading.active_count(), {s: signal.getsignal(s) for s in before} == before,\n"
        "      monkey.is_module_patched('socket'), asyncio.get_event_loop_policy()._local._loop, pywebio.__version__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["1", "True", "False", "None", "1.8.4"]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    pywebio = import_pywebio()  # a test dependency (setup.cfg): missing, the gate errors, never skips
    assert pywebio.__version__ == "1.8.4", "the gate compares with PyWebIO 1.8.4 (setup.cfg's test extra)"
    return survey()


def test_every_difference_is_allowed_and_every_allowance_is_still_needed(entries: list[Entry]) -> None:
    differs = {e.key: e.detail for e in entries if e.status in ("differs", "missing")}
    assert {k: v for k, v in differs.items() if k not in ALLOWED} == {}, "a difference from PyWebIO not allowed"
    assert sorted(set(ALLOWED) - set(differs)) == [], "an allowlist entry that is no longer a difference"


def test_the_names_of_modules_without_all_are_complete(entries: list[Entry]) -> None:
    assert {module: undocumented_names(module) for module in DOCUMENTED} == {module: [] for module in DOCUMENTED}


def test_every_note_names_a_pywebio_name(entries: list[Entry]) -> None:
    assert sorted(set(NOTES) - {e.key for e in entries}) == []


def test_the_docs_page_matches(entries: list[Entry]) -> None:
    expected = render(entries, ALLOWED, NOTES)
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/pywebio-compat.md is out of date: regenerate it with "
        "`PYTHONPATH=src python -m tests.platform.test_pywebio_signatures`")


if __name__ == "__main__":
    DOC.write_text(render(survey(), ALLOWED, NOTES), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
