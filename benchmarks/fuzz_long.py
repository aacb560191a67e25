"""The fuzz suite's long run: the same fuzzers as tests/fuzz, at 100,000 cases over both transports.

    python benchmarks/fuzz_long.py                      # 100,000 cases, at most 60 minutes
    python benchmarks/fuzz_long.py --cases 5000 --only http_body,ws_frames

Starts ``tests/fuzz/fuzz_server.py`` on 127.0.0.1, splits the cases evenly over the
fuzzers of ``tests/fuzz/cases.py`` (HTTP bodies, query strings, headers, request
lines; WebSocket handshakes, frames, raw bytes, event shapes), draws them with
hypothesis (random seeds, no shrinking) and, unlike the tests, does not stop at the
first problem: it counts every answer and every rule broken (5xx, close 1011, no
answer, traceback in the log). A long-poll and a WebSocket session open all along
must answer after every ``--check-every`` cases. Prints the counts and exits 1 if any
rule was broken. Bounded: ``--max-minutes`` stops the run (the counts say how far it
got); the server exits on its own after that too. Not part of the test command.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.fuzz.cases import FUZZERS, Fuzzer  # noqa: E402
from tests.fuzz.process import FuzzServer, Target, tracebacks  # noqa: E402


def run_fuzzer(target: Target, fuzzer: Fuzzer, cases: int, deadline: float, check_every: int) -> dict[str, Any]:
    """``cases`` cases in rounds of ``check_every``, the healthy sessions checked after each round."""
    labels: Counter[str] = Counter()
    problems: list[str] = []
    state = {"ran": 0, "checks": 0}

    @settings(max_examples=check_every, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=fuzzer.strategy)
    def one(case: Any) -> None:
        if time.monotonic() > deadline or state["ran"] >= cases:
            return
        outcome = fuzzer.run(target, case)
        labels[outcome.label] += 1
        if outcome.problems:
            problems.append(f"{outcome.problems[0][:2000]}\n  case: {case!r:.1000}")
        state["ran"] += 1

    while state["ran"] < cases and time.monotonic() < deadline:
        one()
        target.assert_healthy()  # raises: a sick healthy session ends the run
        state["checks"] += 1
    return {"fuzzer": fuzzer.name, "transport": fuzzer.transport, "cases": state["ran"],
            "healthy_checks": state["checks"], "answers": dict(labels.most_common()), "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in all, split evenly over the fuzzers")
    parser.add_argument("--only", default="", help="comma-separated fuzzer names")
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--check-every", type=int, default=200, help="cases between checks of the healthy sessions")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    chosen = [f for f in FUZZERS if not args.only or f.name in args.only.split(",")]
    per_fuzzer = max(1, args.cases // len(chosen))
    started = time.monotonic()
    deadline = started + args.max_minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        server = FuzzServer(Path(tmp) / "server.log", max_seconds=args.max_minutes * 60 + 120)
        try:
            target = Target(server)
            results = []
            for fuzzer in chosen:
                t0 = time.monotonic()
                result = run_fuzzer(target, fuzzer, per_fuzzer, deadline, args.check_every)
                result["seconds"] = round(time.monotonic() - t0, 1)
                results.append(result)
                print(f"{fuzzer.name:18} {fuzzer.transport:4} {result['cases']:7} cases {result['seconds']:7.1f} s  "
                      f"problems {len(result['problems'])}  {json.dumps(result['answers'])}", flush=True)
                for problem in result["problems"][:5]:
                    print("    " + problem.replace("\n", "\n    "), flush=True)
            target.close()
            log = server.full_log()
        finally:
            server.stop()
    total = sum(r["cases"] for r in results)
    by_transport = {t: sum(r["cases"] for r in results if r["transport"] == t) for t in ("http", "ws")}
    answers: Counter[str] = Counter()
    for r in results:
        answers.update(r["answers"])
    summary = {
        "cases": total, "by_transport": by_transport, "seconds": round(time.monotonic() - started, 1),
        "tracebacks_in_log": tracebacks(log),
        "http_5xx": sum(n for label, n in answers.items() if label.startswith(("http 5", "handshake 5"))),
        "ws_close_1011": answers.get("ws close 1011", 0), "no_answer": answers.get("hang", 0),
        "problems": sum(len(r["problems"]) for r in results),
        "healthy_checks_passed": sum(r["healthy_checks"] for r in results),
        "stopped_by_deadline": time.monotonic() > deadline,
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "fuzzers": results}, indent=1) + "\n")
    return 1 if summary["problems"] or summary["tracebacks_in_log"] else 0


if __name__ == "__main__":
    sys.exit(main())
