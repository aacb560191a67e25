"""Facts about a session's client, taken from the request that opened it.

Owns SessionInfo and how the client's IP is derived (X-Forwarded-For only from
trusted proxies). Reads a Werkzeug request and keeps a detached copy of it (no input
stream, socket or server objects: a session outlives its request by hours); must not
touch sessions or sockets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import user_agents

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

__all__ = ["SessionInfo", "client_ip", "make_session_info"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: environ entries that tie a request to its connection (streams, sockets, the
#: server's upgrade hooks): not kept in ``SessionInfo.request``.
_CONNECTION_KEYS = frozenset({
    "wsgi.input", "wsgi.errors", "wsgi.file_wrapper", "wsgi.input_terminated", "gunicorn.socket", "gunicorn.sock",
    "wsgi.websocket", "wsgi_webio.websocket.accept", "wsgi_webio.socket", "werkzeug.request",
    "uwsgi.core", "uwsgi.node", "uwsgi.version",
})


def detached_request(request: Request) -> Request:
    """A copy of ``request`` that keeps its environ (headers, address, keys set by
    middleware) but not its connection: no body stream (reading it raises), no socket."""
    environ = {k: v for k, v in request.environ.items() if k not in _CONNECTION_KEYS}
    return type(request)(environ, shallow=True)


def parse_networks(items: Sequence[str]) -> tuple[Network, ...]:
    """Parse ``trusted_proxies`` entries (addresses or CIDR networks).

    :raises ValueError: naming the entry that is neither.
    """
    nets = []
    for item in items:
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: {item!r} is not an IP address or network") from None
    return tuple(nets)


def _is_trusted(addr: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def request_scheme(scheme: str, remote_addr: str | None, forwarded_proto: str | None,
                   trusted: Sequence[Network]) -> str:
    """The scheme the client used: the WSGI scheme, or, when the peer is a trusted proxy
    that says ``X-Forwarded-Proto: http|https``, that (its first value, for a chain)."""
    if not trusted or not forwarded_proto or not _is_trusted(remote_addr or "", trusted):
        return scheme
    said = forwarded_proto.split(",")[0].strip().lower()
    return said if said in ("http", "https") else scheme


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the
    right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    addr = remote_addr or ""
    if not trusted or not forwarded_for or not _is_trusted(addr, trusted):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            # An entry that is no address at all is a forgery or a broken proxy:
            # keep the last address known to be real.
            return hop if _is_address(hop) else addr
        addr = hop
    return addr


@dataclass(eq=False)
class SessionInfo:
    """What the app can read as ``session.info`` (PyWebIO's fields)."""

    user_agent_string: str
    user_language: str
    server_host: str
    origin: str
    user_ip: str
    backend: str
    protocol: Literal["websocket", "http"]
    #: The Werkzeug request that opened the session, detached from its connection
    #: (see :func:`detached_request`).
    request: Any = field(repr=False)

    @cached_property
    def user_agent(self) -> Any:
        """A ``user_agents`` object (``.is_mobile``, ``.browser.family``...); parsed on first use."""
        return user_agents.parse(self.user_agent_string)

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def make_session_info(
    request: Request,
    protocol: Literal["websocket", "http"],
    trusted_proxies: Sequence[Network] = (),
) -> SessionInfo:
    headers = request.headers
    lang = headers.get("Accept-Language", "").split(",", 1)[0].split(";", 1)[0].strip()
    software = str(request.environ.get("SERVER_SOFTWARE", "wsgi")).split("/", 1)[0].lower()
    return SessionInfo(
        user_agent_string=headers.get("User-Agent", ""),
        user_language=lang,
        server_host=headers.get("Host", ""),
        origin=headers.get("Origin", ""),
        user_ip=client_ip(request.remote_addr, headers.get("X-Forwarded-For"), trusted_proxies),
        backend=software or "wsgi",
        protocol=protocol,
        request=detached_request(request),
    )
