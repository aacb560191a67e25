"""The gallery app (``python -m wsgi_webio demo``) through the harness."""

from __future__ import annotations

from wsgi_webio.gallery import main
from wsgi_webio.testing import open_app


def test_gallery_shows_every_section_and_its_menu_works():
    with open_app(main, eval_js=lambda code, args: 1024) as page:
        page.wait_for_form("Your name?").submit("Ada")
        page.wait_for_text("Hello, Ada!")
        for text in ("put_text never interprets HTML", "put_widget template", "grid 4", "put_error"):
            assert text in page.text
        page.click("Count")
        page.click("Say hi")
        assert "Count: 1" in page.scope("gallery-clicks").text and "Hi, Ada!" in page.text
        menu = page.wait_for_form("What next?")
        menu.click("Every input")
        group = page.wait_for_form("Every input")
        group.submit(text="hello", number=-1)
        assert group.feedback("number") == (False, "Must be positive")
        group.submit(number=7)
        page.wait_for_text("'hello'")
        page.wait_for_form("What next?").click("Run JavaScript")
        page.wait_for_text("page width is 1024px")
        page.wait_for_form("What next?").click("Download")
        page.wait_for_form("What next?")
        assert page.downloads == [("gallery.txt", b"Hello Ada\n")]
        page.set_pin("pin_colour", "blue")
        page.wait_for_text("colour is now blue")
        page.click("Read pins")
        page.wait_for_text("level=30")
