"""Fixtures of the browser tests: the app server in a child process, Chromium via Playwright.

The server runs in its own process: this one must not be gevent-monkey-patched, and
Playwright's sync API runs an event loop of its own. Chromium is Debian's
(``/usr/bin/chromium``); Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = "apt-get update && apt-get install -y chromium && pip install playwright"
SERVER_START_TIMEOUT = 20.0
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _require(what: str) -> None:
    ci = os.environ.get("CI", "").lower() == "true"
    where = "CI must install it" if ci else "install it"
    pytest.fail(f"browser tests need {what}; {where}: {INSTALL_HINT}", pytrace=False)


class AppServer:
    """A ``serve_app.py`` child process; ``url(app, transport)`` builds page URLs."""

    def __init__(self, log_path: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
        self.log = log_path.open("w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "serve_app.py")],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env, cwd=str(ROOT),
        )
        lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(lines,), daemon=True)
        self._reader.start()
        try:
            line = lines.get(timeout=SERVER_START_TIMEOUT)
        except queue.Empty:
            line = ""
        if not line.startswith("PORT "):
            self.close()
            pytest.fail(f"serve_app.py did not print its port (got {line!r}); its log:\n{self.server_log()}")
        self.port = int(line.split()[1])

    def _read(self, lines: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # drain until the process ends
            lines.put(line.strip())
        lines.put("")

    def url(self, app: str = "index", transport: str = "ws") -> str:
        return f"http://127.0.0.1:{self.port}/?app={app}&_webio_transport={transport}"

    def server_log(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    srv = AppServer(tmp_path_factory.mktemp("serve_app") / "server.log")
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _require(f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright package")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


#: Reports every Content-Security-Policy violation of the page as a console message.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const text = `${e.effectiveDirective} blocked ${e.blockedURI || "?"} at ${e.sourceFile || "?"}:${e.lineNumber}`;
  (window.__cspViolations = window.__cspViolations || []).push(text);
  console.error("CSP violation: " + text);
});
"""
CSP_PREFIX = "CSP violation: "


class ConsoleLog:
    """Console errors, uncaught page errors and CSP violations of one page. A page that
    reports a CSP violation fails its test, unless the test expects them
    (``expect_csp_violations``)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.csp_violations: list[str] = []
        self.csp_expected = False

    def expect_csp_violations(self) -> None:
        """This test provokes violations on purpose (and checks ``csp_violations`` itself)."""
        self.csp_expected = True

    def on_console(self, msg: Any) -> None:
        if msg.type == "error" and msg.text.startswith(CSP_PREFIX):
            self.csp_violations.append(msg.text[len(CSP_PREFIX):])
        elif msg.type == "error" and "Content Security Policy" in msg.text:
            self.csp_violations.append(msg.text)  # Chromium's own report of the same violation
        elif msg.type == "error":
            url = (msg.location or {}).get("url", "")
            self.errors.append(f"{msg.text} ({url})" if url else msg.text)
        elif msg.type == "warning":
            self.warnings.append(msg.text)

    def on_pageerror(self, exc: Any) -> None:
        self.errors.append(f"pageerror: {exc}")


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _open_page(browser: Any, console: ConsoleLog, **context_options: Any) -> Iterator[Any]:
    """A page in a context of its own, reporting to ``console``; closed afterwards."""
    context = browser.new_context(**context_options)
    context.add_init_script(CSP_LISTENER)
    pg = context.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_pageerror)
    try:
        yield pg
    finally:
        context.close()
    if console.csp_violations and not console.csp_expected:
        pytest.fail("the page violated its Content-Security-Policy:\n" + "\n".join(console.csp_violations),
                    pytrace=False)


@pytest.fixture
def page(browser: Any, console: ConsoleLog) -> Iterator[Any]:
    yield from _open_page(browser, console, viewport={"width": 1000, "height": 800})


def said(label: str, value: Any) -> str:
    """The text a ``serve_app.py`` app shows when it reports ``value`` (its ``_echo``)."""
    return f"{label}: {json.dumps(value, sort_keys=True)}"


@pytest.fixture(name="said")
def said_fixture() -> Any:
    return said


@pytest.fixture
def phone(browser: Any, console: ConsoleLog) -> Iterator[Any]:
    """A page in a phone-sized viewport."""
    yield from _open_page(browser, console, viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)


@pytest.fixture(scope="session")
def expect(browser: Any) -> Any:
    """Playwright's auto-waiting ``expect`` (imported once the browser fixture checked the install)."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    return playwright_expect
