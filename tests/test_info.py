"""Pure tests of the client-IP derivation (X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

import ipaddress

import pytest

from wsgi_webio.info import client_ip, parse_networks


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "trusted", "expected"),
    [
        pytest.param("203.0.113.5", None, [], "203.0.113.5", id="no proxy"),
        pytest.param("203.0.113.5", "1.2.3.4", [], "203.0.113.5", id="nothing trusted: header ignored"),
        pytest.param(
            "203.0.113.5", "1.2.3.4", ["10.0.0.0/8"], "203.0.113.5", id="untrusted REMOTE_ADDR: header ignored"
        ),
        pytest.param("10.0.0.1", None, ["10.0.0.0/8"], "10.0.0.1", id="trusted proxy, no header"),
        pytest.param("10.0.0.1", "", ["10.0.0.0/8"], "10.0.0.1", id="trusted proxy, empty header"),
        pytest.param("10.0.0.1", "1.2.3.4", ["10.0.0.0/8"], "1.2.3.4", id="one trusted proxy"),
        pytest.param("127.0.0.1", "1.2.3.4", ["127.0.0.1"], "1.2.3.4", id="single trusted address"),
        pytest.param(
            "10.0.0.1", "6.6.6.6, 2.2.2.2, 10.0.0.2", ["10.0.0.0/8"], "2.2.2.2", id="chain: right-most untrusted hop"
        ),
        pytest.param("10.0.0.1", "10.0.0.3, 10.0.0.2", ["10.0.0.0/8"], "10.0.0.3", id="every hop trusted"),
        pytest.param(
            "10.0.0.1", "1.1.1.1,2.2.2.2", ["10.0.0.1", "192.168.0.0/16"], "2.2.2.2", id="mixed address and CIDR"
        ),
        pytest.param("fd00::1", "2001:db8::5", ["fd00::/8"], "2001:db8::5", id="IPv6 CIDR"),
        pytest.param(None, "1.2.3.4", ["10.0.0.0/8"], "", id="no REMOTE_ADDR"),
    ],
)
def test_client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: list[str], expected: str) -> None:
    assert client_ip(remote_addr, forwarded_for, parse_networks(trusted)) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        pytest.param("not-an-ip, 1.2.3.4", "1.2.3.4", id="garbage left of the client is ignored"),
        pytest.param(" 1.2.3.4 ,, , 10.0.0.2 ", "1.2.3.4", id="blank entries and spaces skipped"),
        pytest.param(",,,", "10.0.0.1", id="only separators"),
    ],
)
def test_client_ip_skips_garbage_entries(forwarded_for: str, expected: str) -> None:
    assert client_ip("10.0.0.1", forwarded_for, parse_networks(["10.0.0.0/8"])) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "acceptable"),
    [
        pytest.param("1.2.3.4, <script>", {"10.0.0.1"}, id="garbage right-most hop"),
        pytest.param("1.2.3.4, garbage, 10.0.0.2", {"10.0.0.1", "10.0.0.2"}, id="garbage behind a trusted hop"),
    ],
)
def test_client_ip_never_returns_a_non_address(forwarded_for: str, acceptable: set[str]) -> None:
    # A trusted proxy appends the address it saw, so a non-address at the right-most
    # untrusted position was not written by it. Tornado's xheaders keep the connection's
    # address then (httpserver._apply_xheaders: ``if netutil.is_valid_ip(ip)``).
    result = client_ip("10.0.0.1", forwarded_for, parse_networks(["10.0.0.0/8"]))
    assert result in acceptable


def test_parse_networks_accepts_addresses_and_cidr() -> None:
    assert parse_networks(["127.0.0.1", "10.0.0.0/8", "::1", "192.168.1.7/24"]) == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("192.168.1.0/24"),  # host bits allowed (strict=False)
    )


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param("localhost", id="host name"),
        pytest.param("10.0.0.0/33", id="prefix too long"),
        pytest.param("1.2.3.4.5", id="five octets"),
        pytest.param("", id="empty"),
        pytest.param("10.0.0.1 ", id="trailing space"),
    ],
)
def test_parse_networks_names_the_bad_entry(entry: str) -> None:
    with pytest.raises(ValueError, match=f"trusted_proxies: {entry!r} is not an IP address or network"):
        parse_networks(["127.0.0.1", entry])
