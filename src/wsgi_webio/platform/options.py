"""PyWebIO's server options, translated into wsgi_webio's.

Owns :func:`translate`: every option PyWebIO 1.8's ``start_server``, ``path_deploy``,
``webio_view`` and ``wsgi_app`` take, and what each becomes here: an option of
:class:`~wsgi_webio.options.WebIOConfig`, a setting the platform layer applies itself
(``static_dir``, ``auto_open_webbrowser``), a documented no-op, or a clear refusal.
Nothing is silently different (docs/pywebio-compat.md lists each). Options of wsgi_webio
itself (``max_sessions``, ``allowed_hosts``, ...) pass through the ``**settings`` of those
functions. Pure: no gevent, no WSGI, no state.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from ..options import WebIOConfig

__all__ = ["IGNORED", "parse_payload_size", "translate"]

#: PyWebIO options accepted and ignored here, and why (docs/pywebio-compat.md).
IGNORED: Final = MappingProxyType({
    "cdn": "every asset is served from the package; wsgi_webio never loads from a CDN",
    "session_cleanup_interval": "one housekeeper per app checks expiry about every second",
})

_SIZE: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]?)i?b?", re.IGNORECASE)
_UNITS: Final = MappingProxyType({"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50})
#: Tornado settings with a wsgi_webio equivalent: name -> our option.
_TORNADO_EQUIVALENTS: Final = MappingProxyType({"websocket_ping_interval": "ping_interval",
                                                "websocket_max_message_size": "max_message_size"})


def parse_payload_size(size: Any, name: str = "max_payload_size") -> int:
    """Bytes from PyWebIO's size forms: an int or float, or ``"200M"``, ``"32k"``, ``"1.5GB"``
    (binary units, case-insensitive).

    :raises TypeError: for other types. :raises ValueError: for malformed or non-positive sizes.
    """
    if isinstance(size, bool) or not isinstance(size, int | float | str):
        raise TypeError(f"{name} must be a number of bytes or a string such as '200M', got {size!r}")
    if isinstance(size, str):
        match = _SIZE.fullmatch(size.strip())
        if match is None:
            raise ValueError(f"{name} {size!r} is not a size such as '512', '40K', '200M' or '2G'")
        value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    else:
        value = size
    if not math.isfinite(value) or int(value) < 1:
        raise ValueError(f"{name} must be at least 1 byte, got {size!r}")
    return int(value)


def translate(
    *,
    debug: bool = False,
    cdn: bool | str = True,
    remote_access: bool = False,
    reconnect_timeout: float | None = None,
    allowed_origins: Sequence[str] | None = None,
    check_origin: Callable[[str], bool] | None = None,
    session_expire_seconds: float | None = None,
    session_cleanup_interval: float | None = None,
    max_payload_size: int | float | str = "200M",
    settings: Mapping[str, Any] | None = None,
    caller: str = "start_server",
) -> dict[str, Any]:
    """The ``wsgi_app`` options for PyWebIO's options.

    :param settings: the ``**tornado_app_settings``/``**flask_options`` of the caller:
        ``websocket_ping_interval`` and ``websocket_max_message_size`` map to
        ``ping_interval`` and ``max_message_size``; options of wsgi_webio pass through;
        other Tornado settings are ignored with a warning naming them.
    :raises ValueError: for ``remote_access=True`` and bad values.
    :raises TypeError: for values of the wrong type.
    """
    del cdn, session_cleanup_interval  # IGNORED, documented
    if remote_access:
        raise ValueError(
            f"{caller}(remote_access=True) is not supported: wsgi_webio opens no tunnel to a third-party "
            "service. Reach the server through your own SSH tunnel or reverse proxy (docs/deploy.md)."
        )
    options: dict[str, Any] = {"debug": bool(debug), "max_message_size": parse_payload_size(max_payload_size)}
    if reconnect_timeout is not None:
        options["reconnect_timeout"] = reconnect_timeout
    if allowed_origins is not None:
        options["allowed_origins"] = list(allowed_origins)
    if check_origin is not None:
        options["check_origin"] = check_origin
    if session_expire_seconds is not None:
        options["session_expire_seconds"] = session_expire_seconds
    ours = {f.name for f in dataclasses.fields(WebIOConfig) if f.init}
    ignored = []
    for key, value in (settings or {}).items():
        if key in _TORNADO_EQUIVALENTS:
            target = _TORNADO_EQUIVALENTS[key]
            options[target] = parse_payload_size(value, key) if target == "max_message_size" else value
        elif key in ours:
            options[key] = value
        else:
            ignored.append(key)
    if ignored:
        warnings.warn(
            f"{caller}(): ignored option(s) {', '.join(sorted(ignored))}: they are Tornado/Flask settings, "
            f"and wsgi_webio runs on gevent; its own options are: {', '.join(sorted(ours))}",
            UserWarning,
            stacklevel=3,
        )
    return options
