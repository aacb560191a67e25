"""Options of a wsgi_webio app, validated once at start.

Owns WebIOConfig: every option ``wsgi_app``/``start_server`` accept, its default
and why. Unknown options and bad values fail at start with a clear message.
Pure: no gevent, no WSGI.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .core.outbox import HIGH_WATER_BYTES, LOW_WATER_BYTES
from .info import Network, parse_networks

__all__ = ["WebIOConfig"]


def _check_number(name: str, value: Any, *, minimum: float, inclusive: bool) -> None:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and (value >= minimum if inclusive else value > minimum)
    )
    if not ok:
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_sources(name: str, value: Any) -> None:
    """A CSP source list: a non-empty list of sources without spaces, ``;`` or ``,``."""
    if value is None:
        return
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise TypeError(f"{name} must be a non-empty list of CSP sources (or None), got {value!r}")
    for source in value:
        if not isinstance(source, str) or not source or any(c in source for c in " \t\r\n;,"):
            raise ValueError(f"{name}: {source!r} is not a CSP source (e.g. \"'self'\", \"https://example.com\")")


@dataclass(frozen=True)
class WebIOConfig:
    #: Foreign origins allowed to open sessions (fnmatch patterns); same origin always is.
    allowed_origins: Sequence[str] = ()
    #: ``check_origin(origin) -> bool`` for foreign origins; overrides ``allowed_origins``.
    check_origin: Callable[[str], bool] | None = None
    #: An HTTP (long-poll) session with no request for this long is closed.
    session_expire_seconds: float = 60.0
    #: A WebSocket session whose connection dropped waits this long for a reconnect.
    #: 0 closes it at once.
    reconnect_timeout: float = 60.0
    #: Longest hold of a waiting long-poll GET; under common proxies' 30-60 s idle limits.
    poll_hold_seconds: float = 25.0
    #: Longest a POST waits for the tasks it woke to settle before answering.
    post_settle_seconds: float = 2.0
    #: Largest WebSocket message and HTTP request body (RFC 6455 §10.4; uWSGI and
    #: python-websockets default to 1 MiB too).
    max_message_size: int = 1024 * 1024
    #: WebSocket ping interval, to keep idle connections open through proxies. 0: never.
    ping_interval: float = 30.0
    #: Host names the app answers to (fnmatch patterns, e.g. ``["tools.example.com"]``);
    #: None answers any. The dev server on a loopback address defaults to loopback names.
    allowed_hosts: Sequence[str] | None = None
    #: Proxies whose X-Forwarded-For is believed (addresses or CIDR networks).
    trusted_proxies: Sequence[str] = ()
    #: Most open sessions per app; creation past it answers 503.
    max_sessions: int = 10_000
    #: Flow control: a session's tasks block while unacknowledged output exceeds this.
    high_water: int = HIGH_WATER_BYTES
    #: ... until it drains to this.
    low_water: int = LOW_WATER_BYTES
    #: A session task that keeps the worker's hub busy this long without yielding (a CPU
    #: loop) is interrupted with TaskInterrupted; 0 only logs. docs/deploy.md.
    max_blocking_seconds: float = 10.0
    #: Show tracebacks of unhandled errors to the user.
    debug: bool = False
    #: The page title.
    title: str = "wsgi_webio"
    #: Who may frame the app's pages: CSP ``frame-ancestors`` sources (``"'self'"``,
    #: ``"'none'"``, ``"https://portal.example.com"``...). None: any site (no directive).
    frame_ancestors: Sequence[str] | None = ("'self'",)
    _networks: tuple[Network, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("session_expire_seconds", "poll_hold_seconds"):
            _check_number(name, getattr(self, name), minimum=0, inclusive=False)
        for name in ("reconnect_timeout", "ping_interval", "post_settle_seconds", "max_blocking_seconds"):
            _check_number(name, getattr(self, name), minimum=0, inclusive=True)
        for name in ("max_message_size", "max_sessions"):
            _check_int(name, getattr(self, name), minimum=1)
        for name in ("high_water", "low_water"):  # 0 is legal, as in asyncio
            _check_int(name, getattr(self, name), minimum=0)
        if not self.low_water <= self.high_water:
            raise ValueError(f"low_water ({self.low_water}) must not exceed high_water ({self.high_water})")
        if isinstance(self.allowed_origins, str):
            raise TypeError("allowed_origins must be a list of patterns, not a string")
        if self.check_origin is not None and not callable(self.check_origin):
            raise TypeError(f"check_origin must be callable, got {self.check_origin!r}")
        if isinstance(self.allowed_hosts, str):
            raise TypeError("allowed_hosts must be a list of host patterns, not a string")
        if isinstance(self.trusted_proxies, str):
            raise TypeError("trusted_proxies must be a list of addresses, not a string")
        _check_sources("frame_ancestors", self.frame_ancestors)
        object.__setattr__(self, "_networks", parse_networks(self.trusted_proxies))

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return self._networks

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WebIOConfig:
        """Build from keyword options. :raises TypeError: naming unknown options."""
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(unknown)}; valid options are: {', '.join(sorted(known))}")
        return cls(**options)
