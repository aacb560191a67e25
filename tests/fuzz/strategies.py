"""Hypothesis strategies of the fuzz cases: HTTP bodies, headers, query strings and
request lines, WebSocket handshakes, frames and raw bytes, and event shapes.

Test helper only: builds values, sends nothing. ``TASK`` and ``SID`` in a case stand
for the live session's task id and session id, filled in when the case runs
(``cases.py``). Every size is bounded (JSON nesting included: a nesting deep enough to
hit the decoder's recursion limit is issue 14's defect 3, tested on its own in
``test_known_defects.py``).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

#: Stand-ins for the live session's task id and session id.
TASK, SID = "$TASK", "$SID"

EVENT_NAMES = ["from_submit", "from_cancel", "input_event", "callback", "js_yield"]
QUERY_KEYS = ["app", "ack", "seq", "wait", "session", "test", "_webio_transport", "batch"]
#: Request headers the raw clients set themselves, or that reach a known defect
#: (Connection: Upgrade on a POST is defect 5, chunked bodies defect 4).
RESERVED_HEADERS = {"connection", "content-length", "transfer-encoding", "upgrade", "host"}
HEADER_NAMES = ["Origin", "Content-Type", "Accept", "Accept-Language", "Accept-Encoding", "User-Agent", "Cookie",
                "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP", "Referer", "Expect", "Range", "If-None-Match",
                "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions",
                "webio-session-id", "Authorization", "Forwarded", "Content-Encoding"]
ORIGINS = ["null", "http://127.0.0.1", "https://127.0.0.1", "http://evil.example", "http://127.0.0.1.evil.example",
           "http://localhost", "file://", "http://[::1]", "http://127.0.0.1:1/", "http://user@127.0.0.1", ""]
CONTENT_TYPES = ["application/json", "application/octet-stream", "text/plain", "multipart/form-data; boundary=x",
                 "application/json; charset=latin-1", "application/x-www-form-urlencoded", "", "*/*"]

#: Strings that have tripped servers: lone surrogates, NUL, line separators, a BOM, markup.
ODD_STRINGS = ["\ud800", "a\udfffb", "\x00", "\u2028\u2029", "\ufeff", "<script>", "%00", "../", "\\",
               "x" * 5000, "\U0001f600", "NaN", "-0", "1e999", "\x1b[31m"]
#: Any text, lone surrogates and controls included (JSON escapes them as \\uXXXX).
any_text = st.one_of(st.text(st.characters(categories=["Cs", "L", "N", "P", "S", "Z", "C"]), max_size=40),
                     st.sampled_from(ODD_STRINGS))
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\r\n\x7f"),
                      max_size=60)
ascii_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60)
token = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~"),
                min_size=1, max_size=20)
numbers = st.one_of(st.integers(), st.integers(-2, 5), st.sampled_from([2**31, 2**63, 2**64, 10**30, -(10**30)]),
                    st.floats(allow_nan=True, allow_infinity=True))

json_scalars = st.one_of(st.none(), st.booleans(), numbers, any_text)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=12,
)
task_ids = st.one_of(st.just(TASK), st.just(TASK), json_scalars, st.sampled_from(["", "callback-x", TASK + "x"]))
input_data = st.one_of(json_values, st.fixed_dictionaries({"data": json_values}),
                       st.fixed_dictionaries({"data": any_text}), st.fixed_dictionaries(
                           {"event_name": st.sampled_from(["blur", "change", "focus", "x"]),
                            "name": st.sampled_from(["data", "x", ""]), "value": json_values}))


@st.composite
def events(draw: Any) -> Any:
    """An event object with each of its fields right, wrong, missing or extra; or anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    fields = {"event": draw(st.one_of(st.sampled_from(EVENT_NAMES), st.sampled_from(EVENT_NAMES), json_scalars)),
              "task_id": draw(task_ids), "data": draw(input_data)}
    kept = {k: v for k, v in fields.items() if draw(st.integers(0, 7))}
    kept.update(draw(st.dictionaries(any_text, json_scalars, max_size=2)))
    return kept


#: Events a real client would send to the echo app's form, with any value in them.
valid_events = st.fixed_dictionaries({"event": st.just("from_submit"), "task_id": st.just(TASK),
                                      "data": st.fixed_dictionaries({"data": json_values})})
event_lists = st.one_of(st.lists(valid_events, min_size=1, max_size=2), st.lists(events(), max_size=4), events(),
                        json_values)


def dumps(value: Any) -> bytes:
    """JSON as a client might send it, NaN and Infinity included."""
    return json.dumps(value, allow_nan=True).encode("utf-8")


# ---------------------------------------------------------------------- HTTP
query_values = st.one_of(numbers.map(str), any_text, st.sampled_from(["NEW", "-1", "0", "1", "", TASK, SID]))
queries = st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), any_text), query_values), max_size=5)
session_headers = st.one_of(st.none(), st.sampled_from(["NEW", "NEW-abcdefghijklmnopqrstuvwx", SID, SID, "x", ""]),
                            header_text)


@st.composite
def upload_bodies(draw: Any) -> bytes:
    """PyWebIO's binary upload format, with lengths that may lie."""
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 4))):
        payload = draw(st.one_of(st.binary(max_size=60), event_lists.map(dumps), st.fixed_dictionaries({
            "filename": any_text, "size": numbers, "mime_type": any_text, "last_modified": numbers,
            "input_name": any_text}).map(dumps)))
        length = draw(st.one_of(st.just(len(payload)), st.just(len(payload)), st.integers(0, 2**64 - 1)))
        parts.append(length.to_bytes(8, "big") + payload)
    tail: bytes = draw(st.binary(max_size=8))
    return b"".join(parts) + tail


http_bodies = st.tuples(
    st.sampled_from(CONTENT_TYPES),
    st.one_of(event_lists.map(dumps), st.binary(max_size=200), any_text.map(lambda s: s.encode("utf-8", "replace")),
              st.lists(events(), max_size=3).map(lambda v: dumps(v).replace(b"[", b"[ ", 1)), upload_bodies()),
    st.one_of(st.none(), st.integers(-3, 5), numbers),
)
http_queries = st.tuples(st.sampled_from(["GET", "POST"]), queries, session_headers)
http_headers = st.tuples(
    st.sampled_from(["GET", "POST"]),
    st.lists(st.tuples(st.one_of(st.sampled_from(HEADER_NAMES), token),
                       st.one_of(header_text, st.sampled_from(ORIGINS), st.sampled_from(CONTENT_TYPES))),
             max_size=6).map(lambda hs: [(k, v) for k, v in hs if k.lower() not in RESERVED_HEADERS]),
    st.sampled_from([SID, "NEW"]),
)
request_lines = st.one_of(
    st.tuples(
        st.one_of(st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "get"]),
                  token),
        st.one_of(st.sampled_from(["/", "/?test=1", "*", "http://127.0.0.1/", "//x", "/?app=echo", "/%00", "/%zz",
                                   "/../..", "/?" + "a" * 9000]),
                  # ASCII: raw bytes over 0x7F in a query string are fuzz finding 4
                  ascii_text.map(lambda s: "/" + s.replace(" ", ""))),
        # not "HTTP/1" (no minor version): fuzz finding 3, in test_known_defects.py
        st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1 x", "http/1.1", "HTTP/", "",
                         "HTTP/1.", "HTTP/.1", "HTTP/1.1.1", "HTTP/1.x", "HTTP/-1.1"]),
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]}".encode("latin-1") + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    st.binary(max_size=300),
    st.binary(max_size=100).map(lambda b: b"GET / HTTP/1.1\r\n" + b + b"\r\n\r\n"),
)

# ---------------------------------------------------------------------- WebSocket
ws_queries = st.fixed_dictionaries({"app": st.just("echo"), "session": st.just("NEW")}, optional={
    "ack": st.sampled_from(["-1", "-1", "0", "5", "x"]), "batch": st.sampled_from(["1", "0", "x"])})
opcodes = st.one_of(st.sampled_from([0x0, 0x1, 0x2, 0x8, 0x9, 0xA]), st.integers(0, 15))
frame_payloads = st.one_of(st.binary(max_size=140), event_lists.map(dumps),
                           st.tuples(st.integers(0, 5000), any_text).map(
                               lambda t: t[0].to_bytes(2, "big") + t[1].encode("utf-8", "replace")))
#: Frames a client might send, mostly well-formed (a text event, a ping, a fragment) and
#: otherwise wrong in any field.
ws_frames = st.lists(st.one_of(
    st.fixed_dictionaries({"opcode": st.sampled_from([0x1, 0x1, 0x9, 0xA, 0x2]), "payload": frame_payloads,
                           "fin": st.just(True), "rsv": st.just(0), "mask": st.just(True), "long_length": st.none()}),
    st.fixed_dictionaries({"opcode": st.sampled_from([0x1, 0x0, 0x0]), "payload": frame_payloads, "fin": st.booleans(),
                           "rsv": st.just(0), "mask": st.just(True), "long_length": st.none()}),
    st.fixed_dictionaries({"opcode": opcodes, "payload": frame_payloads, "fin": st.booleans(),
                           "rsv": st.integers(0, 7), "mask": st.booleans(),
                           "long_length": st.one_of(st.none(), st.sampled_from([2, 8]))})), min_size=1, max_size=4)
ws_messages = st.lists(st.one_of(
    event_lists.map(dumps),
    st.fixed_dictionaries({"ack": numbers}).map(dumps),
    st.fixed_dictionaries({"seq": numbers, "events": event_lists}).map(dumps),
    st.fixed_dictionaries({}, optional={"seq": json_values, "events": json_values, "ack": json_values}).map(dumps),
    st.binary(max_size=40).map(lambda b: b"\xff" + b),  # invalid UTF-8
), min_size=1, max_size=3)
ws_handshakes = st.tuples(
    st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), any_text), query_values), max_size=5),
    st.lists(st.tuples(st.sampled_from(["Origin", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                                        "Sec-WebSocket-Extensions", "Sec-WebSocket-Key", "Upgrade", "Cookie"]),
                       st.one_of(header_text, st.sampled_from(ORIGINS + ["13", "8", "websocket", "WebSocket"]))),
             max_size=4),
)
