"""``python -m wsgi_webio [--host H] [--port P] module:function``.

The command line: monkey-patches first thing (before anything else is imported),
then loads the app and runs the development server. Nothing else.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after patching, on purpose
import importlib  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


def _load(spec: str) -> Any:
    if spec == "demo":
        spec = "wsgi_webio.gallery:main"
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SystemExit(f"expected module:function (or 'demo'), got {spec!r}")
    sys.path.insert(0, ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SystemExit(f"cannot import {module_name!r}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise SystemExit(f"module {module_name!r} has no attribute {attr!r}") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wsgi_webio", description="Serve a wsgi_webio app.")
    parser.add_argument("app", help="module:function to serve, or 'demo'")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of app errors in the page")
    parser.add_argument("--max-blocking-seconds", type=float, default=10.0, metavar="S",
                        help="interrupt a task that holds the server this long without yielding (default 10; "
                             "0 only logs)")
    args = parser.parse_args(argv)
    target = _load(args.app)
    from .server import start_server

    try:
        start_server(target, host=args.host, port=args.port, debug=args.debug,
                     max_blocking_seconds=args.max_blocking_seconds)
    except (OSError, TypeError, ValueError) as exc:
        raise SystemExit(f"wsgi_webio: {exc}") from None


if __name__ == "__main__":
    main()
