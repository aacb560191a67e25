"""Fixtures of the fuzz suite: one fuzz server process per module, with its healthy sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.process import FuzzServer, Target

#: The server's head_timeout and keepalive_timeout (issue 14, defect 6): the fuzz
#: cases send whole heads at once, so only test_known_defects.py waits on it.
HEAD_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    server = FuzzServer(tmp_path_factory.mktemp("fuzz") / "server.log", max_seconds=300, head_timeout=HEAD_TIMEOUT_S)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def target(fuzz_server: FuzzServer) -> Iterator[Target]:
    handle = Target(fuzz_server)
    try:
        yield handle
    finally:
        handle.close()
