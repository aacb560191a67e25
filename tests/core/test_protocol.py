"""Pure tests of the wire protocol: encoding commands, decoding events. No gevent."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from wsgi_webio.errors import RemoteProtocolError
from wsgi_webio.protocol import (
    CLOSE_SESSION,
    Ack,
    ClientEvent,
    EventBatch,
    UploadedFile,
    check_seq,
    close_session_envelope,
    encode_command,
    envelope,
    error_body,
    parse_binary_event,
    parse_event_list,
    parse_ws_text,
)

# --- helpers: build PyWebIO's binary upload format ([8-byte big-endian length][payload])*


def segment(payload: bytes) -> bytes:
    return len(payload).to_bytes(8, "big") + payload


def file_header(input_name: str, filename: str, size: int, **extra: Any) -> bytes:
    header = {"filename": filename, "size": size, "mime_type": "text/plain", "last_modified": 1617119937.276}
    header.update(extra, input_name=input_name)
    return json.dumps(header).encode()


def upload(event: dict[str, Any], *files: tuple[bytes, bytes]) -> bytes:
    out = segment(json.dumps(event).encode())
    for header, content in files:
        out += segment(header) + segment(content)
    return out


SUBMIT = {"event": "from_submit", "task_id": "main-1", "data": {"files": [], "name": "bob"}}

# --- encode_command


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("close_popup",), {"command": "close_popup", "task_id": None, "spec": None}, id="bare command"),
        pytest.param(
            ("output", {"type": "text", "content": "hi"}, "main-1"),
            {"command": "output", "task_id": "main-1", "spec": {"type": "text", "content": "hi"}},
            id="spec and task_id",
        ),
        pytest.param(
            ("toast", {"content": "héllo ✓"}),
            {"command": "toast", "task_id": None, "spec": {"content": "héllo ✓"}},
            id="non-ASCII",
        ),
        pytest.param(
            ("destroy_form", [1, 2.5, None, True]),
            {"command": "destroy_form", "task_id": None, "spec": [1, 2.5, None, True]},
            id="list spec",
        ),
    ],
)
def test_encode_command_shape(args: tuple[Any, ...], expected: dict[str, Any]) -> None:
    text = encode_command(*args)
    assert json.loads(text) == expected
    assert ", " not in text and ": " not in text  # compact separators


def test_encode_command_keeps_non_ascii_literal() -> None:
    assert encode_command("toast", "é") == '{"command":"toast","task_id":null,"spec":"é"}'


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(object(), id="object"),
        pytest.param(b"raw", id="bytes"),
        pytest.param({1, 2}, id="set"),
        pytest.param({(1, 2): "v"}, id="tuple key"),
    ],
)
def test_encode_command_refuses_non_json_spec(spec: Any) -> None:
    with pytest.raises(TypeError):
        encode_command("output", spec)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
        pytest.param(-math.inf, id="-inf"),
        pytest.param({"nested": [1, math.nan]}, id="nested nan"),
    ],
)
def test_encode_command_refuses_non_finite_floats(spec: Any) -> None:
    with pytest.raises(ValueError):
        encode_command("output", spec)


def test_close_session_constant_is_the_bare_command() -> None:
    assert json.loads(CLOSE_SESSION) == {"command": "close_session"}


# --- parse_event_list


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("[]", (), id="empty list"),
        pytest.param(
            '[{"event":"callback","task_id":"CB-1","data":1}]',
            (ClientEvent("callback", "CB-1", 1),),
            id="one event",
        ),
        pytest.param(
            b'[{"event":"input_event","task_id":"t"},{"event":"from_submit","task_id":"t","data":{"data":"\xc3\xa9"}}]',
            (ClientEvent("input_event", "t", None), ClientEvent("from_submit", "t", {"data": "é"})),
            id="bytes body, data optional",
        ),
        pytest.param(
            '[{"event":"js_yield","task_id":"t","data":null,"extra":"ignored"}]',
            (ClientEvent("js_yield", "t", None),),
            id="unknown keys ignored",
        ),
    ],
)
def test_parse_event_list_accepts(body: str | bytes, expected: tuple[ClientEvent, ...]) -> None:
    assert parse_event_list(body) == expected


@pytest.mark.parametrize(
    ("body", "close_code", "match"),
    [
        pytest.param(b"[{", 1007, r"malformed JSON: .*\(char 2\)", id="malformed JSON"),
        pytest.param(b'["\xff"]', 1007, r"not valid UTF-8: .* at byte 2", id="invalid UTF-8"),
        pytest.param('{"event":"callback"}', 1008, r"JSON array of events, got dict", id="not a list"),
        pytest.param("[1]", 1008, r"JSON object, got int", id="item not an object"),
        pytest.param('[{"event":"callback","task_id":"t"},"x"]', 1008, r"JSON object, got str", id="second item bad"),
        pytest.param('[{"event":"callback"}]', 1008, r"missing \['task_id'\]", id="missing task_id"),
        pytest.param('[{"event":"bogus","task_id":"t"}]', 1008, r"unknown event 'bogus'", id="unknown event"),
        pytest.param('[{"event":5,"task_id":"t"}]', 1008, r"must be a string, got 5", id="non-string event name"),
        pytest.param('[{"event":"callback","task_id":""}]', 1008, r"task_id string, got ''", id="empty task_id"),
        pytest.param('[{"event":"callback","task_id":7}]', 1008, r"task_id string, got 7", id="non-string task_id"),
        pytest.param(b"[" * 10_000, 1007, r"malformed JSON: nested too deeply", id="10,000 open brackets"),
        pytest.param("[" * 5_000 + "]" * 5_000, 1007, r"nested too deeply", id="5,000 nested arrays"),
        pytest.param('{"a":' * 5_000 + "0" + "}" * 5_000, 1007, r"nested too deeply", id="5,000 nested objects"),
        pytest.param("[NaN]", 1007, r"malformed JSON: NaN is not JSON", id="NaN"),
        pytest.param("[-Infinity]", 1007, r"malformed JSON: -Infinity is not JSON", id="-Infinity"),
        pytest.param("[" + "9" * 5_000 + "]", 1007, r"^malformed JSON: .{,80}$", id="5,000 digits, short"),
        pytest.param(b"", 1007, r"malformed JSON", id="empty body"),
        pytest.param(b'\xff\xfe[\x00]\x00', 1007, r"not valid UTF-8", id="UTF-16 is not UTF-8"),
    ],
)
def test_parse_event_list_refuses(body: str | bytes, close_code: int, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match) as info:
        parse_event_list(body)
    assert info.value.status_hint == 400
    assert info.value.close_code == close_code


# --- parse_ws_text

EV = '{"event":"callback","task_id":"CB-1","data":0}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(EV, EventBatch((ClientEvent("callback", "CB-1", 0),)), id="single event (PyWebIO)"),
        pytest.param(f"[{EV},{EV}]", EventBatch((ClientEvent("callback", "CB-1", 0),) * 2), id="array"),
        pytest.param("[]", EventBatch(()), id="empty array"),
        pytest.param(
            f'{{"seq":3,"events":[{EV}]}}', EventBatch((ClientEvent("callback", "CB-1", 0),), 3), id="seq+events"
        ),
        pytest.param('{"seq":-1,"events":[]}', EventBatch((), -1), id="seq -1, no events"),
        pytest.param('{"ack":5}', Ack(5), id="ack"),
        pytest.param('{"ack":-1}', Ack(-1), id="ack -1"),
    ],
)
def test_parse_ws_text_shapes(text: str, expected: EventBatch | Ack) -> None:
    assert parse_ws_text(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param('{"ack":true}', r"ack must be an integer, got True", id="ack true"),
        pytest.param('{"ack":"1"}', r"ack must be an integer, got '1'", id="ack string"),
        pytest.param('{"ack":1.0}', r"ack must be an integer, got 1.0", id="ack float"),
        pytest.param('{"ack":-2}', r"ack must be >= -1, got -2", id="ack -2"),
        pytest.param('{"ack":1,"x":2}', r"unrecognised message: \{'ack': 1, 'x': 2\}", id="ack with extra key"),
        pytest.param('{"foo":1}', r"unrecognised message: \{'foo': 1\}", id="unrecognised object"),
        pytest.param('{"seq":0,"events":"x"}', r"unrecognised message", id="events not a list"),
        pytest.param('{"seq":"0","events":[]}', r"seq must be an integer, got '0'", id="seq string"),
        pytest.param('"hello"', r"unrecognised message: 'hello'", id="bare string"),
        pytest.param("null", r"unrecognised message: None", id="null"),
    ],
)
def test_parse_ws_text_refuses(text: str, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match) as info:
        parse_ws_text(text)
    assert (info.value.status_hint, info.value.close_code) == (400, 1008)


def test_parse_ws_text_malformed_json_is_invalid_data() -> None:
    with pytest.raises(RemoteProtocolError, match="malformed JSON") as info:
        parse_ws_text('{"ack":')
    assert info.value.close_code == 1007


# --- parse_binary_event


def test_binary_event_two_files_for_one_input() -> None:
    data = upload(
        SUBMIT,
        (file_header("files", "a.txt", 2), b"ss"),
        (file_header("files", "b.bin", 3, mime_type="application/octet-stream", last_modified=5), b"\x00\x01\x02"),
    )
    event = parse_binary_event(data)
    assert (event.event, event.task_id) == ("from_submit", "main-1")
    assert event.data == {
        "name": "bob",
        "files": [
            UploadedFile("a.txt", 2, "text/plain", 1617119937.276, b"ss"),
            UploadedFile("b.bin", 3, "application/octet-stream", 5.0, b"\x00\x01\x02"),
        ],
    }


def test_binary_event_without_files_keeps_data() -> None:
    event = parse_binary_event(bytearray(upload(SUBMIT)))
    assert event == ClientEvent("from_submit", "main-1", {"files": [], "name": "bob"})


@pytest.mark.parametrize(
    ("last_modified", "expected"),
    [
        pytest.param(5, 5.0, id="int"),
        pytest.param(1.5, 1.5, id="float"),
        pytest.param(10**400, 0.0, id="int too big for a float"),
        pytest.param(True, 0.0, id="bool"),
        pytest.param("yesterday", 0.0, id="string"),
    ],
)
def test_binary_event_last_modified_is_a_float_or_zero(last_modified: Any, expected: float) -> None:
    header = file_header("files", "a.txt", 1, last_modified=last_modified)
    event = parse_binary_event(upload(SUBMIT, (header, b"x")))
    assert event.data["files"][0].last_modified == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"event": "%s", "task_id": "t"}' % ("x" * 100_000), id="huge event name"),
        pytest.param('{"event": "callback", "task_id": ["%s"]}' % ("x" * 100_000), id="huge task_id"),
        pytest.param('{"event": {"x": "%s"}, "task_id": "t"}' % ("x" * 100_000), id="huge event object"),
        pytest.param('{"seq": "%s", "events": []}' % ("9" * 100_000), id="huge seq"),
    ],
)
def test_refusals_of_huge_values_stay_short(text: str) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        parse_ws_text(text)
    assert len(info.value.message) < 200


@pytest.mark.parametrize("value", [pytest.param("9" * 5000, id="5,000 digits"), pytest.param("x" * 5000, id="text")])
def test_check_seq_refusal_stays_short(value: str) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        check_seq(value, "ack", required=False)
    assert len(info.value.message) < 200


def test_refusal_message_shows_a_deep_message_briefly() -> None:
    deep = '{"x":' * 500 + "0" + "}" * 500  # parses, but nests past what a plain repr should walk
    with pytest.raises(RemoteProtocolError, match=r"unrecognised message: ") as info:
        parse_ws_text(deep)
    assert len(info.value.message) < 120


def test_uploaded_file_as_dict_has_pywebio_keys() -> None:
    item = UploadedFile("a.txt", 2, "text/plain", 1.5, b"ss")
    assert item.as_dict() == {
        "filename": "a.txt",
        "size": 2,
        "mime_type": "text/plain",
        "last_modified": 1.5,
        "content": b"ss",
    }


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        pytest.param("../../etc/passwd", "passwd", id="posix relative traversal"),
        pytest.param("/etc/cron.d/job", "job", id="posix absolute"),
        pytest.param("..\\..\\boot.ini", "boot.ini", id="windows relative traversal"),
        pytest.param("C:\\Users\\me\\evil.txt", "evil.txt", id="windows absolute"),
        pytest.param("dir/..\\mixed.txt", "mixed.txt", id="mixed separators"),
        pytest.param("plain.txt", "plain.txt", id="plain name"),
    ],
)
def test_binary_event_filename_reduced_to_basename(filename: str, expected: str) -> None:
    event = parse_binary_event(upload(SUBMIT, (file_header("files", filename, 1), b"x")))
    assert [f.filename for f in event.data["files"]] == [expected]


EVENT_SEG = segment(json.dumps(SUBMIT).encode())
HEADER_SEG = segment(file_header("files", "a.txt", 2))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(b"", r"1 \+ 2n segments, got 0", id="empty message"),
        pytest.param(EVENT_SEG + b"\x00\x00\x00", r"truncated segment length", id="truncated length prefix"),
        pytest.param(
            EVENT_SEG + (100).to_bytes(8, "big") + b"0123456789", r"claims 100 bytes, 10 remain", id="length past end"
        ),
        pytest.param(EVENT_SEG + HEADER_SEG, r"1 \+ 2n segments, got 2", id="even segment count"),
        pytest.param(
            EVENT_SEG + segment(b"not json") + segment(b"ss"),
            r"file header must be a JSON object",
            id="header not JSON",
        ),
        pytest.param(
            EVENT_SEG + segment(b'{"filename":"a"}') + segment(b"ss"),
            r"with input_name",
            id="header without input_name",
        ),
        pytest.param(
            EVENT_SEG + segment(file_header("files", "a.txt", 5)) + segment(b"ss"),
            r"'a.txt' declares 5 bytes but carries 2",
            id="size mismatch",
        ),
        pytest.param(
            upload({"event": "from_submit", "task_id": "t", "data": []}), r"data must be an object", id="data is a list"
        ),
        pytest.param(upload({"event": "from_submit", "task_id": "t"}), r"data must be an object", id="data missing"),
        pytest.param(segment(b"{oops"), r"binary event: malformed JSON", id="event not JSON"),
        pytest.param(segment(b"[" * 10_000), r"binary event: malformed JSON: nested", id="event nested deep"),
        pytest.param(
            EVENT_SEG + segment(b"[" * 10_000) + segment(b"ss"), r"file header must be a JSON object",
            id="header nested deep",
        ),
        pytest.param(
            upload({"event": "nope", "task_id": "t", "data": {}}),
            r"binary event: unknown event 'nope'",
            id="unknown event",
        ),
    ],
)
def test_binary_event_refusals(data: bytes, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match) as info:
        parse_binary_event(data)
    assert (info.value.status_hint, info.value.close_code) == (400, 1003)


# --- check_seq


@pytest.mark.parametrize(
    ("value", "required", "expected"),
    [
        pytest.param(None, False, None, id="absent, optional"),
        pytest.param("", False, None, id="empty, optional"),
        pytest.param("0", True, 0, id="zero"),
        pytest.param("-1", True, -1, id="minus one"),
        pytest.param("42", False, 42, id="positive"),
    ],
)
def test_check_seq_accepts(value: str | None, required: bool, expected: int | None) -> None:
    assert check_seq(value, "ack", required=required) == expected


@pytest.mark.parametrize(
    ("value", "match"),
    [
        pytest.param(None, r"missing query parameter 'ack'", id="absent, required"),
        pytest.param("", r"missing query parameter 'ack'", id="empty, required"),
        pytest.param("x1", r"'ack' must be an integer, got 'x1'", id="not a number"),
        pytest.param("1.5", r"'ack' must be an integer, got '1.5'", id="float"),
        pytest.param("-2", r"'ack' must be >= -1, got -2", id="below -1"),
    ],
)
def test_check_seq_refuses(value: str | None, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match) as info:
        check_seq(value, "ack", required=True)
    assert info.value.status_hint == 400


# --- envelopes


@pytest.mark.parametrize(
    ("ack", "seq"),
    [pytest.param(None, 0, id="no ack"), pytest.param(-1, 0, id="ack -1"), pytest.param(4, 5, id="ack 4")],
)
def test_close_session_envelope_is_pywebio_reply(ack: int | None, seq: int) -> None:
    body = json.loads(close_session_envelope(ack, 'unknown session "x"\n'))
    assert body == {"commands": [[{"command": "close_session"}]], "seq": seq, "error": 'unknown session "x"\n'}


@pytest.mark.parametrize(
    ("batches", "expected_commands"),
    [
        pytest.param([], [], id="no batches"),
        pytest.param([[]], [[]], id="one empty batch"),
        pytest.param(
            [
                [encode_command("output", {"content": "a"}, "t")],
                [encode_command("close_popup"), encode_command("toast", "é")],
            ],
            [
                [{"command": "output", "task_id": "t", "spec": {"content": "a"}}],
                [
                    {"command": "close_popup", "task_id": None, "spec": None},
                    {"command": "toast", "task_id": None, "spec": "é"},
                ],
            ],
            id="two batches",
        ),
    ],
)
def test_envelope_reads_back_with_pywebio_fields(batches: list[list[str]], expected_commands: list[Any]) -> None:
    assert json.loads(envelope(batches, seq=3, ack=7)) == {"commands": expected_commands, "seq": 3, "ack": 7}


@pytest.mark.parametrize(
    ("ack", "expected"),
    [
        pytest.param(None, {"error": 'bad "seq"'}, id="without ack"),
        pytest.param(2, {"error": 'bad "seq"', "ack": 2}, id="with ack"),
    ],
)
def test_error_body_reads_back(ack: int | None, expected: dict[str, Any]) -> None:
    assert json.loads(error_body('bad "seq"', ack)) == expected
