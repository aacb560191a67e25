"""PyWebIO's top-level names in wsgi_webio, and the entry points that exist only to say
what to use instead (Tornado, aiohttp, FastAPI)."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import wsgi_webio
import wsgi_webio.platform
from wsgi_webio.errors import SessionClosed, WebIOError


def test_session_exceptions_match_pywebios_names() -> None:
    from wsgi_webio import SessionClosedException, SessionException, SessionNotFoundException

    assert SessionClosedException is SessionClosed  # `except SessionClosedException` catches what we raise
    assert issubclass(SessionNotFoundException, SessionException) and issubclass(SessionException, WebIOError)


def test_static_path_is_the_packaged_client() -> None:
    assert (Path(wsgi_webio.STATIC_PATH) / "webio.js").is_file()


@pytest.fixture
def package_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("wsgi_webio")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_enable_debug_logs_the_package_to_stderr_once(package_logger: logging.Logger,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    wsgi_webio.enable_debug()
    wsgi_webio.enable_debug(logging.INFO)
    assert len(package_logger.handlers) == 1 and package_logger.level == logging.INFO
    logging.getLogger("wsgi_webio.app").info("visible")
    logging.getLogger("wsgi_webio.app").debug("hidden")
    err = capsys.readouterr().err
    assert err.count("visible") == 1 and "hidden" not in err


def test_run_event_loop_returns_at_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "wsgi_webio")
    wsgi_webio.platform.run_event_loop()
    assert "not needed" in caplog.text


@pytest.mark.parametrize(
    ("module", "instead"),
    [("tornado", "wsgi_webio.platform.start_server"), ("tornado_http", "wsgi_webio.platform.start_server"),
     ("aiohttp", "wsgi_webio.platform.start_server"), ("fastapi", "wsgi_webio.wsgi_app")],
)
def test_other_servers_entry_points_raise_import_error_naming_the_wsgi_equivalent(module: str, instead: str) -> None:
    with pytest.raises(ImportError, match=f"wsgi_webio.platform.{module} does not exist.*{instead}"):
        importlib.import_module(f"wsgi_webio.platform.{module}")
    with pytest.raises(ImportError, match=instead):
        getattr(wsgi_webio.platform, module)


def test_platform_submodules_resolve_without_an_import_and_unknown_names_fail() -> None:
    assert wsgi_webio.platform.flask.webio_view.__module__ == "wsgi_webio.platform.flask"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        wsgi_webio.platform.nope  # noqa: B018


def test_importing_the_names_starts_nothing_and_config_imports_no_gevent() -> None:
    code = ("import sys, threading\n"
            "from wsgi_webio import config\n"
            "from wsgi_webio.platform import config as c2, seo\n"
            "@config(title='t')\n"
            "def main(): pass\n"
            "assert config is c2\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'gevent', 'werkzeug', 'flask', 'django'}),"
            " threading.active_count())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")})
    assert result.stdout.split() == ["[]", "1"]
