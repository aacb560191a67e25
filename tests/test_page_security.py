"""Pure tests of the security policy pieces: the ``frame_ancestors`` option's validation
and the CSP texts (tests/live/test_security_headers.py checks them on the wire,
tests/browser/test_csp.py in Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from wsgi_webio.options import WebIOConfig
from wsgi_webio.page import page_csp, security_headers


def test_frame_ancestors_default_is_self() -> None:
    headers = dict(security_headers(WebIOConfig()))
    assert headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'")
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param("'self'", TypeError, id="a string, not a list"),
        pytest.param([], TypeError, id="empty"),
        pytest.param(["'self'; script-src *"], ValueError, id="a second directive smuggled in"),
        pytest.param(["a b"], ValueError, id="two sources in one"),
        pytest.param(["x,y"], ValueError, id="comma"),
        pytest.param([""], ValueError, id="empty source"),
        pytest.param([1], ValueError, id="not a string"),
    ],
)
def test_frame_ancestors_rejects_bad_values(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="frame_ancestors"):
        WebIOConfig.from_options({"frame_ancestors": value})


def test_page_policy_allows_only_nonce_scripts() -> None:
    csp = page_csp("abc", ("'self'",))
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'nonce-abc' 'strict-dynamic' 'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"
    assert "unsafe-eval" not in csp
    assert "frame-ancestors" not in page_csp("abc", None)
