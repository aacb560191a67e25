"""Pure tests of the incremental client-frame parser: no gevent, no sockets."""

from __future__ import annotations

import random
import struct

import pytest

from tests.transports.wsclient import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    frame_header,
    masked_frame,
)
from wsgi_webio.transports import wsframes as wf
from wsgi_webio.transports.wsparser import Control, FrameParser

LIMIT = 64 * 1024


def feed_in_pieces(parser: FrameParser, data: bytes, sizes: list[int]) -> tuple[list, wf.FrameRejected | None]:
    items: list = []
    pos = 0
    for size in [*sizes, len(data)]:
        got, error = parser.feed(data[pos:pos + size])
        items += got
        pos += size
        if error is not None or pos >= len(data):
            return items, error
    return items, None


STREAM = b"".join([
    masked_frame(OP_TEXT, "héllo".encode()),
    masked_frame(OP_BINARY, b"\x00\xff"),
    masked_frame(OP_TEXT, b"fra", fin=False),
    masked_frame(OP_PING, b"between"),  # control frames may interleave with fragments
    masked_frame(OP_CONTINUATION, b"g", fin=False),
    masked_frame(OP_CONTINUATION, "mént".encode(), fin=True),
    masked_frame(OP_BINARY, b"x" * 70000),  # 64-bit length
    masked_frame(OP_TEXT, b"y" * 300),  # 16-bit length
    masked_frame(OP_TEXT, b""),
    masked_frame(OP_PONG, b""),
    masked_frame(OP_CLOSE, (1000).to_bytes(2, "big") + b"bye"),
])
EXPECTED = ["héllo", b"\x00\xff", Control(OP_PING, b"between"), "fragmént", b"x" * 70000, "y" * 300, "",
            Control(OP_PONG, b""), Control(OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")]


@pytest.mark.parametrize("seed", range(12))
def test_any_split_of_the_stream_gives_the_same_items(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.choice((1, 2, 3, 5, 7, 100, 4096, 65536)) for _ in range(2000)]
    parser = FrameParser(LIMIT + 10000)
    items, error = feed_in_pieces(parser, STREAM, sizes)
    assert error is None
    assert items == EXPECTED
    assert parser.buffered == 0


def test_whole_stream_in_one_feed() -> None:
    parser = FrameParser(LIMIT + 10000)
    assert parser.feed(STREAM) == (EXPECTED, None)


def test_header_over_the_limit_is_refused_before_its_payload_arrives() -> None:
    parser = FrameParser(LIMIT)
    items, error = parser.feed(masked_frame(OP_TEXT, b"ok") + frame_header(OP_BINARY, 1 << 30))
    assert items == ["ok"]  # what came before the refused frame is still delivered
    assert error is not None and error.code == wf.MESSAGE_TOO_BIG


def test_fragments_count_towards_the_limit_together() -> None:
    parser = FrameParser(100)
    items, error = parser.feed(masked_frame(OP_TEXT, b"a" * 60, fin=False)
                               + masked_frame(OP_CONTINUATION, b"b" * 60))
    assert items == [] and error is not None and error.code == wf.MESSAGE_TOO_BIG


def test_a_payload_arriving_in_pieces_has_its_header_checked_once() -> None:
    parser = FrameParser(1000)
    frame = masked_frame(OP_TEXT, b"a" * 600, fin=False) + masked_frame(OP_CONTINUATION, b"b" * 300)
    items, error = feed_in_pieces(parser, frame, [10] * 200)
    assert error is None and items == ["a" * 600 + "b" * 300]


def long_form(opcode: int, payload: bytes, marker: int) -> bytes:
    """A masked frame whose length uses the 16-bit (126) or 64-bit (127) form, whatever its size."""
    size = struct.pack("!H", len(payload)) if marker == 126 else struct.pack("!Q", len(payload))
    return bytes((0x80 | opcode, 0x80 | marker)) + size + b"\0\0\0\0" + payload


def test_lengths_at_the_edges_of_each_form_are_accepted() -> None:
    for size in (125, 126, 0xFFFF, 0x10000):
        items, error = FrameParser(1 << 20).feed(masked_frame(OP_BINARY, b"e" * size))
        assert error is None and items == [b"e" * size]


@pytest.mark.parametrize(("frame", "code"), [
    pytest.param(masked_frame(OP_TEXT, b"x", mask=False), wf.PROTOCOL_ERROR, id="unmasked"),
    pytest.param(bytes([0x80 | 0x40 | OP_TEXT]) + masked_frame(OP_TEXT, b"x")[1:], wf.PROTOCOL_ERROR, id="rsv"),
    pytest.param(masked_frame(0x3, b"x"), wf.PROTOCOL_ERROR, id="reserved opcode"),
    pytest.param(masked_frame(OP_CONTINUATION, b"x"), wf.PROTOCOL_ERROR, id="stray continuation"),
    pytest.param(masked_frame(OP_TEXT, b"x", fin=False) + masked_frame(OP_TEXT, b"y"), wf.PROTOCOL_ERROR,
                 id="new message inside a fragmented one"),
    pytest.param(masked_frame(OP_PING, b"x", fin=False), wf.PROTOCOL_ERROR, id="fragmented ping"),
    pytest.param(masked_frame(OP_PING, b"x" * 126), wf.PROTOCOL_ERROR, id="oversized ping"),
    pytest.param(frame_header(OP_BINARY, 1 << 63), wf.PROTOCOL_ERROR, id="64-bit length top bit"),
    pytest.param(long_form(OP_TEXT, b"hi", 126), wf.PROTOCOL_ERROR, id="2 bytes in the 16-bit form"),
    pytest.param(long_form(OP_TEXT, b"h" * 125, 126), wf.PROTOCOL_ERROR, id="125 bytes in the 16-bit form"),
    pytest.param(long_form(OP_BINARY, b"", 127), wf.PROTOCOL_ERROR, id="0 bytes in the 64-bit form"),
    pytest.param(long_form(OP_BINARY, b"b" * 0xFFFF, 127), wf.PROTOCOL_ERROR, id="65535 bytes in the 64-bit form"),
    pytest.param(masked_frame(OP_TEXT, b"\xff\xfe"), wf.INVALID_DATA, id="invalid UTF-8"),
    pytest.param(masked_frame(OP_TEXT, "é".encode()[:1], fin=False) + masked_frame(OP_CONTINUATION, b"!"),
                 wf.INVALID_DATA, id="UTF-8 split across fragments and broken"),
])
def test_refusals(frame: bytes, code: int) -> None:
    items, error = FrameParser(LIMIT).feed(frame)
    assert items == [] and error is not None and error.code == code and error.reason


def test_utf8_sequence_split_across_fragments_is_fine() -> None:
    raw = "é".encode()
    parser = FrameParser(LIMIT)
    frames = masked_frame(OP_TEXT, raw[:1], fin=False) + masked_frame(OP_CONTINUATION, raw[1:])
    assert parser.feed(frames) == (["é"], None)


def test_many_tiny_fragments_cost_their_bytes_only() -> None:
    # Empty continuations add nothing to the message size; they must not pile up objects.
    parser = FrameParser(LIMIT)
    stream = masked_frame(OP_TEXT, b"", fin=False) + masked_frame(OP_CONTINUATION, b"", fin=False) * 20000
    stream += masked_frame(OP_CONTINUATION, b"x", fin=False) * 1000 + masked_frame(OP_CONTINUATION, b"!")
    items, error = feed_in_pieces(parser, stream, [4096] * 100)
    assert error is None and items == ["x" * 1000 + "!"]
    assert parser.buffered == 0
