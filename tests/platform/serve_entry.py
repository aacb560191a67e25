"""Entry points of the live platform tests: ``python -m tests.platform.serve_entry KIND
PORT [DIR]`` runs one of PyWebIO's blocking server functions on 127.0.0.1."""

from __future__ import annotations

import sys

from wsgi_webio.output import put_text


def main() -> None:
    """Live app"""
    put_text("live hello")


if __name__ == "__main__":
    kind, port, directory = sys.argv[1], int(sys.argv[2]), (sys.argv[3:] or [None])[0]
    if kind == "start_server":
        from wsgi_webio.platform import start_server

        start_server(main, port, host="127.0.0.1", static_dir=directory)
    elif kind == "open":
        from wsgi_webio.platform import start_server

        start_server(main, port, "127.0.0.1", auto_open_webbrowser=True)
    elif kind == "path_deploy":
        from wsgi_webio.platform import path_deploy

        assert directory is not None
        path_deploy(directory, port, "127.0.0.1")
    elif kind == "flask":
        from wsgi_webio.platform.flask import start_server as flask_start_server

        flask_start_server(main, port, "127.0.0.1", static_dir=directory, session_expire_seconds=30)
    elif kind == "django":
        from wsgi_webio.platform.django import start_server as django_start_server

        django_start_server(main, port, "127.0.0.1")
    else:
        raise SystemExit(f"unknown kind {kind!r}")
