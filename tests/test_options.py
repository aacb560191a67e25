"""Pure tests of option validation: unknown options and bad values fail at start."""

from __future__ import annotations

import ipaddress
import math
from typing import Any

import pytest

from wsgi_webio.options import WebIOConfig


def test_defaults_are_valid() -> None:
    config = WebIOConfig.from_options({})
    assert config == WebIOConfig()
    assert config.trusted_networks == ()


def test_options_are_applied() -> None:
    config = WebIOConfig.from_options({"session_expire_seconds": 5, "trusted_proxies": ["10.0.0.0/8"], "title": "t"})
    assert (config.session_expire_seconds, config.title) == (5, "t")
    assert config.trusted_networks == (ipaddress.ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"sesion_expire_seconds": 5}, id="typo"),
        pytest.param({"bogus": 1, "title": "ok"}, id="unknown next to a known one"),
        pytest.param({"_networks": ()}, id="private field"),
    ],
)
def test_unknown_option_lists_valid_options(options: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as info:
        WebIOConfig.from_options(options)
    message = str(info.value)
    unknown = sorted(set(options) - {"title"})
    assert message.startswith(f"unknown option(s) {', '.join(unknown)}; valid options are: ")
    for name in ("allowed_origins", "check_origin", "session_expire_seconds", "trusted_proxies", "max_sessions"):
        assert name in message
    assert "_networks" not in message.split("valid options are:")[1]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("session_expire_seconds", 0, id="expire zero"),
        pytest.param("session_expire_seconds", -1, id="expire negative"),
        pytest.param("session_expire_seconds", "60", id="expire as a string"),
        pytest.param("session_expire_seconds", True, id="expire as a bool"),
        pytest.param("session_expire_seconds", math.nan, id="expire NaN"),
        pytest.param("poll_hold_seconds", 0.0, id="hold zero"),
        pytest.param("max_message_size", 0, id="message size zero"),
        pytest.param("max_message_size", 1.5, id="message size fractional"),
        pytest.param("max_sessions", -5, id="sessions negative"),
        pytest.param("max_sessions", 2.5, id="sessions fractional"),
        pytest.param("reconnect_timeout", -1, id="reconnect negative"),
        pytest.param("ping_interval", -0.5, id="ping negative"),
        pytest.param("ping_interval", math.nan, id="ping NaN"),
        pytest.param("post_settle_seconds", "2", id="settle as a string"),
        pytest.param("low_water", -1, id="low water negative"),
        pytest.param("low_water", 2 * 1024 * 1024, id="low water above high water"),
        pytest.param("high_water", 100, id="high water below low water"),
        pytest.param("high_water", "big", id="high water as a string"),
        pytest.param("trusted_proxies", ["localhost"], id="proxy not an address"),
    ],
)
def test_bad_value_names_the_option(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        WebIOConfig.from_options({option: value})


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("allowed_origins", "*.example.com", id="patterns as a string"),
        pytest.param("check_origin", "yes", id="check_origin not callable"),
        pytest.param("trusted_proxies", "10.0.0.1", id="proxies as a string"),
    ],
)
def test_wrong_container_type_names_the_option(option: str, value: Any) -> None:
    with pytest.raises(TypeError, match=option):
        WebIOConfig.from_options({option: value})


@pytest.mark.parametrize("option", ["reconnect_timeout", "ping_interval", "post_settle_seconds", "low_water"])
def test_zero_is_allowed_where_documented(option: str) -> None:
    assert getattr(WebIOConfig.from_options({option: 0}), option) == 0


def test_zero_water_marks_are_allowed() -> None:
    config = WebIOConfig.from_options({"high_water": 0, "low_water": 0})
    assert (config.high_water, config.low_water) == (0, 0)
