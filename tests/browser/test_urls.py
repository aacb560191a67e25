"""The client's URL policy in Chromium: no script URL runs, however it is spelt (the
``xss`` app of serve_app.py sends them raw, so the client is tested without the server's
own checks, which tests/core/test_urls.py covers)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_script_urls_never_run(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url("xss", transport))
    ready = page.get_by_text("xss urls:")
    expect(ready).to_be_visible()
    count = int(ready.inner_text().split(":")[1])
    expect(page.locator("a.webio-link")).to_have_count(count + 1)
    for i in range(count):
        link = page.locator("a.webio-link", has_text=f"link {i}")
        assert link.get_attribute("href") is None, f"script URL {i} kept as a link"
        link.click()
        md = page.locator(".webio-markdown a", has_text=f"md {i}")
        assert md.get_attribute("href") is None, f"script URL {i} kept in markdown"
        md.click()
        assert page.locator(f'img[alt="image {i}"]').get_attribute("src") is None
        assert page.locator(f'img[alt="mdimg {i}"]').get_attribute("src") is None
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.url.startswith(server.url("xss", transport).split("?")[0])
    refused = [w for w in console.warnings if w.startswith("webio: refused")]
    assert len(refused) == 4 * count, refused

    # the allowed ones stay
    assert page.locator("a.webio-link", has_text="safe link").get_attribute("href") == "https://example.invalid/x"
    assert page.locator('img[alt="safe image"]').get_attribute("src", timeout=1000).startswith("data:image/png")
    assert console.errors == []
