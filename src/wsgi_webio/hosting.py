"""wsgi_webio's hooks for servers that do not know it: gunicorn's stock gevent workers and uWSGI.

wsgi_webio's own servers (the development server, ``wsgi_webio.gunicorn``'s worker) tell
the app about themselves in every request's environ. Two hosts cannot, so their
integration is one explicit call, made once when a worker starts (never from a request):

- gunicorn's stock gevent workers (``-k gevent``, ``gevent_pywsgi``): give this module as
  gunicorn's config, ``gunicorn -k gevent -w 1 -c python:wsgi_webio.hosting app:application``
  (or ``from wsgi_webio.hosting import post_worker_init`` in your ``gunicorn.conf.py``).
  gunicorn calls :func:`post_worker_init` in each worker after loading the app: it wraps
  the app in a :class:`~wsgi_webio.lifecycle.HostEnviron` (the worker count, for the
  one-process check, and the shutdown hooks) and ties SIGTERM to them, so a stop tells
  open sessions first, then lets gunicorn stop the worker as usual.
- uWSGI: serve ``uwsgi_application(app)`` (``application = uwsgi_application(wsgi_app(main))``),
  which ties ``uwsgi.atexit`` and SIGHUP to the hooks when the module loads.

Only gunicorn setting names are read from a config module, and this one defines only
``post_worker_init``. Imports neither gunicorn nor uWSGI; holds no module-level state (the
hooks live in the wrapper a worker serves).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .lifecycle import HostEnviron, ShutdownHooks, tie_to_sigterm, tie_to_uwsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["post_worker_init", "uwsgi_application"]

#: Under gunicorn's stock gevent workers, the most of the graceful timeout spent telling sessions.
GUNICORN_MAX_DRAIN_S = 10.0


def post_worker_init(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` server hook, for its stock gevent workers.

    gunicorn's SIGTERM handler only marks the worker as stopping; its run loop then
    stops accepting and waits up to ``--graceful-timeout`` for open connections, so held
    long-polls would just be dropped. Here SIGTERM first tells the sessions (still
    accepting, so a long-poll client between two requests comes back for the message; up
    to half the graceful timeout, :data:`GUNICORN_MAX_DRAIN_S` at most), then runs
    gunicorn's own handler. wsgi_webio's own worker needs none of this and is left alone.
    """
    if getattr(worker, "hosts_wsgi_webio", False):
        return
    hooks = ShutdownHooks()
    cfg = worker.cfg
    workers = cfg.workers if isinstance(getattr(cfg, "workers", None), int) else None
    worker.wsgi = HostEnviron(worker.wsgi, hooks, workers)
    grace = float(getattr(cfg, "graceful_timeout", 30) or 30)
    drain = max(0.5, min(grace / 2, GUNICORN_MAX_DRAIN_S))
    previous = worker.handle_exit  # what gunicorn installed for SIGTERM

    def then(signum: int) -> None:
        previous(signum, None)

    tie_to_sigterm(hooks, drain, grace, then, log=getattr(worker, "log", None))


def uwsgi_application(app: WSGIApplication) -> WSGIApplication:
    """``app`` for uWSGI, told when uWSGI stops (SIGTERM with ``--die-on-term``, SIGINT, a
    graceful reload or stop: SIGHUP, the master FIFO's ``q``/``r``).

    .. code-block:: python

        application = uwsgi_application(wsgi_app(main))   # uwsgi --module mymodule:application

    Outside uWSGI (no ``uwsgi`` module: the same module served by another server, or
    imported by a test) it returns ``app`` itself.
    """
    api = sys.modules.get("uwsgi")
    if api is None:
        return app
    hooks = ShutdownHooks()
    tie_to_uwsgi(api, hooks)
    count = getattr(api, "numproc", None)
    return HostEnviron(app, hooks, count if isinstance(count, int) else None)
