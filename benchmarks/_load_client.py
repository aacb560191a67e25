"""Load client process for run.py: many simulated users in one asyncio process.

    python benchmarks/_load_client.py '<json parameters>'

Speaks each server's wire protocol the way its own browser client does:

- ``ours-ws``: wsgi_webio's client. ``?app=A&session=NEW&ack=-1``; the first frame is
  ``set_session_id``; one command per frame; events go as ``{"seq": s, "events": [e]}``;
  commands are acknowledged with ``{"ack": n}`` at most every 50 ms (``ACK_DELAY_MS``).
- ``pywebio-ws``: PyWebIO's client. ``?app=A&session=NEW``; one event per frame.
- ``ours-lp``: wsgi_webio's long-poll client. ``GET ?ack=-1`` with ``webio-session-id: NEW``
  (the id comes back in the response header), then always one held ``GET ?ack=N&wait=1``
  on its own keep-alive connection, and POSTs ``?ack=N&seq=S`` on a second one; a POST
  reply with ``"ack_now": true`` is followed at once by ``GET ?ack=N`` (not held) there.
- ``pywebio-http``: PyWebIO's client. It generates ``NEW-<24 chars>``, drops the ``NEW-``
  after the first reply, polls ``GET ?ack=N`` every second (random phase per user; a
  poll is skipped while the last is still out, where PyWebIO's ``setInterval`` would
  pile them up) and POSTs events with ``seq``.

WebSockets use aiohttp; ``compress`` 15 offers permessage-deflate as browsers do, 0
does not. HTTP uses a small raw HTTP/1.1 keep-alive client with TCP_NODELAY (one
connection per channel, as a browser tab would have), far cheaper per request than a
general client, so the server rather than the client is what is measured.

Talks to the driver on stdout (``PHASE <name> <json>``, then it waits for a line on
stdin) and ends with ``RESULT <json>``. Every wait has a timeout and every loop a count
and a deadline; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import socket
import string
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp

HOST = "127.0.0.1"
ACK_DELAY_S = 0.05  # wsgi_webio's client: ACK_DELAY_MS
PYWEBIO_POLL_S = 1.0  # PyWebIO's client: pull_interval_ms
REQUEST_TIMEOUT_S = 60.0  # longer than ours' 25 s poll hold


class Failed(Exception):
    pass


def now() -> float:
    return time.perf_counter()


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------- HTTP


class HttpConn:
    """One keep-alive HTTP/1.1 connection; requests on it are sequential."""

    __slots__ = ("port", "reader", "writer", "lock")

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.lock = asyncio.Lock()

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 22)
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None

    async def request(self, method: str, target: str, headers: dict[str, str], body: bytes | None = None,
                      timeout: float = REQUEST_TIMEOUT_S) -> tuple[int, dict[str, str], bytes]:
        async with self.lock:
            return await asyncio.wait_for(self._request(method, target, headers, body), timeout)

    async def _request(self, method, target, headers, body):
        lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        for attempt in (0, 1):
            reused = self.writer is not None
            if not reused:
                await self._connect()
            try:
                self.writer.write(data)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt or not reused:  # only a stale keep-alive connection is retried
                    raise
        raise AssertionError("unreachable")

    async def _response(self):
        reader = self.reader
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(None, 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close" or status_line.startswith(b"HTTP/1.0"):
            self.close()
        return status, headers, body


# --------------------------------------------------------------------------- sessions


class Session:
    """One simulated browser tab: the commands it gets and the forms it answers."""

    flavor = ""

    def __init__(self, client: Client, app: str) -> None:
        self.client = client
        self.app = app
        self.form: str | None = None  # task id of the newest input_group
        self.closed = False  # close_session received or connection gone
        self.event_seq = 0
        self._preds: list[Callable[[dict], bool]] = []
        self._times: list[float] = []
        self._fut: asyncio.Future | None = None
        self.counter = 0  # outputs seen (fanout)

    # ---- what the scenarios use
    def expect(self, *preds: Callable[[dict], bool]) -> asyncio.Future:
        """A future resolved with the arrival times of commands matching ``preds`` in order."""
        self._preds = list(preds)
        self._times = []
        self._fut = asyncio.get_running_loop().create_future()
        return self._fut

    async def wait(self, fut: asyncio.Future, timeout: float) -> list[float]:
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            self._fut = None
            raise Failed(f"timed out after {timeout:g}s") from None

    def dispatch(self, cmd: dict) -> None:
        name = cmd.get("command")
        if name == "input_group":
            self.form = cmd.get("task_id")
        elif name == "output":
            self.counter += 1
        elif name == "close_session":
            self.closed = True
        fut = self._fut
        if fut is not None and not fut.done():
            if self._preds[0](cmd):
                self._times.append(now())
                self._preds.pop(0)
                if not self._preds:
                    self._fut = None
                    fut.set_result(self._times)
            elif self.closed:
                self._fut = None
                fut.set_exception(Failed("session closed"))

    def lost(self, why: str) -> None:
        self.closed = True
        fut = self._fut
        if fut is not None and not fut.done():
            self._fut = None
            fut.set_exception(Failed(why))

    def submit_event(self, value: str) -> dict:
        if self.form is None:
            raise Failed("no form to answer")
        task, self.form = self.form, None
        return {"event": "from_submit", "task_id": task, "data": {"data": value}}

    async def open(self, timeout: float) -> None:
        fut = self.expect(is_form)
        await self.connect()
        await self.wait(fut, timeout)

    async def connect(self) -> None:
        raise NotImplementedError

    async def submit(self, value: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


def is_form(cmd: dict) -> bool:
    return cmd.get("command") == "input_group"


def is_close(cmd: dict) -> bool:
    return cmd.get("command") == "close_session"


def output_of(value: str) -> Callable[[dict], bool]:
    def pred(cmd: dict) -> bool:
        return cmd.get("command") == "output" and (cmd.get("spec") or {}).get("content") == value
    return pred


class WsSession(Session):
    def __init__(self, client: Client, app: str) -> None:
        super().__init__(client, app)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.ours = client.flavor == "ours-ws"
        self.hello = not self.ours  # PyWebIO with reconnect_timeout=0 sends no set_session_id
        self.cmd_seq = 0
        self.last_executed = -1
        self.acked = -1
        self.ack_handle: asyncio.TimerHandle | None = None

    async def connect(self) -> None:
        query = f"app={self.app}&session=NEW" + ("&ack=-1" if self.ours else "")
        self.ws = await self.client.http.ws_connect(
            f"http://{HOST}:{self.client.port}/?{query}", compress=self.client.compress,
            autoping=True, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        ws = self.ws
        why = "connection closed"
        try:
            while True:
                msg = await ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    if msg.type == aiohttp.WSMsgType.ERROR:
                        why = f"websocket error {msg.data!r}"
                    break
                data = json.loads(msg.data)
                if not self.hello:
                    if data.get("command") == "set_session_id":
                        self.hello = True
                        self.cmd_seq = data.get("seq", 0)
                        continue
                    self.dispatch(data)
                    continue
                for cmd in data if isinstance(data, list) else (data,):
                    if self.ours:
                        self.last_executed = self.cmd_seq
                        self.cmd_seq += 1
                    self.dispatch(cmd)
                if self.ours and self.ack_handle is None and not self.closed:
                    self.ack_handle = asyncio.get_running_loop().call_later(ACK_DELAY_S, self._flush_ack)
        except Exception as exc:  # noqa: BLE001 - any failure ends this user
            why = f"{type(exc).__name__}: {exc}"
        self.lost(why)

    def _flush_ack(self) -> None:
        self.ack_handle = None
        if self.closed or self.ws is None or self.ws.closed or self.last_executed <= self.acked:
            return
        self.acked = self.last_executed
        asyncio.ensure_future(self._send(json.dumps({"ack": self.acked})))

    async def _send(self, text: str) -> None:
        try:
            await self.ws.send_str(text)
        except Exception as exc:  # noqa: BLE001
            self.lost(f"send failed: {exc}")

    async def submit(self, value: str) -> None:
        event = self.submit_event(value)
        if self.ours:
            text = json.dumps({"seq": self.event_seq, "events": [event]})
            self.event_seq += 1
        else:
            text = json.dumps(event)
        await self.ws.send_str(text)

    async def close(self) -> None:
        self.closed = True
        if self.ack_handle is not None:
            self.ack_handle.cancel()
        if self.ws is not None and not self.ws.closed:
            try:
                await asyncio.wait_for(self.ws.close(), 3)
            except Exception:  # noqa: BLE001
                pass
        if self.reader is not None:
            self.reader.cancel()


class HttpSession(Session):
    """Both HTTP flavours: ours (long-poll) and PyWebIO's (1 s polling)."""

    def __init__(self, client: Client, app: str) -> None:
        super().__init__(client, app)
        self.ours = client.flavor == "ours-lp"
        self.poll_conn = HttpConn(client.port)
        self.post_conn = HttpConn(client.port)
        self.last_batch = -1
        self.sid = "NEW" if self.ours else "NEW-" + "".join(random.choices(string.ascii_letters + string.digits, k=24))
        self.poller: asyncio.Task | None = None
        self.polls = 0

    def _handle(self, status: int, headers: dict[str, str], body: bytes) -> dict:
        if status >= 300:
            raise Failed(f"HTTP {status}: {body[:200]!r}")
        data: dict = json.loads(body)
        seq = data.get("seq", self.last_batch + 1)
        for batch in data.get("commands") or ():
            if seq > self.last_batch:
                for cmd in batch:
                    self.dispatch(cmd)
                self.last_batch = seq
            seq += 1
        return data

    async def connect(self) -> None:
        status, headers, body = await self.poll_conn.request(
            "GET", f"/?app={self.app}&ack=-1", {"webio-session-id": self.sid})
        if self.ours:
            self.sid = headers.get("webio-session-id") or ""
            if not self.sid:
                raise Failed(f"no session id in the reply (HTTP {status})")
        else:
            self.sid = self.sid[4:]
        self._handle(status, headers, body)
        self.poller = asyncio.create_task(self._poll_loop())

    async def _poll_loop(self) -> None:
        try:
            if self.ours:
                while not self.closed:
                    reply = await self.poll_conn.request(
                        "GET", f"/?app={self.app}&ack={self.last_batch}&wait=1", {"webio-session-id": self.sid})
                    self.polls += 1
                    self._handle(*reply)
            else:
                await asyncio.sleep(random.random() * PYWEBIO_POLL_S)
                next_at = time.monotonic()
                while not self.closed:
                    reply = await self.poll_conn.request(
                        "GET", f"/?app={self.app}&ack={self.last_batch}", {"webio-session-id": self.sid})
                    self.polls += 1
                    self._handle(*reply)
                    next_at += PYWEBIO_POLL_S
                    delay = next_at - time.monotonic()
                    if delay < 0:  # the poll took longer than the interval: skip the missed ticks
                        next_at = time.monotonic() + (-delay % PYWEBIO_POLL_S)
                        delay = next_at - time.monotonic()
                    await asyncio.sleep(delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            self.lost(f"poll failed: {type(exc).__name__}: {exc}")

    async def submit(self, value: str) -> None:
        event = self.submit_event(value)
        seq = self.event_seq
        self.event_seq += 1
        body = json.dumps([event]).encode()
        reply = await self.post_conn.request(
            "POST", f"/?app={self.app}&ack={self.last_batch}&seq={seq}",
            {"webio-session-id": self.sid, "Content-Type": "application/json; charset=utf-8"}, body)
        if self._handle(*reply).get("ack_now"):
            # As the browser client does: the server's task waits for this ack (flow control).
            self._handle(*await self.post_conn.request(
                "GET", f"/?app={self.app}&ack={self.last_batch}", {"webio-session-id": self.sid}))

    async def close(self) -> None:
        self.closed = True
        if self.poller is not None:
            self.poller.cancel()
        if self.ours and self.last_batch >= 0:
            # As the browser client does when it stops: acknowledge what it executed
            # (close_session included), so the server can forget the session at once.
            try:
                await self.post_conn.request(
                    "GET", f"/?app={self.app}&ack={self.last_batch}", {"webio-session-id": self.sid})
            except Exception:  # noqa: BLE001 - a best-effort goodbye
                pass
        self.poll_conn.close()
        self.post_conn.close()


# --------------------------------------------------------------------------- the client


class Client:
    def __init__(self, params: dict[str, Any]) -> None:
        self.p = params
        self.port: int = params["port"]
        self.flavor: str = params["flavor"]
        self.compress: int = params.get("compress", 0)
        self.deadline = time.monotonic() + params.get("deadline", 120)
        self.http: aiohttp.ClientSession | None = None
        self.errors: dict[str, int] = {}

    def session(self, app: str) -> Session:
        return (WsSession if self.flavor.endswith("-ws") else HttpSession)(self, app)

    def error(self, why: str) -> None:
        key = why[:120]
        self.errors[key] = self.errors.get(key, 0) + 1

    def left(self) -> float:
        return self.deadline - time.monotonic()

    async def phase(self, name: str, info: dict | None = None) -> str:
        print(f"PHASE {name} {json.dumps(info or {})}", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return line.strip()

    async def open_many(self, app: str, n: int, concurrency: int, timeout: float) -> tuple[list[Session], float]:
        """Open ``n`` sessions, at most ``concurrency`` handshakes at once; those that got
        their prompt are returned."""
        sem = asyncio.Semaphore(concurrency)
        sessions: list[Session] = []

        async def one() -> None:
            async with sem:
                if self.left() <= 0:
                    self.error("deadline before opening")
                    return
                s = self.session(app)
                try:
                    await s.open(min(timeout, max(0.1, self.left())))
                    sessions.append(s)
                except Exception as exc:  # noqa: BLE001
                    self.error(f"open: {type(exc).__name__}: {exc}")
                    await s.close()

        t0 = now()
        await asyncio.gather(*(one() for _ in range(n)))
        return sessions, now() - t0

    async def close_all(self, sessions: list[Session]) -> None:
        sem = asyncio.Semaphore(200)

        async def one(s: Session) -> None:
            async with sem:
                await s.close()

        try:
            await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions), return_exceptions=True), 60)
        except TimeoutError:
            self.error("closing took over 60 s; the rest are dropped when the client exits")

    # ------------------------------------------------------------------ scenarios
    async def echo(self) -> dict:
        """C users, each answering K times and waiting for the echoed output (and the
        next form). ``think`` > 0: each pauses uniform(0, 2*think) s before answering."""
        p = self.p
        c, k, think, app = p["users"], p["rounds"], p.get("think", 0.0), p.get("app", "echo")
        sessions, open_s = await self.open_many(app, c, p.get("open_concurrency", 100), 30)
        await self.phase("ready", {"opened": len(sessions), "open_s": open_s})
        lat: list[float] = []
        done = [0]
        t_first: list[float] = []
        t_last = [0.0]

        async def user(i: int, s: Session) -> None:
            if think:
                await asyncio.sleep(random.random() * 2 * think)
            else:
                await asyncio.sleep(random.random() * 0.05)  # do not all start in one tick
            for r in range(k):
                if self.left() <= 0:
                    self.error("deadline")
                    return
                value = f"u{i}r{r}"
                fut = s.expect(output_of(value), is_form)
                t0 = now()
                if not t_first:
                    t_first.append(t0)
                try:
                    await s.submit(value)
                    t_out, _ = await s.wait(fut, min(30, max(0.1, self.left())))
                except Exception as exc:  # noqa: BLE001
                    self.error(f"interaction: {type(exc).__name__}: {exc}")
                    return
                lat.append((t_out - t0) * 1000)
                done[0] += 1
                t_last[0] = now()
                if think and r < k - 1:
                    await asyncio.sleep(random.random() * 2 * think)

        cpu0 = cpu_seconds()
        await asyncio.gather(*(user(i, s) for i, s in enumerate(sessions)))
        cpu = cpu_seconds() - cpu0
        elapsed = (t_last[0] - t_first[0]) if t_first and t_last[0] else 0.0
        await self.close_all(sessions)
        return {"latencies_ms": lat, "completed": done[0], "expected": c * k, "opened": len(sessions),
                "elapsed_s": elapsed, "per_s": done[0] / elapsed if elapsed > 0 else 0.0,
                "client_cpu_s": cpu}

    async def fanout(self) -> dict:
        """One session; each round asks the app for M put_text commands and times until
        all M and the next form have arrived."""
        p = self.p
        m, rounds = p["commands"], p["rounds"]
        s = self.session("fanout")
        await s.open(30)
        await self.phase("ready", {})
        rates, cpu0 = [], cpu_seconds()
        for _ in range(rounds):
            if self.left() <= 0:
                self.error("deadline")
                break
            start_count = s.counter
            target = start_count + m
            fut = s.expect(lambda cmd, target=target: is_form(cmd) and s.counter >= target)
            t0 = now()
            try:
                await s.submit(str(m))
                (t1,) = await s.wait(fut, max(0.1, self.left()))
            except Exception as exc:  # noqa: BLE001
                self.error(f"fanout: {type(exc).__name__}: {exc}")
                break
            rates.append(m / (t1 - t0))
        cpu = cpu_seconds() - cpu0
        await s.close()
        return {"rates": rates, "commands": m, "client_cpu_s": cpu}

    async def idle(self) -> dict:
        """Warm up (sessions that answer and end), then open N sessions parked at an input
        and hold them while the driver measures; then check they are all still there."""
        p = self.p
        warm, _ = await self.open_many("once", p.get("warm", 10), 10, 30)
        await self._finish_once(warm)
        await self.phase("warm", {"warm": len(warm)})
        sessions, open_s = await self.open_many("once", p["sessions"], p.get("open_concurrency", 100),
                                                p.get("open_timeout", 60))
        polls0 = sum(getattr(s, "polls", 0) for s in sessions)
        cpu0, t0 = cpu_seconds(), now()
        await self.phase("parked", {"prompted": len(sessions), "open_s": open_s})
        polls = sum(getattr(s, "polls", 0) for s in sessions) - polls0
        cpu, held = cpu_seconds() - cpu0, now() - t0
        alive = sum(not s.closed for s in sessions)
        await self.close_all(sessions)
        return {"prompted": len(sessions), "alive_after": alive, "open_s": open_s,
                "polls_while_parked": polls, "parked_s": held,
                "polls_per_s": polls / held if held > 0 else 0.0, "client_cpu_while_parked_s": cpu}

    async def _finish_once(self, sessions: list[Session]) -> None:
        """Answer each ``once`` session; it echoes, ends, and the client closes it."""
        async def one(s: Session) -> None:
            try:
                fut = s.expect(is_close)
                await s.submit("bye")
                await s.wait(fut, 15)
            except Exception as exc:  # noqa: BLE001
                self.error(f"finish: {type(exc).__name__}: {exc}")
            await s.close()
        await asyncio.gather(*(one(s) for s in sessions))

    async def churn(self) -> dict:
        """Open and close sessions: open, answer the prompt, get the echo and the
        session's end, close. ``checkpoints``: counts at which the driver measures."""
        p = self.p
        conc = p.get("concurrency", 20)
        warm, _ = await self.open_many("once", p.get("warm", 10), 10, 30)
        await self._finish_once(warm)
        await self.phase("warm", {"warm": len(warm)})
        done = [0]
        active = 0.0  # time spent cycling, not waiting for the driver at checkpoints
        for checkpoint in p["checkpoints"]:
            todo = checkpoint - done[0]
            sem = asyncio.Semaphore(conc)

            async def cycle(sem: asyncio.Semaphore = sem) -> None:
                async with sem:
                    if self.left() <= 0:
                        self.error("deadline")
                        return
                    s = self.session("once")
                    try:
                        await s.open(15)
                        fut = s.expect(is_close)
                        await s.submit("bye")
                        await s.wait(fut, 15)
                        done[0] += 1
                    except Exception as exc:  # noqa: BLE001
                        self.error(f"cycle: {type(exc).__name__}: {exc}")
                    finally:
                        await s.close()

            t0 = now()
            await asyncio.gather(*(cycle() for _ in range(todo)))
            active += now() - t0
            await self.phase("checkpoint", {"cycles": done[0], "elapsed_s": active})
        return {"cycles": done[0], "elapsed_s": active}

    async def run(self) -> dict:
        timeout = aiohttp.ClientTimeout(total=None, connect=30, sock_connect=30)
        connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=False)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            self.http = http
            result = await getattr(self, self.p["scenario"])()
        result["errors"] = self.errors
        return result


def main() -> None:
    params = json.loads(sys.argv[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    random.seed(params.get("seed", 1))
    result = asyncio.run(Client(params).run())
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
