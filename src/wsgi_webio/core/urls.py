"""Which URLs may reach the page: the scheme allowlists, read the way a browser reads them.

Owns the server half of the URL policy: the schemes a link may use, the sources an image
may load, and how a URL's scheme is found. Browsers drop leading and trailing control
characters and spaces and remove tab, CR and LF anywhere before they look for a scheme,
so ``"java\\tscript:alert(1)"`` is a ``javascript:`` URL to them; this module removes every
control character and space anywhere (a superset of what browsers drop) before reading
the scheme, so it never sees a harmless scheme where the browser sees a dangerous one.

The browser client applies the same lists with the browser's own parser
(``safeUrl`` in ``static/urls.js``); both halves are kept because an app may speak the
wire protocol directly and a client may be PyWebIO's. Pure: strings in, answers out;
no session, no I/O.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["IMAGE_SCHEMES", "LINK_SCHEMES", "is_safe_image_src", "is_safe_link", "url_scheme"]

#: Schemes a link (``put_link``, markdown, sanitized HTML) may use. Relative URLs and
#: ``#fragments`` are always allowed. Never ``javascript:``, ``vbscript:``, ``data:``,
#: ``file:`` or ``blob:`` (a ``blob:`` link can carry HTML made by a script).
LINK_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel", "ftp", "ftps"})
#: Schemes an image source may use besides inline ``data:image/...`` (see
#: :func:`is_safe_image_src`). An ``<img>`` never runs script, but an image source is
#: still a request the page makes, so the list stays short.
IMAGE_SCHEMES: Final = frozenset({"http", "https"})

_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# Every C0 control character, space and DEL: browsers drop some of these anywhere in a
# URL (tab, CR, LF) and the rest at its ends; removing all of them errs on the safe side.
_URL_NOISE: Final = re.compile(r"[\x00-\x20\x7f]+")
_DATA_IMAGE: Final = re.compile(r"data:image/[a-z0-9.+-]+[;,]", re.IGNORECASE)


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read from ``url``, lower-cased, or None if relative.

    .. code-block:: python

        url_scheme("java\\tscript:alert(1)") == "javascript"
        url_scheme("/page?x=a:b") is None
    """
    match = _SCHEME.match(_URL_NOISE.sub("", url))
    return match.group(1).lower() if match else None


def is_safe_link(url: str) -> bool:
    """True if ``url`` is relative or its scheme is in :data:`LINK_SCHEMES`."""
    scheme = url_scheme(url)
    return scheme is None or scheme in LINK_SCHEMES


def is_safe_image_src(url: str) -> bool:
    """True if ``url`` is relative, uses a scheme in :data:`IMAGE_SCHEMES`, or is an
    inline ``data:image/<type>`` URL."""
    scheme = url_scheme(url)
    if scheme == "data":
        return _DATA_IMAGE.match(_URL_NOISE.sub("", url)) is not None
    return scheme is None or scheme in IMAGE_SCHEMES
