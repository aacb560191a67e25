"""Compare PyWebIO 1.8.4's public API with wsgi_webio's, name by name.

Used by the gate test (``test_pywebio_signatures.py``) and by ``python -m
tests.platform.pywebio_api``, which regenerates ``docs/pywebio-compat.md``. A name is
*same* (same kind; for a callable the same parameter names, order, kinds and defaults),
*extended* (PyWebIO's parameters first and unchanged, then only optional ones), *missing*,
or *differs* (anything else). The names of ``*args``/``**kwargs`` do not count: no caller
can pass them by name. Reads both packages by introspection; changes nothing.
"""

from __future__ import annotations

import importlib
import inspect
import types
import warnings
from dataclasses import dataclass
from typing import Any

#: (PyWebIO module, our module).
MODULES = (
    ("pywebio", "wsgi_webio"),
    ("pywebio.input", "wsgi_webio.input"),
    ("pywebio.output", "wsgi_webio.output"),
    ("pywebio.pin", "wsgi_webio.pin"),
    ("pywebio.session", "wsgi_webio.session"),
    ("pywebio.platform", "wsgi_webio.platform"),
    ("pywebio.platform.flask", "wsgi_webio.platform.flask"),
    ("pywebio.platform.django", "wsgi_webio.platform.django"),
)

#: Public names of the PyWebIO modules that have no ``__all__``: the names PyWebIO's
#: documentation gives for them. ``undocumented_names`` checks that nothing else public
#: is defined there, so this list cannot silently fall behind a PyWebIO upgrade.
DOCUMENTED = {
    "pywebio": ("STATIC_PATH", "SessionClosedException", "SessionException", "SessionNotFoundException",
                "config", "enable_debug", "start_server", "input", "output", "pin", "platform", "session"),
    "pywebio.platform": ("config", "path_deploy", "path_deploy_http", "run_event_loop", "seo", "start_server",
                         "flask", "django", "tornado", "tornado_http", "aiohttp", "fastapi"),
    "pywebio.platform.flask": ("start_server", "webio_view", "wsgi_app"),
    "pywebio.platform.django": ("start_server", "webio_view", "wsgi_app"),
}
#: Public-looking names defined in those modules that PyWebIO does not document as API.
INTERNAL = {
    "pywebio": ("exceptions", "io_ctrl", "utils"),  # implementation modules
    "pywebio.platform": ("adaptor", "bokeh", "page", "remote_access", "utils"),  # implementation modules
    "pywebio.platform.flask": ("FlaskHttpContext",),  # the adaptor class behind webio_view
    "pywebio.platform.django": ("DjangoHttpContext",),  # the adaptor class behind webio_view
}


@dataclass(frozen=True)
class Entry:
    module: str  # PyWebIO's module
    name: str
    status: str  # same | extended | differs | missing
    detail: str  # for differs/missing: what differs

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"


def import_pywebio() -> types.ModuleType:
    """Import PyWebIO's modules of MODULES. PyWebIO leaves a template file open on import
    (``platform/page.py``); that ResourceWarning is PyWebIO's, so it is silenced here only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        for theirs, _ in MODULES:
            importlib.import_module(theirs)
    return importlib.import_module("pywebio")


def public_names(module_name: str) -> tuple[str, ...]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is not None:
        return tuple(dict.fromkeys(names))  # pywebio.output lists `remove` twice
    return DOCUMENTED[module_name]


def undocumented_names(module_name: str) -> list[str]:
    """Public names defined by (or submodules of) a module without ``__all__`` that are in
    neither DOCUMENTED nor INTERNAL."""
    module = importlib.import_module(module_name)
    known = set(DOCUMENTED[module_name]) | set(INTERNAL[module_name])
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or name in known:
            continue
        own_module = isinstance(value, types.ModuleType) and value.__name__.startswith(module_name + ".")
        own_object = getattr(value, "__module__", None) == module_name and callable(value)
        if own_module or own_object:
            found.append(name)
    return sorted(found)


def _params(fn: Any) -> list[tuple[str, str, Any]]:
    """(name, kind, default) of each parameter; ``*args``/``**kwargs`` are compared by kind
    only (no caller can pass them by name), so they are all named ``*``/``**`` here."""
    sig = inspect.signature(fn)
    varnames = {"VAR_POSITIONAL": "args", "VAR_KEYWORD": "kwargs"}
    return [(varnames.get(p.kind.name, p.name), p.kind.name, p.default) for p in sig.parameters.values()]


def _same_default(a: Any, b: Any) -> bool:
    if a is inspect.Parameter.empty or b is inspect.Parameter.empty:
        return a is b
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return repr(a) == repr(b)


def _fmt(params: list[tuple[str, str, Any]]) -> str:
    out = []
    for name, kind, default in params:
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(kind, "")
        suffix = "" if default is inspect.Parameter.empty else f"={default!r}"
        out.append(f"{prefix}{name}{suffix}")
    return ", ".join(out)


def compare_callables(theirs: Any, ours: Any) -> tuple[str, str]:
    try:
        a, b = _params(theirs), _params(ours)
    except (TypeError, ValueError) as exc:
        return "differs", f"signature unreadable: {exc}"
    same = len(a) == len(b) and all(x[:2] == y[:2] and _same_default(x[2], y[2]) for x, y in zip(a, b, strict=True))
    if same:
        return "same", ""
    # Extended: PyWebIO's parameters unchanged and first, then optional or **kwargs ones only
    # (a PyWebIO **kwargs may become named keyword-only parameters followed by **kwargs).
    a_fixed = [x for x in a if x[1] != "VAR_KEYWORD"]
    b_fixed = b[: len(a_fixed)]
    if all(x[:2] == y[:2] and _same_default(x[2], y[2]) for x, y in zip(a_fixed, b_fixed, strict=False)) and len(
            b_fixed) == len(a_fixed):
        rest = b[len(a_fixed):]
        optional = all(p[2] is not inspect.Parameter.empty or p[1] in ("VAR_KEYWORD", "VAR_POSITIONAL")
                       for p in rest)
        keeps_kwargs = not any(x[1] == "VAR_KEYWORD" for x in a) or any(p[1] == "VAR_KEYWORD" for p in rest)
        if optional and keeps_kwargs:
            return "extended", f"adds `{_fmt([p for p in rest if p[1] != 'VAR_KEYWORD'])}`"
    return "differs", f"PyWebIO ({_fmt(a)}) vs ours ({_fmt(b)})"


def _kind(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "value"


def compare(theirs: Any, ours: Any) -> tuple[str, str]:
    kt, ko = _kind(theirs), _kind(ours)
    if kt == "module" and ko == "module":
        return "same", ""
    if kt == "class" and ko == "class":
        if issubclass(theirs, BaseException):
            return "same", ""
        constants_t = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and not callable(v)}
        constants_o = {k: getattr(ours, k, None) for k in constants_t}
        if constants_t != constants_o:
            return "differs", f"class constants {constants_t} vs {constants_o}"
        return compare_callables(theirs, ours) if "__init__" in vars(theirs) else ("same", "")
    if kt == "function" and ko in ("function", "class"):
        return compare_callables(theirs, ours)
    if kt == "value" and ko == "value":
        if isinstance(theirs, str | int | float):
            return ("same", "") if theirs == ours and type(theirs) is type(ours) else (
                "differs", f"{theirs!r} vs {ours!r}")
        return "same", ""  # objects such as pin, local, info: their behaviour is tested elsewhere
    return "differs", f"PyWebIO has a {kt}, ours is a {ko}"


def _their(module: types.ModuleType, name: str) -> Any:
    """PyWebIO's ``module.name``; a submodule whose dependency is not installed (PyWebIO
    then leaves it out, e.g. ``fastapi`` without Starlette) stands as an empty module."""
    try:
        return getattr(module, name)
    except AttributeError:
        return types.ModuleType(f"{module.__name__}.{name}")


def survey() -> list[Entry]:
    """Every public PyWebIO name of MODULES, compared with ours."""
    import_pywebio()
    entries = []
    for theirs_name, ours_name in MODULES:
        theirs_module = importlib.import_module(theirs_name)
        ours_module = importlib.import_module(ours_name)
        for name in public_names(theirs_name):
            theirs = _their(theirs_module, name)
            try:
                ours = getattr(ours_module, name)
            except ImportError as exc:  # the stand-ins for Tornado, aiohttp, FastAPI
                entries.append(Entry(theirs_name, name, "differs", f"raises ImportError: {exc}"))
                continue
            except AttributeError:
                entries.append(Entry(theirs_name, name, "missing", f"no {ours_name}.{name}"))
                continue
            status, detail = compare(theirs, ours)
            entries.append(Entry(theirs_name, name, status, detail))
    return entries


if __name__ == "__main__":
    for entry in survey():
        if entry.status != "same":
            print(f"{entry.key}: {entry.status}: {entry.detail}")


# --------------------------------------------------------------------------- the docs page
DOC_HEAD = """\
# PyWebIO compatibility

wsgi_webio serves PyWebIO 1.8's programming model on WSGI and gevent: a PyWebIO app ports
by changing `pywebio` to `wsgi_webio` in its imports. This page lists every public name of
PyWebIO 1.8.4's `pywebio`, `pywebio.input`, `.output`, `.pin`, `.session`, `.platform`,
`.platform.flask` and `.platform.django`, and its status here.

**Generated; do not edit.** `tests/platform/test_pywebio_signatures.py` compares every
signature with PyWebIO's (installed as a test dependency) and fails when this page, or a
difference missing from its commented allowlist, disagrees with the code. Regenerate with
`PYTHONPATH=src python -m tests.platform.test_pywebio_signatures`.

Statuses: **same** (same parameter names, order, kinds and defaults), **extended**
(PyWebIO's parameters unchanged, then optional ones of ours), **differs** (how, and the
issue item that removes the difference where one does). A note is added where a name with
the same signature behaves differently.

## The platform layer in short

- `wsgi_webio.platform.start_server`, `path_deploy`, `path_deploy_http` and the Flask/Django
  `start_server` run wsgi_webio's gevent development server, which serves WebSocket and
  HTTP long-polling on one URL. As in PyWebIO, `host=''` listens on every interface and
  `port=0` picks a free port; pass `host="127.0.0.1"` for a tool only you should reach.
  Production: `wsgi_webio.wsgi_app(main)` under gunicorn or uWSGI with gevent (docs/deploy.md).
- PyWebIO's options map as follows. `debug`, `reconnect_timeout`, `allowed_origins`,
  `check_origin`, `session_expire_seconds`: the option of the same name. `max_payload_size`
  (default `'200M'`, as in PyWebIO): `max_message_size`, the bound of every WebSocket message
  and HTTP request body. `static_dir`: served at `/static/`. `auto_open_webbrowser`: opens the
  browser. Tornado's `websocket_ping_interval` and `websocket_max_message_size`:
  `ping_interval` and `max_message_size`. wsgi_webio's own options (docs/configuration.md)
  may be passed as keyword arguments too.
- Accepted and ignored: `cdn` (every asset is served from the package; no CDN is ever used)
  and `session_cleanup_interval` (each app's housekeeper checks expiry about every second).
  Other Tornado/Flask/Django settings are ignored with a warning that names them.
- Refused: `remote_access=True` (wsgi_webio opens no tunnel to a third-party service), with a
  message saying what to do instead.
- `debug=True` shows tracebacks of app errors in the page; there is no auto-reload.
- `pywebio.platform.tornado`, `.tornado_http`, `.aiohttp` and `.fastapi` exist and raise an
  ImportError whose message names the WSGI equivalent.
"""


def render(entries: list[Entry], allowed: dict[str, str], notes: dict[str, str]) -> str:
    """The Markdown of docs/pywebio-compat.md."""
    lines = [DOC_HEAD]
    module = None
    for entry in entries:
        if entry.module != module:
            module = entry.module
            lines += ["", f"## `{module}`", "", "| name | status | notes |", "|---|---|---|"]
        if entry.status == "extended":
            status = f"extended: {entry.detail}"
        elif entry.status in ("differs", "missing"):
            status = f"{entry.status}: {allowed.get(entry.key, entry.detail)}"
        else:
            status = entry.status
        note = notes.get(entry.key, "")
        lines.append(f"| `{entry.name}` | {status.replace('|', '&#124;')} | {note.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n"
