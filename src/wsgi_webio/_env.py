"""What kind of server and process a request runs in, and whether sessions can live there.

Owns the checks a :class:`~wsgi_webio.app.WebIOApp` runs on its first request: is the
request served from a gevent greenlet that the server spawned for it (so a held long-poll
or an ``input()`` waits without holding one of a fixed number of threads), how many
worker processes share the listening socket (sessions live in one process's memory),
whether gevent has monkey-patched the standard library, and whether this is uWSGI.

It learns about the host from what the host says, never by searching the process: the
environ (``SERVER_SOFTWARE``, a server's own keys, and the keys of
:mod:`wsgi_webio.lifecycle` that wsgi_webio's servers and :mod:`wsgi_webio.hosting` add:
the shutdown hooks and the number of worker processes), uWSGI's ``uwsgi`` module (its
API), and gevent's patching state. This is also the one place that recognises
gunicorn's stock gevent workers (:func:`served_by_gunicorn`): their number of workers
is known only when ``wsgi_webio.hosting`` was given as their config (``-c
python:wsgi_webio.hosting``); otherwise the first request warns. Must not patch, start
anything or hold state: callers cache answers.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gevent
from gevent import monkey

from . import lifecycle

__all__ = [
    "EnvReport",
    "check_environment",
    "in_gevent_greenlet",
    "in_patched_thread",
    "is_patched",
    "served_by_gunicorn",
    "server_name",
    "under_uwsgi",
    "worker_processes",
]

#: The fix named whenever sessions could be spread over several processes.
ONE_PROCESS_FIX = (
    "Run a single worker process (gunicorn -w 1, uWSGI without --processes; one gevent worker "
    "serves thousands of sessions), or several single-worker instances behind a proxy that routes "
    "each session to its instance (sticky routing, see docs/deploy.md)."
)

#: The fix named when gunicorn's stock workers do not say how many they are.
GUNICORN_FIX = (
    "Use -k wsgi_webio.gunicorn.GeventWebSocketWorker, or give gunicorn's gevent workers "
    "wsgi_webio's hooks with -c python:wsgi_webio.hosting (or import post_worker_init from "
    "wsgi_webio.hosting in your gunicorn.conf.py)."
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
    app from a thread's main greenlet instead, unless gevent patched ``threading``: see
    :func:`in_patched_thread`.
    """
    return isinstance(gevent.getcurrent(), gevent.Greenlet)


def in_patched_thread() -> bool:
    """Whether the caller runs in a ``threading.Thread`` that gevent's monkey-patching turned
    into a greenlet: a thread-pool server (waitress, cheroot, ...) started after
    ``patch_all()``. Its pool has a fixed size, so held requests exhaust it as they would
    real threads. A greenlet a gevent server spawns per request is no Thread (it shows as
    gevent's dummy thread), nor is the main greenlet; without patched ``threading`` the
    question does not arise (:func:`in_gevent_greenlet` decides).
    """
    if not monkey.is_module_patched("threading"):
        return False
    current = threading.current_thread()
    dummy = getattr(threading, "_DummyThread", ())
    return isinstance(current, threading.Thread) and not isinstance(current, dummy) \
        and current is not threading.main_thread()


def served_by_gunicorn(environ: Mapping[str, Any]) -> bool:
    """Whether the environ says gunicorn serves this request (its ``SERVER_SOFTWARE``, or the
    ``gunicorn.socket``/``gunicorn.sock`` keys its workers add)."""
    software = str(environ.get("SERVER_SOFTWARE") or "").lower()
    return "gunicorn" in software or "gunicorn.socket" in environ or "gunicorn.sock" in environ


def worker_processes(environ: Mapping[str, Any]) -> int | None:
    """How many worker processes the server runs, when it says so; None if unknown.

    wsgi_webio's servers and :mod:`wsgi_webio.hosting` put the number in the environ
    (:data:`~wsgi_webio.lifecycle.WORKERS_KEY`); uWSGI says so in ``uwsgi.numproc``.
    """
    declared = environ.get(lifecycle.WORKERS_KEY)
    if isinstance(declared, int):
        return declared
    uwsgi = under_uwsgi(environ)
    if uwsgi is not None:
        count = getattr(uwsgi, "numproc", None)
        return count if isinstance(count, int) else None
    return None


@dataclass(frozen=True)
class EnvReport:
    """What the first request found: a fatal problem (the app refuses every request with
    it) and warnings (logged once)."""

    fatal: str | None
    warnings: tuple[str, ...]


def _thread_fatal(name: str, how: str) -> str:
    return (f"wsgi_webio cannot run sessions under {name}: {how}, so every held long-poll and every "
            f"waiting input() would hold one of its threads and the server would soon hang. {GEVENT_FIX}")


def check_environment(environ: Mapping[str, Any], created_patched: bool) -> EnvReport:
    """Check the server and process that serve this request (reads ``environ`` only).

    :param created_patched: whether the standard library was already patched when the
        app was created; False with a patched request means the app was imported before
        gevent patched (gunicorn ``--preload``).
    """
    name = server_name(environ)
    if not in_gevent_greenlet():
        return EnvReport(_thread_fatal(name, "it calls the app from a thread, not a gevent greenlet"), ())
    if in_patched_thread():
        return EnvReport(_thread_fatal(
            name, "it calls the app from one of a fixed pool of threads (gevent's monkey-patching "
                  "makes them greenlets, but the pool keeps its size), not from a greenlet spawned "
                  "per request"), ())
    workers = worker_processes(environ)
    if workers is not None and workers > 1:
        return EnvReport(
            f"wsgi_webio keeps each session in the memory of one process, but {name} runs {workers} "
            "worker processes here: requests of one session would reach processes that do not know it, "
            f"and sessions would be lost. {ONE_PROCESS_FIX}",
            (),
        )
    warnings = []
    if workers is None and served_by_gunicorn(environ):
        warnings.append(
            "wsgi_webio cannot tell how many worker processes gunicorn runs here, and open sessions will "
            "not be told when it stops: with more than one (-w/--workers, WEB_CONCURRENCY) the requests of a "
            f"session reach processes that do not know it and sessions are lost. {GUNICORN_FIX} "
            f"{ONE_PROCESS_FIX}"
        )
    elif under_uwsgi(environ) is not None and lifecycle.SHUTDOWN_KEY not in environ:
        warnings.append(
            "open sessions will not be told when uWSGI stops or reloads: serve "
            "wsgi_webio.hosting.uwsgi_application(your_app) (docs/deploy.md, uWSGI)."
        )
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
