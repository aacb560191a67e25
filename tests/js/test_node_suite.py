"""Runs the browser client's unit tests (tests/js/*.test.mjs) with Node's built-in test
runner, so pytest and tox run them too. Node comes from Debian's ``nodejs`` package
(scripts/test.sh installs it); without it this test fails, it never skips."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: Far above the suite's run time (a few seconds); its tests run on a fake clock, never wait.
NODE_SUITE_TIMEOUT = 120


def test_client_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("the JS client's tests need Node: apt-get install -y nodejs (scripts/test.sh does)", pytrace=False)
    files = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("*.test.mjs"))
    assert files, "no tests/js/*.test.mjs found"
    result = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True,
                            timeout=NODE_SUITE_TIMEOUT, check=False)
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
    assert "# fail 0" in result.stdout
