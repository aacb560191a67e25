"""The Origin check applied to every request of both transports.

Owns the decision "may a page from this origin talk to us". Pure: takes header
values, imports no gevent and no WSGI.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_HOSTS", "OriginPolicy", "host_allowed"]

#: Host names a server bound to loopback answers to by default. Anything else in the
#: Host header is a DNS-rebinding attempt: a foreign page whose name now resolves to
#: 127.0.0.1 would otherwise pass the same-origin check.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_allowed(host: str | None, patterns: Sequence[str] | None) -> bool:
    """True when the Host header's name matches one of ``patterns`` (fnmatch, case
    insensitive); ``None`` allows any host."""
    if patterns is None:
        return True
    name = urlsplit("//" + (host or "")).hostname or ""
    return any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns)


class OriginPolicy:
    """Same origin always passes; others pass an ``allowed_origins`` pattern or the
    ``check_origin`` callable (which, when given, decides alone for foreign origins).

    Patterns are fnmatch patterns over the origin's host[:port] (``"*.example.com"``)
    or the full origin (``"https://tools.example.com"``).

    Requests without an Origin header come from same-origin GETs or non-browser
    clients and pass, except when the browser says ``Sec-Fetch-Site: cross-site``.

    An Origin is a serialized origin (RFC 6454 §6.2): ``scheme://host[:port]`` and
    nothing more. A value with a path (even a lone ``/``), a query, a fragment or user
    info is not one a browser sends, and is refused, so it is never echoed back.
    """

    def __init__(self, allowed_origins: Sequence[str] = (), check_origin: Callable[[str], bool] | None = None):
        if isinstance(allowed_origins, str):
            raise TypeError("allowed_origins must be a list of patterns, not a string")
        if check_origin is not None and not callable(check_origin):
            raise TypeError(f"check_origin must be callable, got {check_origin!r}")
        self.patterns = tuple(allowed_origins)
        self.check_origin = check_origin

    def is_allowed(self, origin: str | None, host: str | None, sec_fetch_site: str | None = None,
                   scheme: str | None = None) -> bool:
        """Whether a request with these headers may be served.

        :param scheme: the request's own scheme (``wsgi.url_scheme``): a same-origin
            match needs it too, so ``https://host`` is foreign to an ``http`` server on
            ``host``. None compares hosts only (for callers that cannot know it).
        """
        if not origin:
            return sec_fetch_site != "cross-site"
        if origin == "null":
            return False
        parts = urlsplit(origin)
        if not parts.scheme or not parts.netloc:
            return False
        if parts.path or parts.query or parts.fragment or "@" in parts.netloc or origin.endswith(("?", "#")):
            return False  # not a serialized origin: no browser sends that
        same_scheme = scheme is None or parts.scheme.lower() == _page_scheme(scheme)
        if host and same_scheme and parts.netloc.lower() == host.lower():
            return True
        if self.check_origin is not None:
            return bool(self.check_origin(origin))
        return any(
            fnmatch.fnmatchcase(parts.netloc.lower(), p.lower()) or fnmatch.fnmatchcase(origin.lower(), p.lower())
            for p in self.patterns
        )


def _page_scheme(scheme: str) -> str:
    """The scheme of the page a request with this scheme comes from: some servers report
    a WebSocket request's as ``ws``/``wss``."""
    scheme = scheme.lower()
    return "http" if scheme == "ws" else "https" if scheme == "wss" else scheme
