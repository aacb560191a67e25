"""Every response carries the hardening headers (issue 14, defect 8): the app page its
nonce-based Content-Security-Policy, everything else (static files, the index, the HTTP
API, errors and refusals) a policy that runs nothing; all of them nosniff, a
Referrer-Policy and frame-ancestors (the ``frame_ancestors`` option)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.live.httpclient import Reply, request

pytestmark = pytest.mark.live


def hello() -> None:
    """Hello"""


def other() -> None:
    """Other"""


def find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in {text!r}"
    return match.group(1)


def assert_hardened(reply: Reply, frame_ancestors: str = "'self'") -> str:
    csp = reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "same-origin"
    assert f"frame-ancestors {frame_ancestors}" in csp
    assert "'unsafe-inline'" not in find(r"(script-src[^;]*|$)", csp)
    return csp


def test_every_kind_of_response_is_hardened(live: Any) -> None:
    server = live({"index": hello, "other": other})
    port = server.port
    page = request(port, "GET", "/", params={"app": "other"})
    assert page.status == 200
    csp = assert_hardened(page)
    nonce = find(r"'nonce-([\w-]+)'", csp)
    assert f'nonce="{nonce}"' in page.text  # the module script, the import map and the preloads
    assert json.loads(find(r'id="webio-config">(.*?)</script>', page.text))["nonce"] == nonce
    assert "<script>" not in page.text  # no inline script the policy would have to allow
    assert page.headers["x-frame-options"] == "SAMEORIGIN"

    nothing_runs = "default-src 'none'"
    replies = {
        "static": request(port, "GET", "/_webio/static/webio.js"),
        "missing static": request(port, "GET", "/_webio/static/nope.js"),
        "unserved static": request(port, "GET", "/_webio/static/package.json"),
        "no such page": request(port, "GET", "/elsewhere"),
        "no such app": request(port, "GET", "/", params={"app": "nope"}),
        "api": request(port, "GET", "/", params={"ack": -1}, headers={"webio-session-id": "NEW"}),
        "api error": request(port, "POST", "/", params={"seq": 0, "ack": -1}, headers={"webio-session-id": "nope"},
                             body=b"{"),
        "hostile origin": request(port, "POST", "/", headers={"webio-session-id": "NEW", "Origin": "https://evil.test"},
                                  body=b"[]"),
        "test probe": request(port, "GET", "/", params={"test": 1}),
    }
    assert replies["static"].status == 200
    assert replies["static"].headers["content-type"].startswith("text/javascript")
    assert replies["missing static"].status == replies["unserved static"].status == 404
    assert replies["hostile origin"].status == 403
    for name, reply in replies.items():
        assert nothing_runs in assert_hardened(reply), name
        assert reply.headers["x-frame-options"] == "SAMEORIGIN", name
    assert request(port, "GET", "/", params={"app": "other"}).headers["content-security-policy"] != csp


def test_the_index_of_apps_runs_nothing(live: Any) -> None:
    server = live([hello, other])  # no app named index: the generated list
    reply = request(server.port, "GET", "/")
    assert reply.status == 200 and "?app=hello" in reply.text
    assert "default-src 'none'; style-src 'self'" in assert_hardened(reply)


@pytest.mark.parametrize(
    ("option", "directive", "x_frame"),
    [
        pytest.param(["'none'"], "'none'", "DENY", id="none"),
        pytest.param(["'self'", "https://portal.example.com"], "'self' https://portal.example.com", None, id="list"),
    ],
)
def test_frame_ancestors_option(live: Any, option: list[str], directive: str, x_frame: str | None) -> None:
    server = live(hello, frame_ancestors=option)
    for reply in (request(server.port, "GET", "/"), request(server.port, "GET", "/_webio/static/webio.css")):
        assert_hardened(reply, directive)
        assert reply.headers.get("x-frame-options") == x_frame


def test_frame_ancestors_none_lets_any_site_frame(live: Any) -> None:
    server = live(hello, frame_ancestors=None)
    reply = request(server.port, "GET", "/")
    assert "frame-ancestors" not in reply.headers["content-security-policy"]
    assert "x-frame-options" not in reply.headers
    assert reply.headers["x-content-type-options"] == "nosniff"
