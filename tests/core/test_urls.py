"""The URL policy (core.urls): schemes read the way a browser reads them."""

from __future__ import annotations

import pytest

from wsgi_webio.core.urls import is_safe_image_src, is_safe_link, url_scheme

#: Script URLs in the spellings browsers accept: tab, CR and LF are removed anywhere in a
#: URL, leading and trailing controls and spaces are dropped, and case does not matter.
SCRIPT_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " \tjavascript:x", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "java\rscript:alert(1)", "\x01javascript:alert(1)", "\x00javascript:x",
    "javascript\t:alert(1)", "j\na\rv\ta\nscript:x", "\x7fjavascript:x", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD4=", "DATA:text/html,x",
    "file:///etc/passwd", "blob:https://a.b/uuid", "livescript:x", "jar:x",
]


@pytest.mark.parametrize(("url", "scheme"), [
    ("https://a.b", "https"), ("HTTP://a.b", "http"), ("java\tscript:x", "javascript"), ("/p?x=a:b", None),
    ("#frag", None), ("page?x=1:2", None), ("", None), ("c:\\dir", "c"), ("a+b.c-d:x", "a+b.c-d"),
])
def test_url_scheme(url, scheme):
    assert url_scheme(url) == scheme


@pytest.mark.parametrize("url", ["https://a.b", "HTTP://a.b/x", "mailto:x@y.z", "tel:+100", "/rel/path", "#frag",
                                 "page?x=1:2", "?app=other", "ftp://a.b/f", ""])
def test_safe_links(url):
    assert is_safe_link(url)


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_script_urls_are_neither_links_nor_images(url):
    assert not is_safe_link(url)
    assert not is_safe_image_src(url)


@pytest.mark.parametrize(("url", "safe"), [
    ("data:image/png;base64,AAAA", True), ("data:image/svg+xml,<svg/>", True), ("DATA:IMAGE/GIF;base64,R0", True),
    ("da\tta:image/png;base64,AA", True), ("https://a.b/i.png", True), ("/static/i.png", True),
    ("data:image/", False), ("data:,x", False), ("mailto:x@y.z", False),
])
def test_image_sources(url, safe):
    assert is_safe_image_src(url) is safe
