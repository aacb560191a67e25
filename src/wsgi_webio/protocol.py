"""Wire messages: encoding server commands and decoding client events.

Owns the JSON shapes exchanged with the browser (PyWebIO 1.8's, plus our documented
extensions) and the binary upload format. Pure: no gevent, no sockets, no WSGI.
Raw dicts from the wire never travel past this module; callers get ``ClientEvent``s,
``Ack``s or a ``RemoteProtocolError`` carrying an HTTP status and a close code.
"""

from __future__ import annotations

import json
import posixpath
import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from .errors import RemoteProtocolError

__all__ = [
    "CLOSE_SESSION",
    "EVENT_NAMES",
    "Ack",
    "ClientEvent",
    "EventBatch",
    "UploadedFile",
    "abbrev",
    "encode_command",
    "parse_binary_event",
    "parse_event_list",
    "parse_ws_text",
]

#: Event names a client may send (PyWebIO 1.8 ``docs/spec.rst``).
EVENT_NAMES: Final = frozenset({"from_submit", "from_cancel", "input_event", "callback", "js_yield"})

#: The bare command that tells a client its session is over (no task_id, no spec).
CLOSE_SESSION: Final = '{"command":"close_session"}'

# RFC 6455 §7.4.1 close codes used as hints on refused messages.
_INVALID_DATA = 1007  # not valid UTF-8 / not valid JSON for a JSON text protocol
_POLICY_VIOLATION = 1008  # well-formed but not allowed by our protocol
_UNSUPPORTED_DATA = 1003  # a binary message that is not an upload

#: Segment length prefix of the binary upload format: 8-byte big-endian.
_LEN_BYTES = 8

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_command(command: str, spec: Any = None, task_id: str | None = None) -> str:
    """Serialise one server command to its JSON text.

    :raises TypeError: when ``spec`` holds something JSON cannot carry.
    :raises ValueError: for NaN or infinite floats.
    """
    return _encoder.encode({"command": command, "task_id": task_id, "spec": spec})


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file of a binary upload event."""

    filename: str
    size: int
    mime_type: str
    last_modified: float
    content: bytes

    def as_dict(self) -> dict[str, Any]:
        """The dict shape PyWebIO's ``file_upload`` returns."""
        return {
            "filename": self.filename,
            "size": self.size,
            "mime_type": self.mime_type,
            "last_modified": self.last_modified,
            "content": self.content,
        }


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """One event from the browser: ``{"event", "task_id", "data"}``."""

    event: str
    task_id: str
    data: Any = None

    def __post_init__(self) -> None:
        if self.event not in EVENT_NAMES:
            raise RemoteProtocolError(
                f"unknown event {abbrev(self.event)}; expected one of {sorted(EVENT_NAMES)}"
            )
        if not isinstance(self.task_id, str) or not self.task_id:
            raise RemoteProtocolError(f"event {self.event!r} needs a task_id string, got {abbrev(self.task_id)}")


@dataclass(frozen=True, slots=True)
class Ack:
    """Extension: the client has executed every command up to ``seq`` (WebSocket)."""

    seq: int


@dataclass(frozen=True, slots=True)
class EventBatch:
    """Events with an optional sequence number of the first one (for dedupe)."""

    events: tuple[ClientEvent, ...]
    seq: int | None = None


def _no_constant(name: str) -> Any:
    # RFC 8259 has no NaN or Infinity; a browser's JSON.stringify never sends them.
    raise ValueError(f"{name} is not JSON")


_decoder = json.JSONDecoder(parse_constant=_no_constant)


#: A JSON escape of a UTF-16 surrogate (\\ud800 to \\udfff): a pair decodes to one
#: character, a lone one to a str that no UTF-8 encoder accepts.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


def _check_no_lone_surrogate(value: Any) -> None:
    """Refuse a value holding a lone surrogate (valid JSON, not valid Unicode text): echoed
    back by an app it would make every later command of the session unencodable."""
    try:
        _encoder.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        raise RemoteProtocolError("malformed JSON: a string holds a lone UTF-16 surrogate",
                                  close_code=_INVALID_DATA) from None


def _loads(text: str | bytes) -> Any:
    """Strict JSON (RFC 8259) from the wire, any failure a RemoteProtocolError (1007).

    A nesting too deep for the decoder (``[`` x 10,000) is malformed input like any
    other: its RecursionError never leaves this function.
    """
    try:
        if isinstance(text, bytes | bytearray):
            text = text.decode()  # RFC 8259 §8.1: UTF-8 only (json.loads would guess)
        value = _decoder.decode(text)
        if "\\u" in text and _SURROGATE_ESCAPE.search(text):
            _check_no_lone_surrogate(value)
        return value
    except UnicodeDecodeError as exc:
        raise RemoteProtocolError(
            f"message is not valid UTF-8: {exc.reason} at byte {exc.start}", close_code=_INVALID_DATA
        ) from None
    except RecursionError:
        raise RemoteProtocolError("malformed JSON: nested too deeply", close_code=_INVALID_DATA) from None
    except ValueError as exc:
        # Cut to fit a WebSocket close reason (123 bytes) and one short log line.
        raise RemoteProtocolError(f"malformed JSON: {_abbrev_text(str(exc), 80)}", close_code=_INVALID_DATA) from None


def _event_from_obj(obj: Any) -> ClientEvent:
    if not isinstance(obj, dict):
        raise RemoteProtocolError(f"an event must be a JSON object, got {type(obj).__name__}")
    missing = {"event", "task_id"} - obj.keys()
    if missing:
        raise RemoteProtocolError(f"event is missing {sorted(missing)}: {abbrev(obj)}")
    name = obj["event"]
    if not isinstance(name, str):
        raise RemoteProtocolError(f"event name must be a string, got {abbrev(name)}")
    return ClientEvent(name, obj["task_id"], obj.get("data"))


def _int_field(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RemoteProtocolError(f"{what} must be an integer, got {abbrev(value)}")
    if value < -1:
        raise RemoteProtocolError(f"{what} must be >= -1, got {value}")
    return value


def parse_event_list(body: str | bytes) -> tuple[ClientEvent, ...]:
    """Decode an HTTP POST body: a JSON array of events (PyWebIO 1.8).

    :raises RemoteProtocolError: malformed JSON, invalid UTF-8 or a wrong shape.
    """
    obj = _loads(body)
    if not isinstance(obj, list):
        raise RemoteProtocolError(f"expected a JSON array of events, got {type(obj).__name__}")
    return tuple(_event_from_obj(item) for item in obj)


def parse_ws_text(text: str) -> EventBatch | Ack:
    """Decode one WebSocket text message.

    Accepted shapes: one event object (PyWebIO 1.8); and, as documented extensions,
    a JSON array of events, ``{"seq": n, "events": [...]}`` (events numbered from
    ``n`` for dedupe across reconnects) and ``{"ack": n}``.

    :raises RemoteProtocolError: malformed JSON or a wrong shape.
    """
    obj = _loads(text)
    if isinstance(obj, list):
        return EventBatch(tuple(_event_from_obj(item) for item in obj))
    if isinstance(obj, dict):
        if "event" in obj:
            return EventBatch((_event_from_obj(obj),))
        if "ack" in obj and len(obj) == 1:
            return Ack(_int_field(obj["ack"], "ack"))
        if "events" in obj and isinstance(obj["events"], list):
            seq = _int_field(obj.get("seq"), "seq")
            return EventBatch(tuple(_event_from_obj(item) for item in obj["events"]), seq)
    raise RemoteProtocolError(f"unrecognised message: {abbrev(obj)}")


def _split_segments(data: bytes) -> list[bytes]:
    segments: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < _LEN_BYTES:
            raise RemoteProtocolError("truncated segment length in binary event", close_code=_UNSUPPORTED_DATA)
        length = int.from_bytes(data[pos : pos + _LEN_BYTES], "big")
        pos += _LEN_BYTES
        if length > end - pos:
            raise RemoteProtocolError(
                f"binary segment claims {length} bytes, {end - pos} remain", close_code=_UNSUPPORTED_DATA
            )
        segments.append(data[pos : pos + length])
        pos += length
    return segments


def _file_header(raw: bytes) -> dict[str, Any]:
    try:
        header = _loads(raw)
    except RemoteProtocolError:
        header = None
    if not isinstance(header, dict) or not isinstance(header.get("input_name"), str):
        raise RemoteProtocolError("file header must be a JSON object with input_name", close_code=_UNSUPPORTED_DATA)
    return header


def parse_binary_event(data: bytes) -> ClientEvent:
    """Decode PyWebIO's binary upload message.

    The message is segments of ``[8-byte big-endian length][payload]``: the event
    JSON, then pairs of (file header JSON, file bytes). The files of each
    ``input_name`` replace the event's ``data[input_name]``: with one
    ``UploadedFile`` where the page sent null (a single-file field), else with a
    list of them. File names are reduced to their basename.

    :raises RemoteProtocolError: with close code 1003 when ``data`` is not a valid upload.
    """
    segments = _split_segments(bytes(data))
    if not segments or len(segments) % 2 != 1:
        raise RemoteProtocolError(
            f"binary event needs 1 + 2n segments, got {len(segments)}", close_code=_UNSUPPORTED_DATA
        )
    try:
        event = _event_from_obj(_loads(segments[0]))
    except RemoteProtocolError as exc:
        raise RemoteProtocolError(f"binary event: {exc.message}", close_code=_UNSUPPORTED_DATA) from None
    if not isinstance(event.data, dict):
        raise RemoteProtocolError("binary event data must be an object", close_code=_UNSUPPORTED_DATA)
    data_out: dict[str, Any] = dict(event.data)
    files: dict[str, list[UploadedFile]] = {}
    for raw_header, content in zip(segments[1::2], segments[2::2], strict=True):
        header = _file_header(raw_header)
        name = posixpath.basename(str(header.get("filename", "")).replace("\\", "/"))
        size = header.get("size", len(content))
        if size != len(content):
            raise RemoteProtocolError(
                f"file {abbrev(name)} declares {abbrev(size)} bytes but carries {len(content)}",
                close_code=_UNSUPPORTED_DATA,
            )
        last_modified = header.get("last_modified", 0)
        files.setdefault(header["input_name"], []).append(
            UploadedFile(
                filename=name,
                size=len(content),
                mime_type=str(header.get("mime_type", "")),
                last_modified=_timestamp(last_modified),
                content=content,
            )
        )
    for input_name, items in files.items():
        # The page sends null for a single-file field and [] for a multiple one.
        data_out[input_name] = items[0] if event.data.get(input_name) is None and len(items) == 1 else items
    return ClientEvent(event.event, event.task_id, data_out)


def _timestamp(value: Any) -> float:
    """A file's ``last_modified``: a finite number, else 0 (an int too big for a float too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        return float(value)
    except OverflowError:
        return 0.0


#: Shows what a refused message held: a few levels and items of it, cheaply (a plain
#: repr would walk all of a megabyte message, and recurse as deep as it nests).
_short_repr = reprlib.Repr()
_short_repr.maxlevel = 3
_short_repr.maxstring = 40
_short_repr.maxother = 40


def abbrev(obj: Any, limit: int = 80) -> str:
    """A short repr of a value from the client, for an error message or a log line:
    a few levels and items of it, at most ``limit`` characters."""
    return _abbrev_text(_short_repr.repr(obj), limit)


def _abbrev_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_seq(value: str | None, name: str, *, required: bool) -> int | None:
    """Parse a ``?seq=``/``?ack=`` query parameter.

    :raises RemoteProtocolError: a missing required value, a non-integer or one below -1.
    """
    if value is None or value == "":
        if required:
            raise RemoteProtocolError(f"missing query parameter {name!r}")
        return None
    try:
        number = int(value)
    except ValueError:
        raise RemoteProtocolError(f"query parameter {name!r} must be an integer, got {abbrev(value)}") from None
    if number < -1:
        raise RemoteProtocolError(f"query parameter {name!r} must be >= -1, got {abbrev(number)}")
    return number


def close_session_envelope(ack: int | None, error: str) -> str:
    """PyWebIO's reply for an unknown session: ``close_session`` as batch ``ack+1``."""
    seq = (ack if ack is not None else -1) + 1
    return _encoder.encode(
        {"commands": [[{"command": "close_session"}]], "seq": seq, "error": error}
    )


def envelope(batches: Sequence[Sequence[str]], seq: int, ack: int, ack_now: bool = False) -> str:
    """The HTTP reply ``{"commands": [[...], ...], "seq", "ack"}`` from encoded commands.

    :param ack_now: add ``"ack_now": true`` (extension): a task waits for the client to
        acknowledge these batches, so it should at once, without waiting for its held poll.
    """
    inner = ",".join("[" + ",".join(batch) + "]" for batch in batches)
    extra = ',"ack_now":true' if ack_now else ""
    return f'{{"commands":[{inner}],"seq":{seq},"ack":{ack}{extra}}}'


def error_body(message: str, ack: int | None = None) -> str:
    """JSON body of a refused request."""
    body: dict[str, Any] = {"error": message}
    if ack is not None:
        body["ack"] = ack
    return _encoder.encode(body)


#: Status of a request whose body is too large.
PAYLOAD_TOO_LARGE: Final = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
