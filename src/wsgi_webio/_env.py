"""What kind of server and process a request runs in, and whether sessions can live there.

Owns the checks a :class:`~wsgi_webio.app.WebIOApp` runs on its first request: is the
request served from a gevent greenlet (so a held long-poll or an ``input()`` waits
without holding a thread), how many worker processes share the listening socket
(sessions live in one process's memory), whether gevent has monkey-patched the
standard library, and whether this is uWSGI. Reads the environ, ``sys.modules`` and
the call stack; must not patch, start anything or hold state: callers cache answers.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gevent
from gevent import monkey

__all__ = ["EnvReport", "check_environment", "is_patched", "server_name", "under_uwsgi", "worker_processes"]

#: The fix named whenever sessions could be spread over several processes.
ONE_PROCESS_FIX = (
    "Run a single worker process (gunicorn -w 1, uWSGI without --processes; one gevent worker "
    "serves thousands of sessions), or several single-worker instances behind a proxy that routes "
    "each session to its instance (sticky routing, see docs/deploy.md)."
)

#: The fix named when the server is not gevent-based.
GEVENT_FIX = (
    "Serve it with a gevent server: gunicorn -k wsgi_webio.gunicorn.GeventWebSocketWorker -w 1 "
    "(or -k gevent), uwsgi --gevent 1000 --http-websockets, or python -m wsgi_webio for development."
)


#: Servers named in messages, as SERVER_SOFTWARE (lower-cased) spells them.
_KNOWN_SERVERS = ("gunicorn", "waitress", "mod_wsgi", "werkzeug", "cheroot", "gevent")


def server_name(environ: Mapping[str, Any]) -> str:
    """A short name of the server, from the environ (``SERVER_SOFTWARE`` and its own keys)."""
    if "uwsgi.version" in environ:
        return "uWSGI"
    if "mod_wsgi.version" in environ:
        return "mod_wsgi"
    software = str(environ.get("SERVER_SOFTWARE") or "").strip()
    lowered = software.lower()
    for name in _KNOWN_SERVERS:
        if name in lowered:
            return name
    return software.split("/")[0] if software else "this WSGI server"


def under_uwsgi(environ: Mapping[str, Any]) -> Any | None:
    """The ``uwsgi`` module when this request is served by uWSGI, else None."""
    if "uwsgi.version" not in environ:
        return None
    return sys.modules.get("uwsgi")


def is_patched() -> bool:
    """Whether gevent has monkey-patched the socket module (the usual marker of patch_all)."""
    return bool(monkey.is_module_patched("socket"))


def in_gevent_greenlet() -> bool:
    """Whether the caller runs in a gevent Greenlet: what gevent servers spawn per request.

    A thread-per-request server (waitress, gunicorn sync or gthread, mod_wsgi) calls the
    app from a thread's main greenlet instead.
    """
    return isinstance(gevent.getcurrent(), gevent.Greenlet)


def _gunicorn_worker_on_stack() -> Any | None:
    """The gunicorn worker whose ``handle_request`` called us (its stock workers call the app
    from a method of the worker), or None."""
    base = sys.modules.get("gunicorn.workers.base")
    worker_class = getattr(base, "Worker", None)
    if worker_class is None:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, worker_class):
            return candidate
        frame = frame.f_back
    return None


def worker_processes(environ: Mapping[str, Any]) -> int | None:
    """How many worker processes the server runs, when it can be told; None if unknown.

    uWSGI says so in ``uwsgi.numproc``; gunicorn's stock workers are found on the call
    stack (their ``cfg.workers``); wsgi_webio's own gunicorn worker puts the number in
    the environ (``wsgi_webio.workers``) and refuses several workers at start anyway.
    """
    declared = environ.get("wsgi_webio.workers")
    if isinstance(declared, int):
        return declared
    uwsgi = under_uwsgi(environ)
    if uwsgi is not None:
        count = getattr(uwsgi, "numproc", None)
        return count if isinstance(count, int) else None
    if "gunicorn" in sys.modules:
        worker = _gunicorn_worker_on_stack()
        count = getattr(getattr(worker, "cfg", None), "workers", None)
        return count if isinstance(count, int) else None
    return None


@dataclass(frozen=True)
class EnvReport:
    """What the first request found: a fatal problem (the app refuses every request with
    it) and warnings (logged once)."""

    fatal: str | None
    warnings: tuple[str, ...]


def check_environment(environ: Mapping[str, Any], created_patched: bool) -> EnvReport:
    """Check the server and process that serve this request.

    :param created_patched: whether the standard library was already patched when the
        app was created; False with a patched request means the app was imported before
        gevent patched (gunicorn ``--preload``).
    """
    name = server_name(environ)
    if not in_gevent_greenlet():
        return EnvReport(
            f"wsgi_webio cannot run sessions under {name}: it calls the app from a thread, not a gevent "
            "greenlet, so every held long-poll and every waiting input() would hold a thread and "
            f"the server would soon hang. {GEVENT_FIX}",
            (),
        )
    workers = worker_processes(environ)
    if workers is not None and workers > 1:
        return EnvReport(
            f"wsgi_webio keeps each session in the memory of one process, but {name} runs {workers} "
            "worker processes here: requests of one session would reach processes that do not know it, "
            f"and sessions would be lost. {ONE_PROCESS_FIX}",
            (),
        )
    warnings = []
    patched = is_patched()
    if not patched:
        fix = ("add --gevent-early-monkey-patch" if name == "uWSGI"
               else "call gevent.monkey.patch_all() before anything else is imported")
        warnings.append(
            f"gevent has not monkey-patched the standard library under {name}: time.sleep(), "
            f"blocking sockets and locks in apps will freeze every session of this process; {fix}."
        )
    elif not created_patched:
        warnings.append(
            "the wsgi_webio app was created before gevent monkey-patched the standard library "
            "(gunicorn --preload?): locks, threads or sockets your modules made at import are "
            "unpatched and can block every session. Drop --preload, or patch first thing in "
            "gunicorn.conf.py."
        )
    return EnvReport(None, tuple(warnings))
