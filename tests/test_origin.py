"""Pure tests of the Origin policy applied to every request. No gevent, no WSGI."""

from __future__ import annotations

import pytest

from wsgi_webio.origin import OriginPolicy


@pytest.mark.parametrize(
    ("origin", "host", "expected"),
    [
        pytest.param("http://example.com", "example.com", True, id="same origin"),
        pytest.param("https://example.com:8443", "example.com:8443", True, id="same origin with port"),
        pytest.param("HTTP://Example.COM", "example.com", True, id="origin case ignored"),
        pytest.param("http://example.com", "EXAMPLE.com", True, id="host case ignored"),
        pytest.param("http://example.com:8080", "example.com", False, id="other port"),
        pytest.param("http://evil.com", "example.com", False, id="other host"),
        pytest.param("http://example.com.evil.com", "example.com", False, id="host as prefix"),
        pytest.param("http://example.com", None, False, id="no Host header"),
        pytest.param("null", "example.com", False, id="null origin"),
        pytest.param("example.com", "example.com", False, id="origin without scheme"),
    ],
)
def test_same_origin_only_by_default(origin: str, host: str | None, expected: bool) -> None:
    assert OriginPolicy().is_allowed(origin, host) is expected


@pytest.mark.parametrize(
    ("origin", "sec_fetch_site", "expected"),
    [
        pytest.param(None, None, True, id="no Origin, no Sec-Fetch-Site (non-browser)"),
        pytest.param("", None, True, id="empty Origin"),
        pytest.param(None, "same-origin", True, id="same-origin fetch"),
        pytest.param(None, "none", True, id="typed into the address bar"),
        pytest.param(None, "cross-site", False, id="cross-site fetch without Origin"),
        pytest.param("", "cross-site", False, id="cross-site fetch, empty Origin"),
    ],
)
def test_missing_origin(origin: str | None, sec_fetch_site: str | None, expected: bool) -> None:
    policy = OriginPolicy(allowed_origins=["*"])
    assert policy.is_allowed(origin, "example.com", sec_fetch_site) is expected


@pytest.mark.parametrize(
    ("patterns", "origin", "expected"),
    [
        pytest.param(["*.example.com"], "https://tools.example.com", True, id="host pattern"),
        pytest.param(["*.example.com"], "https://a.b.example.com:8443", False, id="host pattern, port not matched"),
        pytest.param(["*.example.com:*"], "https://a.example.com:8443", True, id="host pattern with port"),
        pytest.param(["*.example.com"], "https://example.com", False, id="bare domain not a subdomain"),
        pytest.param(["*.example.com"], "https://evil-example.com", False, id="lookalike domain"),
        pytest.param(["*.example.com"], "https://a.example.com.evil.com", False, id="suffix attack"),
        pytest.param(["*.Example.COM"], "https://A.example.com", True, id="pattern case ignored"),
        pytest.param(["https://tools.example.com"], "https://tools.example.com", True, id="full origin"),
        pytest.param(["https://tools.example.com"], "http://tools.example.com", False, id="full origin, other scheme"),
        pytest.param(["other.org", "tools.example.com"], "https://tools.example.com", True, id="second pattern"),
        pytest.param([], "https://tools.example.com", False, id="no patterns"),
        pytest.param(["*"], "null", False, id="null never matches"),
    ],
)
def test_allowed_origin_patterns(patterns: list[str], origin: str, expected: bool) -> None:
    assert OriginPolicy(allowed_origins=patterns).is_allowed(origin, "app.internal") is expected


@pytest.mark.parametrize(
    ("verdict", "origin", "expected"),
    [
        pytest.param(False, "https://tools.example.com", False, id="check_origin refuses a pattern match"),
        pytest.param(True, "https://other.org", True, id="check_origin allows a non-match"),
        pytest.param(1, "https://other.org", True, id="truthy result"),
    ],
)
def test_check_origin_overrides_patterns(verdict: object, origin: str, expected: bool) -> None:
    seen: list[str] = []

    def check(value: str) -> bool:
        seen.append(value)
        return verdict  # type: ignore[return-value]

    policy = OriginPolicy(allowed_origins=["*.example.com"], check_origin=check)
    assert policy.is_allowed(origin, "app.internal") is expected
    assert seen == [origin]


@pytest.mark.parametrize(
    "origin",
    [pytest.param("https://app.internal", id="same origin"), pytest.param("null", id="null origin")],
)
def test_check_origin_not_consulted(origin: str) -> None:
    seen: list[str] = []
    policy = OriginPolicy(check_origin=lambda value: seen.append(value) is None)
    policy.is_allowed(origin, "app.internal")
    assert seen == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"allowed_origins": "*.example.com"}, r"allowed_origins must be a list", id="patterns as a string"
        ),
        pytest.param(
            {"check_origin": "yes"}, r"check_origin must be callable, got 'yes'", id="check_origin not callable"
        ),
    ],
)
def test_bad_config_types(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        OriginPolicy(**kwargs)  # type: ignore[arg-type]


def test_patterns_are_copied() -> None:
    patterns = ["*.example.com"]
    policy = OriginPolicy(allowed_origins=patterns)
    patterns.clear()
    assert policy.is_allowed("https://a.example.com", "app.internal") is True


@pytest.mark.parametrize(
    ("origin", "scheme", "expected"),
    [
        pytest.param("http://example.com", "http", True, id="same scheme"),
        pytest.param("https://example.com", "https", True, id="same scheme, TLS"),
        pytest.param("https://example.com", "http", False, id="https page on an http server"),
        pytest.param("http://example.com", "https", False, id="http page on an https server"),
        pytest.param("HTTPS://example.com", "HTTPS", True, id="scheme case ignored"),
        pytest.param("https://example.com", "wss", True, id="wss request from an https page"),
        pytest.param("http://example.com", "ws", True, id="ws request from an http page"),
        pytest.param("https://example.com", "ws", False, id="ws request from an https page"),
    ],
)
def test_same_origin_needs_the_same_scheme(origin: str, scheme: str, expected: bool) -> None:
    assert OriginPolicy().is_allowed(origin, "example.com", scheme=scheme) is expected


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("http://example.com/", id="trailing slash"),
        pytest.param("http://example.com/path", id="path"),
        pytest.param("http://example.com?x=1", id="query"),
        pytest.param("http://example.com?", id="empty query"),
        pytest.param("http://example.com#top", id="fragment"),
        pytest.param("http://user@example.com", id="user info"),
    ],
)
def test_a_value_that_is_not_a_serialized_origin_is_refused(origin: str) -> None:
    # Even where the host would match (same origin, or an allowed pattern), so such a
    # value is never echoed back in Access-Control-Allow-Origin.
    assert OriginPolicy().is_allowed(origin, "example.com", scheme="http") is False
    assert OriginPolicy(allowed_origins=["*"]).is_allowed(origin, "app.internal") is False



@pytest.mark.parametrize(("peer", "proto", "trusted", "scheme"), [
    pytest.param("127.0.0.1", "https", ["127.0.0.1"], "https", id="trusted proxy says https"),
    pytest.param("127.0.0.1", "https, http", ["127.0.0.0/8"], "https", id="a chain: the first hop's"),
    pytest.param("10.9.9.9", "https", ["127.0.0.1"], "http", id="untrusted peer: ignored"),
    pytest.param("127.0.0.1", "https", [], "http", id="no trusted proxies: ignored"),
    pytest.param("127.0.0.1", "gopher", ["127.0.0.1"], "http", id="not http(s): ignored"),
    pytest.param("127.0.0.1", None, ["127.0.0.1"], "http", id="no header"),
])
def test_the_scheme_behind_a_trusted_tls_proxy_is_its_forwarded_proto(peer, proto, trusted, scheme) -> None:
    """nginx ends TLS and says X-Forwarded-Proto: https; the page's Origin is https://."""
    from wsgi_webio.info import parse_networks, request_scheme

    assert request_scheme("http", peer, proto, parse_networks(trusted)) == scheme
    policy = OriginPolicy()
    assert policy.is_allowed("https://app.example.com", "app.example.com", None,
                             request_scheme("http", peer, proto, parse_networks(trusted))) is (scheme == "https")
