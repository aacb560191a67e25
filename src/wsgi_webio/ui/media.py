"""The media output functions: images, files to download and links.

Owns building ``put_image``, ``put_file`` and ``put_link`` specs (docs/ui-spec.md)
from PyWebIO 1.8's arguments: recognising image formats (or a PIL image), data
URLs, and refusing the URL schemes ``core/urls.py`` does not allow. Sends nothing
itself: every function returns a pending ``Output`` (see ``ui/outputs.py``).
"""

from __future__ import annotations

import base64
import io
import logging
import sys
from typing import Any, Final

from ..core.urls import IMAGE_SCHEMES, LINK_SCHEMES, is_safe_image_src, is_safe_link, url_scheme
from .outputs import Output

__all__ = ["put_file", "put_image", "put_link"]

logger = logging.getLogger(__name__)

#: Leading bytes of the image formats put_image recognises, and their MIME types.
_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
)
_FORMAT_ALIASES: Final = (("jpg", "jpeg"), ("svg", "svg+xml"), ("ico", "x-icon"), ("tif", "tiff"))


def _mime_of(data: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


def _format_mime(fmt: str) -> str:
    fmt = fmt.lower().removeprefix("image/")
    return "image/" + dict(_FORMAT_ALIASES).get(fmt, fmt)


def _pil_bytes(src: Any, fmt: str | None) -> tuple[bytes, str] | None:
    """(bytes, format) of a PIL image, or None if ``src`` is not one. PIL is optional:
    only an already-imported PIL is looked at."""
    pil = sys.modules.get("PIL.Image")
    if pil is None or not isinstance(src, pil.Image):
        return None
    fmt = fmt or src.format or "PNG"
    buf = io.BytesIO()
    src.save(buf, format=fmt)
    return buf.getvalue(), fmt


def _css_size(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value}px"
    raise TypeError(f"{what} must be a CSS size str or a number of pixels, got {value!r}")


def put_image(src: Any, format: str | None = None, title: str = "", width: str | None = None,
              height: str | None = None, scope: str | None = None, position: int = -1) -> Output:
    """Show an image.

    :param src: a URL, the image's bytes, or a PIL image.
    :param format: the format of bytes or a PIL image (``png``, ``jpeg``...);
        detected from bytes when not given.
    :param title: the image's description (its alt text).
    :param width: CSS width (``"50px"``, ``"30%"``); a number means pixels.
    :param height: CSS height.
    :raises ValueError: for bytes of an unknown format and no ``format``.
    :raises TypeError: for another kind of source.

    .. code-block:: python

        put_image(open("logo.png", "rb").read(), width="50px")
        put_image("https://www.python.org/static/img/python-logo.png")
    """
    pil = _pil_bytes(src, format)
    if pil is not None:
        src, format = pil
    if isinstance(src, bytes | bytearray | memoryview):
        data = bytes(src)
        mime = _format_mime(format) if format else _mime_of(data)
        if mime is None:
            raise ValueError("put_image() cannot tell the format of these bytes; pass format='png' (or jpeg, gif...)")
        src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    elif not isinstance(src, str):
        raise TypeError(f"put_image() needs a URL, bytes or a PIL image, got {type(src).__name__}")
    elif not is_safe_image_src(src):
        _refused_url("put_image", src, sorted(IMAGE_SCHEMES) + ["data:image/..."])
        src = ""
    spec = {"type": "image", "src": src, "alt": str(title or ""), "width": _css_size(width, "width"),
            "height": _css_size(height, "height")}
    return Output.make(spec, scope, position)


def put_file(name: str, content: bytes, label: str | None = None, scope: str | None = None,
             position: int = -1) -> Output:
    """A link-style button that downloads ``content`` as a file called ``name``.

    .. code-block:: python

        put_file("hello-world.txt", b"hello world!", "download me")

    :raises TypeError: for content that is not bytes.
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        raise TypeError(f"put_file() content must be bytes, got {type(content).__name__}")
    spec = {"type": "file", "name": str(name), "label": str(name if label is None else label),
            "content": base64.b64encode(bytes(content)).decode("ascii")}
    return Output.make(spec, scope, position)


def _refused_url(func: str, url: str, allowed: list[str]) -> None:
    # The scheme only: the rest of a URL may carry a token, and logs must not.
    logger.warning("%s() dropped a %s: URL; allowed schemes: %s and relative URLs", func,
                 url_scheme(url), ", ".join(allowed))


def put_link(name: str, url: str | None = None, app: str | None = None, new_window: bool = False,
             scope: str | None = None, position: int = -1) -> Output:
    """A link to a web page (``url``) or to another app of this server (``app``).

    .. code-block:: python

        put_link("PyWebIO docs", url="https://pywebio.readthedocs.io")
        put_link("Go to the admin app", app="admin")

    A ``url`` whose scheme is not http, https, mailto, tel, ftp or ftps (``javascript:``,
    ``data:``, ``file:``... however spelt) is dropped with a warning in the log: the link
    shows its name and goes nowhere. Relative URLs are kept.

    :raises ValueError: unless exactly one of ``url`` and ``app`` is given.
    """
    if (url is None) == (app is None):
        raise ValueError(f"put_link() needs exactly one of url and app, got url={url!r}, app={app!r}")
    if url is not None:
        url = str(url)
        if not is_safe_link(url):
            _refused_url("put_link", url, sorted(LINK_SCHEMES))
            url = ""
    spec = {"type": "link", "name": str(name), "url": url, "app": app, "new_window": bool(new_window)}
    return Output.make(spec, scope, position)
