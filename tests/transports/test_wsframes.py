"""Pure tests of the RFC 6455 helpers: no gevent, no sockets."""

from __future__ import annotations

import base64
import random
import struct
from http import HTTPStatus

import pytest

from wsgi_webio.transports import wsframes as wf


def naive_unmask(mask: bytes, payload: bytes) -> bytes:
    return bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


LENGTHS = sorted(
    {0, 1, 2, 3, 4, 5, 7, 8, 125, 126, 127, 1000, 1021, 1022, 1023, 1024, 1025, 1026, 1027,
     4095, 4096, 4097, 65535, 65536, 65537, 69999, 70000}
    | set(random.Random(6455).sample(range(70001), 40))
)


@pytest.mark.parametrize("length", LENGTHS)
def test_unmask_matches_naive_reference(length: int) -> None:
    rng = random.Random(length)
    mask = rng.randbytes(4)
    payload = rng.randbytes(length)
    result = wf.unmask(mask, payload)
    assert isinstance(result, bytes)
    assert result == naive_unmask(mask, payload)
    assert wf.unmask(mask, result) == payload  # masking is an involution


@pytest.mark.parametrize("length", [5, 2048])
def test_unmask_accepts_bytearray(length: int) -> None:
    payload = bytearray(range(256)) * (length // 256 + 1)
    payload = payload[:length]
    assert wf.unmask(b"\x01\x02\x03\x04", payload) == naive_unmask(b"\x01\x02\x03\x04", payload)


@pytest.mark.parametrize("mask", [b"", b"abc", b"abcde"])
def test_unmask_rejects_bad_mask(mask: bytes) -> None:
    with pytest.raises(ValueError, match="4 bytes"):
        wf.unmask(mask, b"payload")


@pytest.mark.parametrize(
    ("length", "header"),
    [
        pytest.param(0, b"\x81\x00", id="empty"),
        pytest.param(125, b"\x81\x7d", id="7-bit length"),
        pytest.param(126, b"\x81\x7e\x00\x7e", id="16-bit length"),
        pytest.param(65535, b"\x81\x7e\xff\xff", id="16-bit max"),
        pytest.param(65536, b"\x81\x7f" + struct.pack("!Q", 65536), id="64-bit length"),
    ],
)
def test_encode_frame_lengths(length: int, header: bytes) -> None:
    payload = b"x" * length
    assert wf.encode_frame(wf.OP_TEXT, payload) == header + payload


def test_encode_frame_refuses_big_control_frame_and_bad_opcode() -> None:
    assert wf.encode_frame(wf.OP_PING, b"p" * 125)[:2] == b"\x89\x7d"
    with pytest.raises(ValueError, match="125"):
        wf.encode_frame(wf.OP_PING, b"p" * 126)
    with pytest.raises(ValueError, match="opcode"):
        wf.encode_frame(16, b"")


def test_close_payload_code_and_reason() -> None:
    assert wf.close_payload(wf.MESSAGE_TOO_BIG, "too big") == b"\x03\xf1too big"
    assert wf.close_payload(wf.NORMAL) == b"\x03\xe8"


@pytest.mark.parametrize(
    "reason",
    [
        pytest.param("a" * 500, id="ascii"),
        pytest.param("é" * 100, id="2-byte chars, cut falls mid-character"),
        pytest.param("x" + "€" * 60, id="3-byte chars"),
        pytest.param("😀" * 40, id="4-byte chars"),
    ],
)
def test_close_payload_is_truncated_to_125_bytes_on_a_character_boundary(reason: str) -> None:
    payload = wf.close_payload(wf.POLICY_VIOLATION, reason)
    assert len(payload) <= 125
    assert payload[:2] == b"\x03\xf0"
    text = payload[2:].decode("utf-8")  # would raise if a character was split
    assert reason.startswith(text)
    assert len(payload) > 125 - 4  # nothing more than the split character was dropped


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 5000, 0])
def test_close_payload_refuses_codes_that_must_not_be_sent(code: int) -> None:
    with pytest.raises(ValueError, match=str(code)):
        wf.close_payload(code, "")


def test_close_code_constants() -> None:
    codes = (wf.NORMAL, wf.GOING_AWAY, wf.PROTOCOL_ERROR, wf.UNSUPPORTED_DATA, wf.INVALID_DATA,
             wf.POLICY_VIOLATION, wf.MESSAGE_TOO_BIG, wf.INTERNAL_ERROR, wf.SERVICE_RESTART)
    assert codes == (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1012)
    assert all(wf.is_sendable_close_code(c) and wf.is_valid_received_close_code(c) for c in codes)
    assert not wf.is_valid_received_close_code(wf.NO_STATUS_RECEIVED)
    assert not wf.is_valid_received_close_code(2999)
    assert wf.is_valid_received_close_code(4000)


def test_accept_key_rfc_example() -> None:
    # RFC 6455 §1.3 worked example.
    assert wf.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def _environ(**overrides: str) -> dict[str, str]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(b"0123456789abcdef").decode(),
    }
    environ.update(overrides)
    return environ


def test_check_upgrade_request_accepts_valid_request() -> None:
    assert wf.check_upgrade_request(_environ()) is None


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        pytest.param({"HTTP_SEC_WEBSOCKET_VERSION": "8"}, HTTPStatus.UPGRADE_REQUIRED, id="v8"),
        pytest.param({"HTTP_SEC_WEBSOCKET_VERSION": ""}, HTTPStatus.UPGRADE_REQUIRED, id="no v"),
        pytest.param({"HTTP_SEC_WEBSOCKET_KEY": ""}, HTTPStatus.BAD_REQUEST, id="no key"),
        pytest.param({"HTTP_SEC_WEBSOCKET_KEY": "c2hvcnQ="}, HTTPStatus.BAD_REQUEST, id="short"),
        pytest.param({"HTTP_SEC_WEBSOCKET_KEY": "not base64!!"}, HTTPStatus.BAD_REQUEST, id="b64"),
        pytest.param({"HTTP_SEC_WEBSOCKET_KEY": "é"}, HTTPStatus.BAD_REQUEST, id="non-ascii"),
        pytest.param({"HTTP_CONNECTION": "keep-alive"}, HTTPStatus.BAD_REQUEST, id="no conn"),
        pytest.param({"SERVER_PROTOCOL": "HTTP/1.0"}, HTTPStatus.BAD_REQUEST, id="http/1.0"),
    ],
)
def test_check_upgrade_request_rejections(overrides: dict[str, str], status: HTTPStatus) -> None:
    rejection = wf.check_upgrade_request(_environ(**overrides))
    assert rejection is not None
    assert rejection.status is status
    assert rejection.message
    if status is HTTPStatus.UPGRADE_REQUIRED:
        assert rejection.headers == (("Sec-WebSocket-Version", "13"),)


def test_switching_protocols_response() -> None:
    response = wf.switching_protocols("dGhlIHNhbXBsZSBub25jZQ==")
    assert response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in response
    assert response.endswith(b"\r\n\r\n")


# (opcode, fin, length) sequences fed to a guard with a 100-byte limit.
ACCEPTED_SEQUENCES = [
    pytest.param([(wf.OP_TEXT, True, 100)], id="exactly at the limit"),
    pytest.param([(wf.OP_BINARY, False, 50), (wf.OP_PING, True, 125),
                  (wf.OP_CONTINUATION, True, 50)], id="fragments with a ping between"),
    pytest.param([(wf.OP_TEXT, True, 90), (wf.OP_TEXT, True, 90)], id="limit is per message"),
    pytest.param([(wf.OP_CLOSE, True, 2)], id="control frame"),
]


@pytest.mark.parametrize("frames", ACCEPTED_SEQUENCES)
def test_message_guard_accepts(frames: list[tuple[int, bool, int]]) -> None:
    guard = wf.MessageGuard(100)
    for opcode, fin, length in frames:
        guard.check_header(opcode, fin, length, 0, True)


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        pytest.param([(wf.OP_TEXT, True, 101, 0, True)], 1009, id="one byte over"),
        pytest.param([(wf.OP_BINARY, True, 1 << 63, 0, True)], 1009, id="2^63 claim"),
        pytest.param([(wf.OP_BINARY, False, 60, 0, True), (wf.OP_CONTINUATION, True, 41, 0, True)],
                     1009, id="cumulative over"),
        pytest.param([(wf.OP_TEXT, True, 1, 0, False)], 1002, id="unmasked"),
        pytest.param([(wf.OP_TEXT, True, 1, 0x40, True)], 1002, id="RSV1 set"),
        pytest.param([(0x3, True, 1, 0, True)], 1002, id="reserved data opcode"),
        pytest.param([(0xB, True, 1, 0, True)], 1002, id="reserved control opcode"),
        pytest.param([(wf.OP_CONTINUATION, True, 1, 0, True)], 1002, id="orphan continuation"),
        pytest.param([(wf.OP_TEXT, False, 1, 0, True), (wf.OP_BINARY, True, 1, 0, True)],
                     1002, id="new message inside a fragmented one"),
    ],
)
def test_message_guard_rejects(frames: list[tuple[int, bool, int, int, bool]], code: int) -> None:
    guard = wf.MessageGuard(100)
    *accepted, last = frames
    for frame in accepted:
        guard.check_header(*frame)
    with pytest.raises(wf.FrameRejected) as rejected:
        guard.check_header(*last)
    assert rejected.value.code == code
    assert rejected.value.reason


@pytest.mark.parametrize(("size", "error"), [(0, ValueError), (-5, ValueError),
                                             (True, TypeError), (1.5, TypeError)])
def test_message_guard_validates_its_limit(size: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        wf.MessageGuard(size)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(b"", (1005, ""), id="no code"),
        pytest.param(b"\x03\xe8", (1000, ""), id="code only"),
        pytest.param(b"\x0f\xa1bye \xc3\xa9", (4001, "bye é"), id="code and reason"),
    ],
)
def test_parse_close_payload(payload: bytes, expected: tuple[int, str]) -> None:
    assert wf.parse_close_payload(payload) == expected


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param(b"\x03", 1002, id="1 byte"),
        pytest.param(b"\x03\xed", 1002, id="1005 on the wire"),
        pytest.param(b"\x00\x01", 1002, id="code 1"),
        pytest.param(b"\x03\xe8\xff", 1007, id="reason not UTF-8"),
    ],
)
def test_parse_close_payload_rejects(payload: bytes, code: int) -> None:
    with pytest.raises(wf.FrameRejected) as rejected:
        wf.parse_close_payload(payload)
    assert rejected.value.code == code
