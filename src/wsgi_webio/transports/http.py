"""The HTTP transport: PyWebIO 1.8's envelope served as true long-polling.

Owns what a session-carrying HTTP request means (create on GET, poll with ``ack``,
hold with ``wait``, POST events with ``seq``) over Werkzeug requests and responses:
through the seeds' HttpContext (``httpcontext.py``). Makes no protocol decisions of its own:
the session's ``SessionLink`` (``core/link.py``) does; errors come with hints.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import gevent
import gevent.event

from ..core.outbox import Poll
from ..errors import RemoteProtocolError
from ..info import make_session_info
from ..protocol import (
    EventBatch,
    check_seq,
    close_session_envelope,
    envelope,
    error_body,
    parse_binary_event,
    parse_event_list,
)
from ..runtime.session import session_tag

if TYPE_CHECKING:
    from ..options import WebIOConfig
    from ..runtime.registry import SessionRegistry
    from ..runtime.session import Session
    from .httpcontext import HttpContext

__all__ = ["LongPollChannel", "SESSION_HEADER", "handle_http"]

logger = logging.getLogger(__name__)

#: Request header naming the session (``NEW`` or ``NEW-...`` to create one) and the
#: response header carrying the server-generated id (PyWebIO 1.8's name).
SESSION_HEADER: Final = "webio-session-id"
#: Extension: ``?wait=1`` asks the server to hold the GET until there is news.
WAIT_PARAM: Final = "wait"
#: A POST whose tasks have not settled after this long stops holding back the held GET,
#: so the outputs of a long-running task stream to the page (bounded by post_settle_seconds).
STREAM_AFTER_SECONDS: Final = 0.2
#: A held GET answers after a random 80-100% of poll_hold_seconds, so the polls of many
#: sessions opened together (and no longer answered per interaction) do not all time out,
#: and come back, in the same instant.
HOLD_JITTER: Final = 0.2


class LongPollChannel:
    """A session's HTTP transport: the wake-up of a held GET.

    One request per interaction: while a POST of the session waits for the tasks it woke
    to settle, new commands do not wake the held GET, and the POST's reply carries them.
    The GET is woken once no POST is settling if commands were never sent in any reply
    (e.g. a background task's), or the session closed. A POST settling longer than
    ``STREAM_AFTER_SECONDS`` stops holding the GET back, so a long task's outputs stream.
    """

    __slots__ = ("link", "_news", "_generation", "_settling", "_sent_upto", "_replies")

    def __init__(self, session: Session) -> None:
        #: The session's link; not the session, which holds this channel (no reference
        #: cycle: a session that ends is freed without the cyclic collector).
        self.link = session.link
        self._news = gevent.event.Event()
        self._generation = 0
        #: POSTs of this session waiting for their tasks to settle.
        self._settling = 0
        #: Seq just past the last command any reply carried.
        self._sent_upto = 0
        #: Replies that carried commands so far.
        self._replies = 0

    def write_ready(self) -> None:
        if not self._settling:
            self._news.set()

    def poll(self) -> Poll:
        """The batches a reply carries (cutting a new one if allowed), recorded as sent."""
        link = self.link
        first = link.first_seq
        poll = link.poll()
        if poll.batches:
            self._replies += 1
            self._sent_upto = max(self._sent_upto, first + sum(len(batch) for batch in poll.batches))
        return poll

    def _unsent(self) -> bool:
        return self.link.next_seq > self._sent_upto

    def begin_settle(self) -> None:
        """A POST starts waiting for its tasks: hold back the GET's wake-ups."""
        self._settling += 1

    def end_settle(self) -> None:
        """A POST answered (or stopped waiting): wake the GET if it now has news."""
        self._settling -= 1
        if not self._settling and (self.link.is_closed or self._unsent()):
            self._news.set()

    def hold(self, timeout: float) -> None:
        """Wait until there are commands to send, the session closes, a newer poll
        supersedes this one, or ``timeout`` passes. Commands outstanding when the poll
        arrived count unless a POST's reply has carried commands since."""
        self._generation += 1
        generation = self._generation
        self._news.set()  # wake the poll this one supersedes
        gevent.sleep(0)
        replies = self._replies
        # gevent: False for an exception means "just leave the with block".
        with gevent.Timeout(timeout * (1.0 - HOLD_JITTER * random.random()), False):  # type: ignore[arg-type]
            while not self._ready(generation, replies):
                self._news.clear()
                self._news.wait()

    def _ready(self, generation: int, replies: int) -> bool:
        if generation != self._generation:
            return True
        if self._settling:
            return False
        if self.link.is_closed or self._unsent():
            return True
        return replies == self._replies and self.link.has_news()


def _reply(ctx: HttpContext, body: str, status: int = HTTPStatus.OK, session_id: str | None = None) -> None:
    ctx.set_status(status)
    ctx.set_content(body, json_type=True)
    if session_id is not None:
        ctx.set_header(SESSION_HEADER, session_id)


def _refuse(ctx: HttpContext, exc: RemoteProtocolError, what: str, ack: int | None = None) -> None:
    logger.warning("refused %s: %s", what, exc.message)
    _reply(ctx, error_body(exc.message, ack), exc.status_hint)


def _read_events(ctx: HttpContext, max_size: int) -> tuple[Any, ...]:
    body = ctx.request_body(max_size)
    if ctx.request_content_type() == "application/octet-stream":
        return (parse_binary_event(body),)
    return parse_event_list(body)


def handle_http(
    ctx: HttpContext,
    registry: SessionRegistry,
    config: WebIOConfig,
    choose_app: Callable[[str | None], Callable[[], Any]],
) -> None:
    """Answer one request that carries the session header (or a POST without it),
    building the response in ``ctx``."""
    sid = ctx.request_headers().get(SESSION_HEADER)
    method = ctx.request_method()
    if method == "POST":
        if not sid:
            return _refuse(ctx, RemoteProtocolError("POST without a webio-session-id header"), "POST")
        if sid.startswith("NEW"):
            exc = RemoteProtocolError("sessions are created by GET only", status_hint=HTTPStatus.FORBIDDEN)
            return _refuse(ctx, exc, "POST")
    elif method != "GET":
        exc = RemoteProtocolError(f"method {method} not allowed", status_hint=HTTPStatus.METHOD_NOT_ALLOWED)
        return _refuse(ctx, exc, method)
    try:
        ack = check_seq(ctx.request_url_parameter("ack"), "ack", required=False)
    except RemoteProtocolError as exc:
        return _refuse(ctx, exc, "request")
    ack = -1 if ack is None else ack

    created = False
    if sid is not None and sid.startswith("NEW") and method == "GET":
        try:
            info = make_session_info(ctx.request_obj(), "http", config.trusted_networks)
            session = registry.create(choose_app(ctx.request_url_parameter("app")), info)
        except RemoteProtocolError as exc:
            return _refuse(ctx, exc, "session creation")
        session.transport_state = channel = LongPollChannel(session)
        created, ack = True, -1
    else:
        found = registry.get(sid or "")
        state = None if found is None else found.transport_state
        if found is None or not isinstance(state, LongPollChannel):
            logger.info("request for unknown or expired session %s", session_tag(sid or ""))
            return _reply(ctx, close_session_envelope(ack, "unknown or expired session"))
        session, channel = found, state

    attached = not session.is_closed
    if attached:
        session.connection_made(channel)
    try:
        if method == "POST":
            _post(ctx, session, channel, config, ack)
            return None
        session.acknowledge_batches(ack)
        if created:
            session.wait_settled(session.tasks(), config.post_settle_seconds)
        elif ctx.request_url_parameter(WAIT_PARAM) not in (None, "", "0"):
            channel.hold(config.poll_hold_seconds)
        _answer(ctx, session, channel)
    except RemoteProtocolError as exc:
        _refuse(ctx, exc, f"request for session {session.id[:8]}…", session.link.last_event_seq)
    finally:
        if attached:
            session.connection_lost(channel)
        registry.forget_if_done(session)
    return None


def _answer(ctx: HttpContext, session: Session, channel: LongPollChannel, post: bool = False) -> None:
    poll = channel.poll()
    # A POST that leaves a task waiting on flow control asks for the client's ack at
    # once: the held GET is not woken for it (that would send these batches twice).
    ack_now = post and session.link.paused
    _reply(ctx, envelope(poll.batches, poll.seq, session.link.last_event_seq, ack_now), session_id=session.id)


def _post(ctx: HttpContext, session: Session, channel: LongPollChannel, config: WebIOConfig, ack: int) -> None:
    seq = check_seq(ctx.request_url_parameter("seq"), "seq", required=True)
    assert seq is not None  # required=True guarantees it
    # A batch refused as invalid counts as handled (the link's rule): the refusal's
    # "ack" tells the client not to retry it.
    woken = session.data_received(EventBatch(_read_events(ctx, config.max_message_size), seq))
    session.acknowledge_batches(ack)
    # The reply carries what the woken tasks send until they settle; the held GET is
    # not woken for it meanwhile (one request per interaction, each command sent once).
    first_wait = min(config.post_settle_seconds, STREAM_AFTER_SECONDS)
    channel.begin_settle()
    try:
        if session.wait_settled(woken, first_wait):
            _answer(ctx, session, channel, post=True)
            return
    finally:
        channel.end_settle()
    session.wait_settled(woken, config.post_settle_seconds - first_wait)
    _answer(ctx, session, channel, post=True)
