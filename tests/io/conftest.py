"""Fixtures shared by the I/O API tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.runtime.conftest import Driver, FakeClock, make_info
from wsgi_webio.options import WebIOConfig
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.runtime.session import Session


@pytest.fixture
def start() -> Iterator[Callable[..., tuple[Session, Driver]]]:
    """Start an app on the raw wire; the test reads (and acknowledges) with the Driver."""
    registries: list[SessionRegistry] = []

    def starter(app: Callable[[], Any], **config: Any) -> tuple[Session, Driver]:
        registry = SessionRegistry(WebIOConfig(**config), FakeClock())
        registries.append(registry)
        session = registry.create(app, make_info())
        return session, Driver(session)

    yield starter
    for registry in registries:
        registry.close_all()
