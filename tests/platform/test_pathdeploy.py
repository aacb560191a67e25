"""path_deploy's WSGI app, in process: which files are apps, the index pages, refused
paths, the assets under any app path, ?reload, and a module that fails to load."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from werkzeug.test import Client

from tests.platform.conftest import in_greenlet, new_session, output_texts
from wsgi_webio.platform.pathdeploy import MODULE_NAME, PathDeployApp


def write(path: Path, code: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code), encoding="utf-8")


APP = """
    from wsgi_webio.output import put_text
    {extra}
    def main():
        '''{title}

        More words.'''
        put_text({text})
"""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    write(tmp_path / "hello.py", APP.format(extra="import pd_neighbour", title="Hello app",
                                            text="'hello ' + __name__ + ' ' + pd_neighbour.WORD"))
    write(tmp_path / "pd_neighbour.py", "WORD = 'neighbour'\n")
    write(tmp_path / "sub" / "index.py", APP.format(extra="", title="Sub index", text="'sub index'"))
    write(tmp_path / "sub" / "deeper.py", APP.format(extra="VERSION = 'v1'", title="Deeper", text="VERSION"))
    write(tmp_path / "listed" / "tool.py", APP.format(extra="", title="A tool", text="'tool'"))
    write(tmp_path / "listed" / "lib.py", "X = 1\n")
    write(tmp_path / "listed" / "_private.py", APP.format(extra="", title="Private", text="'private'"))
    write(tmp_path / "broken.py", "def main():\n    pass\nraise RuntimeError('boom at import')\n")
    write(tmp_path / "multi.py", """
        from wsgi_webio.output import put_text
        def a():
            put_text('app a')
        def b():
            put_text('app b')
        main = {'a': a, 'b': b}
    """)
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def client_for(base: Path, **kwargs: object) -> tuple[Client, PathDeployApp]:
    app = PathDeployApp(base, **kwargs)  # type: ignore[arg-type]
    return Client(app), app


def test_a_module_with_main_is_served_at_its_path_with_its_neighbours_importable(base: Path) -> None:
    client, app = client_for(base)
    try:
        page = in_greenlet(client.get, "/hello")
        assert page.status_code == 200 and "<title>Hello app</title>" in page.text
        assert 'src="/hello/_webio/static/webio.js?v=' in page.text
        assert output_texts(new_session(client, "/hello")) == [f"hello {MODULE_NAME} neighbour"]
        asset = in_greenlet(client.get, "/hello/_webio/static/webio.js")
        assert asset.status_code == 200 and b"WebIO" in asset.data
    finally:
        app.close()


def test_a_directory_runs_its_index_py_and_redirects_to_its_slash(base: Path) -> None:
    client, app = client_for(base)
    try:
        assert output_texts(new_session(client, "/sub/")) == ["sub index"]
        moved = in_greenlet(client.get, "/sub", query_string={"x": "1"})
        assert moved.status_code == 302 and moved.headers["Location"].endswith("/sub/?x=1")
        assert output_texts(new_session(client, "/sub/deeper")) == ["v1"]
    finally:
        app.close()


def test_the_default_index_lists_directories_and_apps_with_their_titles(base: Path) -> None:
    client, app = client_for(base)
    try:
        root = in_greenlet(client.get, "/")
        assert root.status_code == 200
        names = re.findall(r'<a href="([^"]+)">', root.text)
        assert names == ["broken", "hello", "listed/", "multi", "sub/"]  # no pd_neighbour, no .hidden
        listed = in_greenlet(client.get, "/listed/")
        assert re.findall(r'<a href="([^"]+)">', listed.text) == ["../", "tool"]
        assert "A tool" in listed.text and "Private" not in listed.text
    finally:
        app.close()


def test_index_false_refuses_and_a_function_makes_the_page(base: Path) -> None:
    client, app = client_for(base, index=False)
    assert in_greenlet(client.get, "/listed/").status_code == 403
    app.close()
    seen: list[str] = []

    def custom(directory: str) -> str:
        seen.append(directory)
        return "<p>custom index</p>"

    client, app = client_for(base, index=custom)
    reply = in_greenlet(client.get, "/listed/")
    assert reply.text == "<p>custom index</p>" and seen == [str((base / "listed").resolve())]
    app.close()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/listed/_private", 403, id="underscore"),
        pytest.param("/.hidden/", 403, id="dot directory"),
        pytest.param("/../etc/passwd", 403, id="parent"),
        pytest.param("/a%5Cb", 403, id="backslash"),
        pytest.param("/sub//deeper", 403, id="empty part"),
        pytest.param("/listed/lib", 404, id="no main"),
        pytest.param("/nothing", 404, id="no file"),
        pytest.param("/hello.py", 404, id="the file name itself"),
        pytest.param("/%FF", 404, id="not utf-8"),
    ],
)
def test_refused_paths(base: Path, path: str, status: int) -> None:
    client, app = client_for(base)
    try:
        reply = in_greenlet(client.get, path)
        assert reply.status_code == status, reply.text
        assert "Traceback" not in reply.text
    finally:
        app.close()


def test_a_module_that_fails_to_load_answers_500_with_a_short_message(base: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    client, app = client_for(base)
    try:
        reply = in_greenlet(client.get, "/broken")
        assert reply.status_code == 500
        assert reply.text.strip() == "cannot load app /broken: RuntimeError: boom at import"
        assert "boom at import" in caplog.text  # the traceback goes to the log
    finally:
        app.close()


def test_main_may_be_a_dict_of_apps(base: Path) -> None:
    client, app = client_for(base)
    try:
        assert output_texts(new_session(client, "/multi", {"app": "b"})) == ["app b"]
    finally:
        app.close()


def test_reload_on_a_page_request_runs_the_module_again(base: Path) -> None:
    client, app = client_for(base)
    try:
        assert output_texts(new_session(client, "/sub/deeper")) == ["v1"]
        write(base / "sub" / "deeper.py", APP.format(extra="VERSION = 'v2'", title="Deeper", text="VERSION"))
        assert output_texts(new_session(client, "/sub/deeper")) == ["v1"]  # loaded once
        assert output_texts(new_session(client, "/sub/deeper", {"reload": ""})) == ["v1"]  # API: no reload
        assert in_greenlet(client.get, "/sub/deeper", query_string={"reload": ""}).status_code == 200
        assert output_texts(new_session(client, "/sub/deeper")) == ["v2"]
        assert not (base / "sub" / "__pycache__").exists()  # run from source: no stale .pyc can win
    finally:
        app.close()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a directory"):
        PathDeployApp(tmp_path / "missing")
    with pytest.raises(TypeError, match="index must be"):
        PathDeployApp(tmp_path, index="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown option"):
        PathDeployApp(tmp_path, bogus=1)
