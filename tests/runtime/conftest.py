"""Fixtures for greenlet tests: sessions driven directly, no sockets, fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import pytest

from wsgi_webio.info import SessionInfo
from wsgi_webio.options import WebIOConfig
from wsgi_webio.protocol import ClientEvent, EventBatch
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.runtime.session import Session


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_info(protocol: str = "http") -> SessionInfo:
    return SessionInfo("test-agent", "en", "127.0.0.1", "", "127.0.0.1", "test", protocol, None)  # type: ignore[arg-type]


class Driver:
    """Reads a session's commands and sends it events, as a client would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.read = session.link.first_seq

    def commands(self) -> list[dict[str, Any]]:
        """Every command queued since the last call (acknowledging them)."""
        out = self.session.link.since(self.read)
        self.read += len(out)
        if out:
            self.session.acknowledge(self.read - 1)
        return [json.loads(c) for c in out]

    def wait_for(self, command: str, timeout: float = 2.0) -> dict[str, Any]:
        """Let the session run until it queues ``command``; return it."""
        with gevent.Timeout(timeout):
            while True:
                for c in self.commands():
                    if c["command"] == command:
                        return c
                gevent.sleep(0)

    def send(self, event: str, task_id: str, data: Any = None) -> list[Any]:
        return self.session.data_received(EventBatch((ClientEvent(event, task_id, data),)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry(clock: FakeClock) -> Iterator[SessionRegistry]:
    reg = SessionRegistry(WebIOConfig(reconnect_timeout=5, session_expire_seconds=5), clock)
    yield reg
    reg.close_all()


@pytest.fixture
def open_session(registry: SessionRegistry) -> Callable[..., tuple[Session, Driver]]:
    def opener(app: Callable[[], Any], protocol: str = "http") -> tuple[Session, Driver]:
        session = registry.create(app, make_info(protocol))
        return session, Driver(session)

    return opener
