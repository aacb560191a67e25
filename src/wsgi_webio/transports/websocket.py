"""The WebSocket transport: one connection attached to one session at a time.

Owns what a connection does for its session: applying each client message (from
hub callbacks once the channel is evented, else from the handler greenlet's reader
loop), the on-demand writer greenlet that drains the session's outbox in corked
frames, reconnect with redelivery (``?session=<id>&ack=<n>``), and pings. Talks to
the socket only through a ``channel.Channel`` (any stack); protocol decisions come from
``protocol``/``core``.

Extensions over PyWebIO 1.8 (docs/protocol.md): a client that passes ``ack`` in
the URL acknowledges commands with ``{"ack": n}`` frames and gets every
unacknowledged command again after a reconnect; a client that does not (PyWebIO's
own) is treated as having received whatever was written to the socket. With
``batch=1`` pending commands travel as one JSON array per frame.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import TYPE_CHECKING, Any

import gevent

from ..core.state import CloseReason
from ..errors import LocalProtocolError, RemoteProtocolError
from ..protocol import CLOSE_SESSION, Ack, EventBatch, check_seq, parse_binary_event, parse_ws_text
from .channel import Channel, ChannelClosed

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from ..runtime.registry import SessionRegistry
    from ..runtime.session import Session

__all__ = ["WebSocketConnection", "bound_close_wait", "connection_open", "serve_websocket"]

logger = logging.getLogger(__name__)

# RFC 6455 §7.4.1
_NORMAL = 1000
_GOING_AWAY = 1001
_POLICY_VIOLATION = 1008
_INTERNAL_ERROR = 1011
#: Close codes the frame layer sends when it refuses a message: too big, not UTF-8,
#: broken framing. Logged as refusals, like the protocol layer's own.
_REFUSALS = frozenset({1002, 1007, 1009})
#: After closing a connection that a newer one replaced, how long its reader waits
#: for the peer's close frame before the socket is dropped.
_REPLACED_LINGER_S = 2.0


class WebSocketConnection:
    """The transport of a session while a WebSocket is attached to it."""

    __slots__ = ("session", "channel", "acked", "batched", "sent", "attached", "closed_cleanly", "_writing",
                 "_ping_due", "_refused")

    def __init__(
        self, session: Session, channel: Channel, acked: bool, start: int, batched: bool = False
    ) -> None:
        self.session = session
        self.channel = channel
        #: The client acknowledges commands itself (our client); else writing acks.
        self.acked = acked
        #: The client takes several commands per frame, as a JSON array (``?batch=1``).
        self.batched = batched
        #: Counted in the session's attached clients (until replaced or gone).
        self.attached = False
        #: The peer ended with a close frame (1000/1001): it read every frame before it.
        self.closed_cleanly = False
        #: Seq of the next command to write.
        self.sent = start
        self._writing = False
        self._ping_due = False
        #: We closed the connection refusing a message (and logged it, once).
        self._refused = False

    # --------------------------------------------------------------- session side
    def write_ready(self) -> None:
        if not self._writing and not self.channel.closed:
            self._writing = True
            gevent.spawn_raw(self._write_pending)

    def ping(self) -> None:
        self._ping_due = True
        self.write_ready()

    def _write_pending(self) -> None:
        session, link = self.session, self.session.link
        try:
            while not self.channel.closed:
                if self.sent < link.next_seq:
                    batch = link.since(self.sent)
                    # Counted as sent before the (possibly long) sendall: the client may
                    # run and acknowledge the first frames while the rest still travel.
                    self.sent += len(batch)
                    if self.batched:
                        self.channel.send("[" + ",".join(batch) + "]")
                    else:
                        self.channel.send_many(batch)  # one frame each, one sendall
                    if not self.acked:
                        session.acknowledge(self.sent - 1)
                elif self._ping_due:
                    self._ping_due = False
                    self.channel.ping()
                else:
                    break
            if session.is_closed and self.sent >= link.next_seq and not self.channel.closed:
                self.channel.close(_NORMAL, "session closed")
        except ChannelClosed:
            pass  # the reader sees it too and detaches the session
        except LocalProtocolError as exc:  # our own invariant broke: drop this client
            logger.error("session %s: %s", session.tag, exc)
            self.channel.close(1011, "internal error")
        finally:
            self._writing = False

    # --------------------------------------------------------------- client side
    def handle_message(self, message: str | bytes) -> None:
        """Apply one client message. :raises RemoteProtocolError: refused."""
        if isinstance(message, str):
            parsed = parse_ws_text(message)
        else:
            parsed = EventBatch((parse_binary_event(message),))
        if isinstance(parsed, Ack):
            if not self.acked:
                raise RemoteProtocolError("ack frames need a connection opened with ?ack=")
            self.session.acknowledge(parsed.seq, self.sent)
        else:
            self.session.data_received(parsed)

    def on_message(self, message: str | bytes) -> None:
        """Apply one message; a refused one closes the connection with its close code.
        Never blocks: it runs in a hub callback once the channel is evented."""
        try:
            self.handle_message(message)
        except RemoteProtocolError as exc:
            self._refused = True  # logged here, not again by ended()
            logger.warning("session %s: closing WebSocket (%d): %s", self.session.tag, exc.close_code, exc.message)
            self.channel.close(exc.close_code, exc.message)

    def serve(self) -> None:
        """Read messages in this greenlet until the connection ends (a channel that
        could not be evented)."""
        channel = self.channel
        try:
            while not channel.closed:
                self.on_message(channel.receive())
        except ChannelClosed as exc:
            self.ended(exc.code, exc.reason)

    def ended(self, code: int, reason: str) -> None:
        """The connection is over (``code`` as ChannelClosed reports it)."""
        self.closed_cleanly = code in (_NORMAL, _GOING_AWAY)
        if code in _REFUSALS and not self._refused:
            logger.warning("session %s: refused WebSocket message (%d): %s", self.session.tag, code, reason)
        else:
            logger.debug("session %s: WebSocket closed (%s %s)", self.session.tag, code, reason)


def _hello(session: Session, start: int, acked: bool) -> str:
    hello: dict[str, Any] = {"command": "set_session_id", "task_id": None, "spec": session.id}
    if acked:
        hello["seq"] = start
        hello["ack"] = session.link.last_event_seq
    return json.dumps(hello, separators=(",", ":"))


def serve_websocket(
    request: Request,
    channel: Channel,
    registry: SessionRegistry,
    create: Any,
) -> None:
    """Run one accepted WebSocket: create or resume its session, then read until it ends.

    :param create: ``create(request) -> Session`` for ``?session=NEW`` (may raise
        RemoteProtocolError, e.g. 503 when full).
    """
    args = request.args
    try:
        client_ack = check_seq(args.get("ack"), "ack", required=False)
    except RemoteProtocolError as exc:
        channel.close(exc.close_code, exc.message)
        return
    acked = client_ack is not None
    requested = args.get("session", "NEW") or "NEW"
    if requested.startswith("NEW"):
        try:
            session = create(request)
        except RemoteProtocolError as exc:
            channel.close(exc.close_code, exc.message)
            return
        start = 0
    else:
        found = registry.get(requested)
        if found is None or not isinstance(found.transport_state, _WsState) or found.link.is_delivered:
            logger.info("WebSocket for unknown or expired session %.8s…", requested)
            try:
                channel.send(CLOSE_SESSION)
            except ChannelClosed:
                return
            channel.close(_POLICY_VIOLATION, "unknown or expired session")
            return
        session = found
        try:
            start = session.link.resume_from(client_ack)
        except RemoteProtocolError as exc:
            channel.close(exc.close_code, exc.message)
            return
    state = session.transport_state
    assert isinstance(state, _WsState)  # made by create(), or checked above
    previous = state.connection
    if previous is not None:
        # The client came back on a new connection: the old one is dead or dying.
        # Detach it now (its reader may stay blocked until TCP gives up) and bound it.
        _detach(previous, registry.config.reconnect_timeout)
        # In its own greenlet: a dead peer's full socket must not delay this handshake.
        gevent.spawn_raw(_close_replaced, previous.channel)
    conn = WebSocketConnection(session, channel, acked, start, batched=args.get("batch") == "1")
    state.connection = conn
    try:
        channel.send(_hello(session, start, acked))
    except ChannelClosed:
        return
    if not session.is_closed:
        session.connection_made(conn)
        conn.attached = True
    registry.add_pingable(conn)
    conn.write_ready()
    evented = channel.listen(conn.on_message, functools.partial(_ended, conn, registry))
    interval = registry.config.ping_interval
    if interval:
        # A peer that answers neither pings nor anything else for two intervals is gone.
        channel.set_read_timeout(2 * interval + 5)
    if evented:
        return  # read by hub callbacks from now on; this greenlet and the handshake's state go
    failed = False
    try:
        conn.serve()
    except Exception:
        failed = True
        logger.exception("session %s: WebSocket transport failed", session.tag)
        channel.close(_INTERNAL_ERROR, "internal error")
    finally:
        _forget(conn, registry, failed)


def _close_replaced(channel: Channel) -> None:
    channel.set_read_timeout(_REPLACED_LINGER_S)  # first: it also bounds the close frame's send
    channel.close(_GOING_AWAY, "replaced by a newer connection")


def _ended(conn: WebSocketConnection, registry: SessionRegistry, code: int, reason: str) -> None:
    """End of an evented connection, in a greenlet of its own."""
    try:
        conn.ended(code, reason)
    finally:
        _forget(conn, registry, False)


def _forget(conn: WebSocketConnection, registry: SessionRegistry, failed: bool) -> None:
    """Take a finished connection off its session and the registry."""
    session, channel = conn.session, conn.channel
    state = session.transport_state
    assert isinstance(state, _WsState)  # a connection is only made for its own sessions
    registry.discard_pingable(conn)
    if state.connection is conn:
        state.connection = None
    _detach(conn, registry.config.reconnect_timeout)
    if not failed:
        channel.close(_NORMAL)
    if session.is_closed and conn.closed_cleanly and conn.sent >= session.link.next_seq > 0:
        # A clean close handshake after our last frame: the client has read them all.
        session.acknowledge(session.link.next_seq - 1)
    registry.forget_if_done(session)


def _detach(conn: WebSocketConnection, reconnect_timeout: float) -> None:
    """Take ``conn`` off its session; with reconnect off, the session ends with it."""
    if not conn.attached:
        return
    conn.attached = False
    session = conn.session
    session.connection_lost(conn)
    if session.is_closed or session.link.attached:
        return
    if reconnect_timeout == 0:
        session.close(CloseReason.EXPIRED)


class _WsState:
    """Per-session state of the WebSocket transport: the attached connection."""

    __slots__ = ("connection",)

    def __init__(self) -> None:
        self.connection: WebSocketConnection | None = None


def make_ws_state() -> _WsState:
    return _WsState()


def connection_open(session: Session) -> bool | None:
    """Whether the WebSocket connection attached to ``session`` is still open; None when
    none is (no connection now, or a session of another transport)."""
    state = session.transport_state
    if not isinstance(state, _WsState) or state.connection is None:
        return None
    return not state.connection.channel.closed


def bound_close_wait(session: Session, seconds: float) -> None:
    """Give the peer of ``session``'s WebSocket connection, if any, at most ``seconds`` more
    to answer (our close frame, typically) before the connection is dropped."""
    state = session.transport_state
    if isinstance(state, _WsState) and state.connection is not None:
        state.connection.channel.set_read_timeout(seconds)
