"""How PyWebIO's server options become wsgi_webio's: mapped, ignored with a reason, or
refused with a message. Pure."""

from __future__ import annotations

import pytest

from wsgi_webio.options import WebIOConfig
from wsgi_webio.platform.options import IGNORED, parse_payload_size, translate


def test_pywebio_defaults_give_a_valid_config_with_pywebios_payload_limit() -> None:
    options = translate()
    assert options == {"debug": False, "max_message_size": 200 * 2**20}
    WebIOConfig.from_options(options)


def test_every_mapped_option_reaches_the_config() -> None:
    def check(origin: str) -> bool:
        return origin.endswith(".example.com")

    options = translate(debug=True, reconnect_timeout=0, allowed_origins=["https://a.example.com"],
                        check_origin=check, session_expire_seconds=30, max_payload_size="2M",
                        settings={"websocket_ping_interval": 10, "max_sessions": 5})
    config = WebIOConfig.from_options(options)
    assert (config.debug, config.reconnect_timeout, config.session_expire_seconds) == (True, 0, 30)
    assert tuple(config.allowed_origins) == ("https://a.example.com",) and config.check_origin is check
    assert (config.max_message_size, config.ping_interval, config.max_sessions) == (2 * 2**20, 10, 5)


def test_websocket_max_message_size_overrides_the_payload_size() -> None:
    assert translate(settings={"websocket_max_message_size": "64k"})["max_message_size"] == 64 * 1024


def test_ignored_options_are_documented_and_accepted() -> None:
    assert set(IGNORED) == {"cdn", "session_cleanup_interval"}
    assert translate(cdn="https://cdn.example.com/", session_cleanup_interval=5) == translate()


def test_tornado_settings_without_an_equivalent_warn_with_their_names() -> None:
    with pytest.warns(UserWarning, match=r"ignored option\(s\) autoreload, compress_response"):
        options = translate(settings={"compress_response": True, "autoreload": True})
    assert "autoreload" not in options


def test_remote_access_is_refused_with_the_alternative() -> None:
    with pytest.raises(ValueError, match=r"remote_access=True\) is not supported.*SSH tunnel or reverse proxy"):
        translate(remote_access=True)


@pytest.mark.parametrize(
    ("size", "expected"),
    [(1, 1), (1.5, 1), ("30", 30), ("20M", 20 * 2**20), ("32k", 32768), ("15mb", 15 * 2**20),
     ("1.5G", 3 * 2**29), (" 2 KiB ", 2048), ("200M", 200 * 2**20)],
)
def test_payload_sizes_read_as_pywebio_reads_them(size: object, expected: int) -> None:
    assert parse_payload_size(size) == expected


@pytest.mark.parametrize(
    ("size", "error"),
    [("lots", ValueError), ("0", ValueError), (-1, ValueError), (float("inf"), ValueError), ("1X", ValueError),
     (True, TypeError), (None, TypeError)],
)
def test_bad_payload_sizes_are_refused(size: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_payload_size"):
        parse_payload_size(size)
