"""file_upload through the harness: binary upload events, single and multiple,
sizes given as ints or strings, and the limits enforced again on the server."""

from __future__ import annotations

import pytest

from wsgi_webio.input import file_upload, input, input_group
from wsgi_webio.testing import open_app
from wsgi_webio.ui.input_args import format_size, parse_size

FILE_KEYS = {"filename", "size", "mime_type", "last_modified", "content"}


def test_single_file_wire_and_result():
    got = []

    def app():
        got.append(file_upload("Picture", accept="image/*", max_size="1.5K", help_text="small"))

    with open_app(app) as page:
        form = page.wait_for_form("Picture")
        assert form.items == [{"type": "file", "label": "", "name": "data", "accept": "image/*",
                               "placeholder": "Choose file", "multiple": False, "max_size": 1536,
                               "max_total_size": 0, "help_text": "small"}]
        form.upload("data", [("../../etc/cat.png", b"\x89PNG...", "image/png")])
        form.submit()
    assert got == [{"filename": "cat.png", "size": 7, "mime_type": "image/png", "last_modified": 0.0,
                    "content": b"\x89PNG..."}]
    assert set(got[0]) == FILE_KEYS


def test_no_file_is_none_and_required_refuses_it():
    got = []

    def app():
        got.append(file_upload("Optional"))
        got.append(file_upload("Needed", required=True))

    with open_app(app) as page:
        page.wait_for_form("Optional").submit()
        form = page.wait_for_form("Needed")
        form.submit()
        assert form.feedback() == (False, "Please fill in this field")
        form.upload("data", [("a.txt", b"a", "text/plain")]).submit()
    assert got[0] is None and got[1]["content"] == b"a"


def test_multiple_files_return_a_list():
    got = []

    def app():
        got.append(file_upload("Many", accept=[".png", ".jpg"], multiple=True, max_total_size=10))
        got.append(file_upload("None", multiple=True))

    with open_app(app) as page:
        form = page.wait_for_form("Many")
        assert form.items[0]["accept"] == ".png,.jpg" and form.items[0]["multiple"] is True
        assert form.items[0]["max_total_size"] == 10
        form.upload("data", [("a.png", b"aaaa", "image/png"), ("b.jpg", b"bbbb", "image/jpeg")]).submit()
        page.wait_for_form("None").submit()
    assert [f["filename"] for f in got[0]] == ["a.png", "b.jpg"]
    assert [f["content"] for f in got[0]] == [b"aaaa", b"bbbb"]
    assert got[1] == []


def test_sizes_are_enforced_on_the_server():
    got = []

    def app():
        got.append(file_upload("One", max_size=4))
        got.append(file_upload("All", multiple=True, max_size="1K", max_total_size=6))

    with open_app(app) as page:
        form = page.wait_for_form("One")
        form.upload("data", [("big.bin", b"12345", "application/octet-stream")]).submit()
        assert form.feedback() == (False, "big.bin is larger than 4 bytes")
        form.upload("data", [("a.bin", b"1", ""), ("b.bin", b"2", "")]).submit()
        assert form.feedback() == (False, "Please choose only one file")
        assert page.form is form
        form.upload("data", [("ok.bin", b"1234", "")]).submit()
        form = page.wait_for_form("All")
        form.upload("data", [("a", b"1234", ""), ("b", b"1234", "")]).submit()
        assert form.feedback() == (False, "The files together are larger than 6 bytes")
        form.upload("data", [("a", b"1234", ""), ("b", b"12", "")]).submit()
    assert got[0]["filename"] == "ok.bin"
    assert [f["size"] for f in got[1]] == [4, 2]


def test_files_in_a_group_with_other_inputs():
    got = []

    def app():
        got.append(input_group("Upload", [input("Title", name="title"),
                                          file_upload("File", name="file", max_size="10M")]))

    with open_app(app) as page:
        form = page.wait_for_form("Upload")
        assert form.items[1]["max_size"] == 10 * 1024 * 1024
        form.upload("file", [("notes.txt", "héllo".encode(), "text/plain")])
        form.submit(title="Notes")
    assert got[0]["title"] == "Notes"
    assert got[0]["file"]["content"].decode() == "héllo" and got[0]["file"]["mime_type"] == "text/plain"


@pytest.mark.parametrize(
    ("size", "expected"),
    [(0, 0), (100, 100), (2.9, 2), ("512", 512), ("40K", 40 * 1024), ("40k", 40 * 1024), ("1.5K", 1536),
     ("10M", 10 * 1024**2), ("2G", 2 * 1024**3), ("3 MB", 3 * 1024**2), ("1MiB", 1024**2), (".5k", 512)],
)
def test_parse_size(size, expected):
    assert parse_size(size, "max_size") == expected


@pytest.mark.parametrize(("size", "error"), [("ten", ValueError), ("-1K", ValueError), (-5, ValueError),
                                             ("1T", ValueError), (None, TypeError), (True, TypeError),
                                             ([1], TypeError)])
def test_bad_sizes_are_refused_naming_the_value(size, error):
    with pytest.raises(error, match="max_size"):
        file_upload("x", name="f", max_size=size)


def test_format_size():
    assert [format_size(n) for n in (5, 1536, 10 * 1024**2, 3 * 1024**3)] == ["5 bytes", "1.5 KiB", "10 MiB",
                                                                               "3 GiB"]
