"""The exception rule (docs/architecture.md, "Errors"): every exception type lives in
errors.py, and a client's error carries the answer a transport gives."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from wsgi_webio import errors
from wsgi_webio.errors import (
    ChannelClosed,
    FrameRejected,
    LocalProtocolError,
    NoSessionError,
    ProtocolError,
    Refused,
    RemoteProtocolError,
    SessionClosed,
    UpgradeRefused,
    WebIOError,
)

SRC = Path(errors.__file__).resolve().parent
#: Names that end a class's bases when it is an exception.
EXCEPTION_BASES = {"Exception", "BaseException", "RuntimeError", "ValueError", "TypeError", "OSError", "KeyError",
                   "LookupError", "ArithmeticError"}


def exception_classes_outside_errors() -> list[str]:
    """Public exception classes defined in a module other than errors.py (a private
    one, used inside its module for control flow, may stay there)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            names = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in
                     node.bases}
            if names & EXCEPTION_BASES or any(n.endswith(("Error", "Exception")) for n in names):
                found.append(f"{path.relative_to(SRC)}: {node.name}")
    return found


def test_every_exception_type_lives_in_errors_py() -> None:
    assert exception_classes_outside_errors() == []


def test_every_exception_in_errors_py_is_exported() -> None:
    defined = {name for name, value in vars(errors).items() if isinstance(value, type)
               and issubclass(value, BaseException) and value.__module__ == errors.__name__}
    assert defined == set(errors.__all__)


@pytest.mark.parametrize(("exc", "status", "close_code"), [
    pytest.param(RemoteProtocolError("bad"), 400, 1008, id="a refusal: 400 / 1008 by default"),
    pytest.param(RemoteProtocolError("busy", status_hint=429), 429, 1008, id="with its own status"),
    pytest.param(FrameRejected(1009, "too big"), 400, 1009, id="frame rejected: its close code"),
    pytest.param(UpgradeRefused(426, "wrong version"), 426, 1008, id="upgrade refused: its status"),
])
def test_client_errors_carry_their_answer(exc: RemoteProtocolError, status: int, close_code: int) -> None:
    assert (exc.status_hint, exc.close_code) == (status, close_code)
    assert isinstance(exc, WebIOError) and exc.message


def test_kinds_keep_their_own_fields() -> None:
    frame = FrameRejected(1007, "not UTF-8")
    assert (frame.code, frame.reason, frame.message) == (1007, "not UTF-8", "not UTF-8")
    upgrade = UpgradeRefused(403, "origin")
    assert (upgrade.status, upgrade.message) == (403, "origin")
    closed = ChannelClosed(1006)
    assert (closed.code, closed.reason, str(closed)) == (1006, "", "WebSocket closed with code 1006: (no reason)")
    refused = Refused("min", 3)
    assert (refused.key, refused.args_) == ("min", (3,))


def test_what_reaches_the_app() -> None:
    assert not issubclass(SessionClosed, Exception)  # an app's `except Exception` cannot swallow it
    assert issubclass(NoSessionError, RuntimeError)
    with pytest.raises(TypeError, match="abstract"):
        ProtocolError("x")
    assert not issubclass(LocalProtocolError, RemoteProtocolError)
