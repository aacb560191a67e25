"""The fuzz cases: one strategy and one runner per fuzzer, and the rules every answer obeys.

Test helper only, shared by ``tests/fuzz/test_fuzz.py`` (bounded example counts) and
``benchmarks/fuzz_long.py`` (long runs). A runner sends one case to the live server
and returns an :class:`Outcome`: what the server answered (a label to count) and the
rules it broke: an HTTP status of 500 or more, a WebSocket close 1011, no answer
within the clients' timeout, or a traceback in the server's log. It asserts nothing
itself, so a long run can count every problem instead of stopping at the first.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from tests.fuzz import clients, strategies
from tests.fuzz.process import FuzzSession, Target, tracebacks
from tests.fuzz.strategies import TASK
from tests.transports.wsclient import OP_CLOSE, HandshakeRefused, ServerClosed

#: A JSON escape of a lone UTF-16 surrogate (a high one not followed by a low one, or a
#: low one not preceded by a high one). Valid JSON, but a string no UTF-8 encoder takes:
#: echoed by an app it breaks the session (fuzz finding 1, ``test_known_defects.py``).
LONE_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                            rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
#: The label of a case not sent because it holds a lone surrogate escape.
SKIPPED = "skipped: lone surrogate (finding 1)"


@dataclass
class Outcome:
    label: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fuzzer:
    name: str
    transport: str  # "http" or "ws"
    strategy: st.SearchStrategy[Any]
    run: Callable[[Target, Any], Outcome]


def judge_http(target: Target, data: bytes, session: FuzzSession | None = None) -> Outcome:
    """Send one request; with ``session``, follow its event seq by the answer's ``ack``."""
    try:
        answer = clients.exchange(target.port, data)
    except clients.NoAnswer as exc:
        return _with_log(target, Outcome("hang", [f"no answer: {exc}"]))
    if session is not None:
        session.follow(answer)
    outcome = Outcome(f"http {answer.status}")
    if answer.status is not None and answer.status >= 500:
        outcome.problems.append(f"HTTP {answer.status}: {answer.body[:300]!r}")
    return _with_log(target, outcome)


def _with_log(target: Target, outcome: Outcome) -> Outcome:
    log = target.server.new_log()
    if tracebacks(log):
        outcome.problems.append("traceback in the server log:\n" + log[-3000:])
    return outcome


# ---------------------------------------------------------------------- HTTP runners
def run_http_body(target: Target, case: Any) -> Outcome:
    content_type, body, seq = case
    session = target.fuzz_session
    if seq is None:
        seq = session.seq
        session.seq += 1
    headers = [("webio-session-id", session.sid)] + ([("Content-Type", content_type)] if content_type else [])
    body = body.replace(TASK.encode(), session.task_id.encode())
    if LONE_SURROGATE.search(body):
        return Outcome(SKIPPED)
    request = clients.build_request("POST", f"/?ack=-1&seq={quote(str(seq))}", headers, body)
    return judge_http(target, request, session)


def run_http_query(target: Target, case: Any) -> Outcome:
    method, query, sid = target.fuzz_session.fill(case)
    headers = [] if sid is None else [("webio-session-id", sid)]
    body = b"[]" if method == "POST" else None
    url = "/?" + urlencode(query, errors="surrogatepass")  # lone surrogates go as invalid UTF-8
    return judge_http(target, clients.build_request(method, url, headers, body))


def run_http_headers(target: Target, case: Any) -> Outcome:
    method, headers, sid = target.fuzz_session.fill(case)
    body = b"[]" if method == "POST" else None
    target_url = "/?app=echo&ack=-1" if method == "GET" else "/?ack=-1"
    return judge_http(target, clients.build_request(method, target_url, [("webio-session-id", sid), *headers], body))


def run_http_request_line(target: Target, case: bytes) -> Outcome:
    return judge_http(target, case)


# ---------------------------------------------------------------------- WebSocket runners
def judge_frames(target: Target, frames: list[tuple[int, bytes]]) -> Outcome:
    codes = clients.close_codes(frames)
    outcome = Outcome(f"ws close {codes[0] if codes else 'none'}")
    if 1011 in codes:
        outcome.problems.append(f"close 1011: {frames[-1][1]!r}")
    return _with_log(target, outcome)


def _ws_open(target: Target, query: dict[str, str]) -> Any:
    try:
        return clients.ws_connect(target.port, query)
    except HandshakeRefused as exc:
        return _with_log(target, Outcome(f"handshake {exc.status}", [f"handshake {exc.status}"] * (exc.status >= 500)))


def _ws_send(target: Target, query: dict[str, str], data: Callable[[str], bytes], payloads: bytes = b"") -> Outcome:
    """Open a session over ``query``, send ``data(task_id)``, close, and judge what came back.

    ``payloads``: the messages' text before masking, where a lone surrogate would show.
    """
    if LONE_SURROGATE.search(payloads):
        return Outcome(SKIPPED)
    client = _ws_open(target, query)
    if isinstance(client, Outcome):
        return client
    try:
        task_id, commands = "none", 0
        while commands < 2:  # set_session_id, then the form (one frame each, or a batch)
            message = json.loads(client.recv_text())
            for command in message if isinstance(message, list) else [message]:
                task_id = command.get("task_id") or task_id
                commands += 1
        frames = clients.ws_send_and_drain(client, data(task_id))
    except ServerClosed as exc:  # refused on opening (a bad ack, say): judge its close
        return judge_frames(target, [(OP_CLOSE, exc.code.to_bytes(2, "big") if exc.code else b"")])
    except clients.NoAnswer as exc:
        return _with_log(target, Outcome("hang", [str(exc)]))
    finally:
        client.sock.close()
    return judge_frames(target, frames)


def run_ws_frames(target: Target, case: Any) -> Outcome:
    query, frames = case
    return _ws_send(target, query, lambda task_id: b"".join(
        clients.frame(f["opcode"], f["payload"].replace(TASK.encode(), task_id.encode()), fin=f["fin"], rsv=f["rsv"],
                      mask=f["mask"], long_length=f["long_length"]) for f in frames),
        b"".join(f["payload"] for f in frames))


def run_ws_bytes(target: Target, case: bytes) -> Outcome:
    return _ws_send(target, {"app": "echo", "session": "NEW"}, lambda _: case)


def run_ws_messages(target: Target, case: Any) -> Outcome:
    query, messages = case
    return _ws_send(target, query, lambda task_id: b"".join(
        clients.text_frame(m.replace(TASK.encode(), task_id.encode())) for m in messages), b"\n".join(messages))


def run_ws_handshake(target: Target, case: Any) -> Outcome:
    query, headers = target.fuzz_session.fill(case)
    names = {k.lower() for k, _ in headers}
    base = [("Upgrade", "websocket"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13")]
    url = "/?" + urlencode(query, errors="surrogatepass")
    request = ("\r\n".join([f"GET {url} HTTP/1.1", f"Host: {clients.HOST}", "Connection: Upgrade",
                            *(f"{k}: {v}" for k, v in base if k.lower() not in names),
                            *(f"{k}: {v}" for k, v in headers)]) + "\r\n\r\n").encode("latin-1")
    try:
        with clients.connect(target.port) as sock:
            sock.sendall(request)
            answer = clients.read_response(sock)
            if answer.status != 101:
                outcome = Outcome(f"handshake {answer.status}")
                if answer.status is not None and answer.status >= 500:
                    outcome.problems.append(f"handshake {answer.status}: {answer.body[:300]!r}")
                return _with_log(target, outcome)
            sock.sendall(clients.close_frame())
            sock.shutdown(socket.SHUT_WR)
            raw = bytearray()
            while clients._fill(sock, raw):  # noqa: SLF001 - the same bounded read
                pass
    except clients.NoAnswer as exc:
        return _with_log(target, Outcome("hang", [str(exc)]))
    except TimeoutError:
        return _with_log(target, Outcome("hang", ["the server kept an upgraded connection open after our close"]))
    except OSError:  # the server closed before we were done sending: no answer to judge
        return _with_log(target, Outcome("closed while sending"))
    return judge_frames(target, clients.parse_frames(bytes(raw)))


FUZZERS = [
    Fuzzer("http_body", "http", strategies.http_bodies, run_http_body),
    Fuzzer("http_query", "http", strategies.http_queries, run_http_query),
    Fuzzer("http_headers", "http", strategies.http_headers, run_http_headers),
    Fuzzer("http_request_line", "http", strategies.request_lines, run_http_request_line),
    Fuzzer("ws_handshake", "ws", strategies.ws_handshakes, run_ws_handshake),
    Fuzzer("ws_frames", "ws", st.tuples(strategies.ws_queries, strategies.ws_frames), run_ws_frames),
    Fuzzer("ws_bytes", "ws", st.binary(max_size=300), run_ws_bytes),
    Fuzzer("ws_events", "ws", st.tuples(strategies.ws_queries, strategies.ws_messages), run_ws_messages),
]
