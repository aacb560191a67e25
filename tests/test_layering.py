"""Architecture checks read from the source with ``ast``: imports point down the layers
(static and dynamic ones), the pure layer stays pure, the public I/O facades only
re-export from ``ui/``, which never imports them,
commands are built in ``core/commands.py``, only ``__main__`` monkey-patches, and
no module holds mutable state at module level."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "wsgi_webio"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE
PURE = sorted(
    [p.relative_to(SRC) for p in (SRC / "core").glob("*.py")]
    + [Path(name) for name in ("protocol.py", "errors.py", "origin.py", "options.py",
                               "transports/wsframes.py", "transports/wsparser.py")]
    # The I/O API's pure parts: the pending-output policy, checks, and building specs and items.
    + [Path("ui", name) for name in ("pending.py", "checks.py", "markdown.py", "sanitizer.py", "input_args.py",
                                     "items.py")]
)
#: The public I/O API: PyWebIO's import paths, which only re-export from ``ui/``.
FACADES = ("output.py", "input.py", "pin.py", "session.py")
FORBIDDEN = {"gevent", "geventwebsocket", "werkzeug", "socket"}
ALL_MODULES = sorted(p.relative_to(SRC) for p in SRC.rglob("*.py"))


def module_name(rel: Path) -> str:
    parts = [PACKAGE, *rel.with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_of(name: str) -> Path | None:
    """The file of an internal module, or None when ``name`` is not a module of ours."""
    head, *rest = name.split(".")
    if head != PACKAGE:
        return None
    candidates = [SRC.joinpath(*rest) / "__init__.py"]
    if rest:
        candidates.insert(0, SRC.joinpath(*rest[:-1], rest[-1] + ".py"))
    return next((c for c in candidates if c.is_file()), None)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    for node in nodes:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            yield from runtime_nodes(node.orelse)
            continue
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from runtime_nodes([child])
            else:
                yield from ast.walk(child)


def runtime_imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports at run time."""
    package = module_name(path.relative_to(SRC)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            target = ".".join(filter(None, [base, node.module]))
            submodules = {f"{target}.{a.name}" for a in node.names if source_of(f"{target}.{a.name}")}
            names.update(submodules)
            if node.module or len(submodules) < len(node.names):  # not only "from . import submodule"
                names.add(target)
    return names


def forbidden_reachable(start: Path) -> dict[str, str]:
    """{forbidden module: internal module importing it}, following internal imports."""
    found: dict[str, str] = {}
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in runtime_imports(path):
            internal = source_of(name)
            if internal is not None:
                todo.append(internal)
            elif name.split(".")[0] in FORBIDDEN:
                found[name] = module_name(path.relative_to(SRC))
    return found


@pytest.mark.parametrize("rel", [pytest.param(rel, id=str(rel)) for rel in PURE])
def test_pure_module_imports_no_io_at_run_time(rel: Path) -> None:
    assert forbidden_reachable(SRC / rel) == {}


def test_import_walker_sees_through_relative_imports() -> None:
    # Control for the check above: the WebSocket transport does reach gevent/werkzeug.
    found = forbidden_reachable(SRC / "transports" / "websocket.py")
    assert {name.split(".")[0] for name in found} >= {"gevent"}


def test_pure_modules_import_without_gevent() -> None:
    # What the AST check cannot see: importing wsgi_webio.protocol first runs
    # wsgi_webio/__init__.py. A fresh interpreter shows what a pure test really loads.
    code = (
        "import sys\n"
        f"import {', '.join(module_name(rel) for rel in PURE)}\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {FORBIDDEN!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", FACADES)
def test_facades_only_re_export_from_the_ui_package(name: str) -> None:
    tree = ast.parse((SRC / name).read_text(encoding="utf-8"))
    imported: set[str] = set()
    exported: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1 and (node.module or "").startswith("ui."):
            imported.update(alias.asname or alias.name for alias in node.names)
            continue
        assert isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__", ast.unparse(node)[:80]
        exported = ast.literal_eval(node.value)
    assert exported and set(exported) <= imported


def test_the_ui_package_never_imports_the_facades() -> None:
    facades = {module_name(Path(name)) for name in FACADES}
    found = {str(rel): sorted(runtime_imports(SRC / rel) & facades)
             for rel in ALL_MODULES if rel.parts[0] in ("ui", "core", "runtime")}
    assert {rel: names for rel, names in found.items() if names} == {}


def test_commands_are_built_in_core_commands_only() -> None:
    # ``send_command("toast", {...})`` by hand is what core/commands.py replaces.
    bare = []
    for rel in ALL_MODULES:
        for node in ast.walk(ast.parse((SRC / rel).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "send_command"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                bare.append(f"{rel}:{node.lineno}")
    assert bare == []


def test_the_ui_package_sends_through_delivery_emit_only() -> None:
    senders = [str(rel) for rel in ALL_MODULES if rel.parts[0] == "ui"
               for node in ast.walk(ast.parse((SRC / rel).read_text(encoding="utf-8")))
               if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "send_command"]
    assert senders == ["ui/delivery.py"]


def calls_patch_all(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "patch_all") or (
                isinstance(func, ast.Name) and func.id == "patch_all"
            ):
                return True
    return False


def patches_on_import(path: Path) -> bool:
    """A patch_all call in the module body (not inside a function) runs on import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body_only = ast.Module(body=[n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef
                                                                         | ast.ClassDef)], type_ignores=[])
    return any(
        isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "patch_all"
        for node in ast.walk(body_only)
    )


def test_only_the_entry_points_monkey_patch() -> None:
    # The CLI patches first thing on import; the dev server's start_server() patches
    # when called; no other module patches at all.
    assert calls_patch_all(SRC / "__main__.py") and patches_on_import(SRC / "__main__.py")
    assert calls_patch_all(SRC / "server.py") and not patches_on_import(SRC / "server.py")
    # PyWebIO's blocking entry points (platform.start_server, path_deploy, ...) patch when called.
    assert calls_patch_all(SRC / "platform/serve.py") and not patches_on_import(SRC / "platform/serve.py")
    allowed = {Path("__main__.py"), Path("server.py"), Path("platform/serve.py")}
    assert [str(rel) for rel in ALL_MODULES if rel not in allowed and calls_patch_all(SRC / rel)] == []


MUTABLE_LITERALS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def module_level_statements(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Top-level statements, including those inside top-level if/try blocks."""
    for node in nodes:
        yield node
        if isinstance(node, ast.If):
            yield from module_level_statements(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            bodies = node.body + node.orelse + node.finalbody
            yield from module_level_statements(bodies + [s for h in node.handlers for s in h.body])


def mutable_globals(path: Path) -> list[str]:
    found = []
    for node in module_level_statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [ast.unparse(t) for t in targets]
        is_builtin_call = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id
            in (
                "dict",
                "list",
                "set",
            )
        )
        if (isinstance(value, MUTABLE_LITERALS) or is_builtin_call) and names != ["__all__"]:
            found.append(f"{', '.join(names)} (line {node.lineno})")
    return found


@pytest.mark.parametrize("rel", [pytest.param(rel, id=str(rel)) for rel in ALL_MODULES])
def test_no_module_level_mutable_containers(rel: Path) -> None:
    assert mutable_globals(SRC / rel) == []


# ---------------------------------------------------------------------- layer direction
#: The layers, lowest first (docs/architecture.md draws the same picture). A module may
#: import its own layer and those below it, never one above. Listed by module prefix;
#: the longest prefix wins.
LAYERS: tuple[tuple[str, ...], ...] = (
    # 0: pure values and protocol
    ("errors", "protocol", "core", "origin", "options", "info", "platform.pageconf", "platform.options",
     "transports.wsframes", "transports.wsparser", "ui.checks", "ui.input_args", "ui.items", "ui.markdown",
     "ui.pending", "ui.sanitizer"),
    # 1: the runtime: sessions, tasks, the per-app registry
    ("runtime",),
    # 2: the edges on either side of a session: the I/O API and the transports
    ("ui", "input", "output", "pin", "session", "offload", "transports", "lifecycle"),
    # 3: the app, the WSGI callable, and what it owns
    ("app", "page", "watchdog", "_env", "middleware"),
    # 4: servers and entry points above the app; the harness; the package's lazy table
    ("server", "gunicorn", "hosting", "script", "__main__", "platform", "testing", "gallery", ""),
)


def layer_of(name: str) -> int:
    """The layer of internal module ``name`` (``wsgi_webio.x.y``)."""
    rel = name.removeprefix(PACKAGE).removeprefix(".")
    best, rank = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (rel == prefix or rel.startswith(prefix + ".") or prefix == "") and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


def dynamic_imports(path: Path) -> set[str]:
    """Internal modules ``path`` loads by name: ``importlib.import_module("...")`` with a
    constant name, and the lazy tables (``_EXPORTS`` pairs, ``_SUBMODULES``) of a package."""
    package = module_name(path.relative_to(SRC))
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            target = node.args[0].value
            found.add(f"{package}{target}" if target.startswith(".") else target)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("_EXPORTS", "_SUBMODULES")
                                                  for t in node.targets):
            for item in ast.walk(node.value):
                if isinstance(item, ast.Tuple) and len(item.elts) == 2 and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in item.elts):
                    found.add(f"{package}.{item.elts[1].value}")
                elif (isinstance(item, ast.Constant) and isinstance(item.value, str)
                      and isinstance(node.value, ast.Tuple) and item in node.value.elts):
                    found.add(f"{package}.{item.value}")
    return {name for name in found if name.startswith(PACKAGE)}


def test_every_module_has_a_layer() -> None:
    assert [str(rel) for rel in ALL_MODULES if layer_of(module_name(rel)) < 0] == []


def test_imports_point_down_only() -> None:
    upward = []
    for rel in ALL_MODULES:
        name = module_name(rel)
        own = layer_of(name)
        for target in runtime_imports(SRC / rel) | dynamic_imports(SRC / rel):
            if source_of(target) is None:
                continue
            if layer_of(target) > own:
                upward.append(f"{name} (layer {own}) imports {target} (layer {layer_of(target)})")
    assert upward == []


def test_the_layer_check_sees_dynamic_imports() -> None:
    assert f"{PACKAGE}.server" in dynamic_imports(SRC / "__init__.py")
    assert layer_of(f"{PACKAGE}.core.link") == 0 and layer_of(f"{PACKAGE}.ui.content") == 2
    assert layer_of(f"{PACKAGE}.platform.pageconf") == 0 and layer_of(f"{PACKAGE}.platform.serve") == 4
