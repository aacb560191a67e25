"""Fuzzing the live dev server over both transports (issue 14, "Kept as tests and figures").

Each fuzzer (``cases.FUZZERS``: HTTP bodies, query strings, headers and request lines;
WebSocket handshakes, frames, raw bytes and event shapes) sends a bounded number of
hypothesis cases to ``fuzz_server.py`` in a child process. Every case must get no 5xx,
no close 1011, an answer within the clients' timeout and no traceback in the server's
log; after every fuzzer (one batch), a long-poll session and a WebSocket session that
were open all along must still answer. ``benchmarks/fuzz_long.py`` runs the same
fuzzers at 100,000 cases.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

from tests.fuzz.cases import FUZZERS, SKIPPED, Fuzzer
from tests.fuzz.process import Target

pytestmark = pytest.mark.live

#: Cases per fuzzer: the whole suite stays well under a minute on a busy machine.
EXAMPLES = 60


@pytest.mark.parametrize("fuzzer", FUZZERS, ids=[f.name for f in FUZZERS])
def test_fuzzer_breaks_no_rule(target: Target, fuzzer: Fuzzer) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(case=fuzzer.strategy)
    def one(case: Any) -> None:
        outcome = fuzzer.run(target, case)
        if outcome.label == SKIPPED:
            reject()
        assert not outcome.problems, "\n".join(outcome.problems)

    one()
    target.assert_healthy()
