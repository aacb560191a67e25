"""The seams between the runtime and what hosts it: script mode is injected into the
context (the runtime never imports it), the resolver applies only to the context it was
set in, and servers declare themselves in the environ (no search of the process)."""

from __future__ import annotations

import contextvars
from pathlib import Path

import gevent
import pytest

from tests.test_layering import SRC, runtime_imports
from wsgi_webio import _env, lifecycle
from wsgi_webio.errors import NoSessionError
from wsgi_webio.runtime import context


def test_the_runtime_imports_neither_script_mode_nor_a_server():
    for path in sorted((SRC / "runtime").glob("*.py")):
        imported = runtime_imports(path)
        assert not imported & {"wsgi_webio.script", "wsgi_webio.server", "wsgi_webio.hosting"}, path
    source = (SRC / "runtime" / "context.py").read_text(encoding="utf-8")
    assert "importlib" not in source and "import_module" not in source


def test_env_does_not_search_the_process():
    source = Path(_env.__file__).read_text(encoding="utf-8")
    assert "gc." not in source and "_getframe" not in source and "signal" not in source


def test_the_unbound_resolver_applies_to_its_own_context_only():
    bound = object()

    def inside() -> object:
        context.when_unbound(lambda: bound)  # type: ignore[arg-type, return-value]
        found = context.current_task()
        child = gevent.spawn(context.peek)  # a greenlet starts with a context of its own
        child.join(5)
        assert child.dead and child.value is None
        with pytest.raises(NoSessionError):
            gevent.spawn(context.current_task).get(timeout=5)
        return found

    assert contextvars.copy_context().run(inside) is bound
    ctx = contextvars.Context()
    with pytest.raises(NoSessionError):
        ctx.run(context.current_task)


def test_servers_declare_their_worker_count_and_hooks_in_the_environ():
    hooks = lifecycle.ShutdownHooks()
    seen: dict[str, object] = {}

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen.update(environ)
        return []

    wrapped = lifecycle.HostEnviron(app, hooks, workers=2)
    wrapped({"SERVER_SOFTWARE": "gunicorn/99"}, lambda *a: None)  # type: ignore[arg-type]
    assert seen[lifecycle.SHUTDOWN_KEY] is hooks and seen[lifecycle.WORKERS_KEY] == 2
    report = gevent.spawn(_env.check_environment, seen, True).get(timeout=10)
    assert report.fatal is not None and "gunicorn runs 2 worker processes" in report.fatal
    one = gevent.spawn(_env.check_environment, {**seen, lifecycle.WORKERS_KEY: 1}, True).get(timeout=10)
    assert one.fatal is None and not any("cannot tell" in w for w in one.warnings)
