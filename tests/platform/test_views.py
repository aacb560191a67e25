"""webio_view inside Flask (in process) and Django (a subprocess: its settings are
process-wide): the page, its assets, a session over HTTP, CSRF exemption, the clear error
of a route that does not reach the assets, and WebSocket refused with 426."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.test import Client

from tests.platform.conftest import in_greenlet, new_session, output_texts
from wsgi_webio.output import put_text

ROOT = Path(__file__).resolve().parents[2]
METHODS = ["GET", "POST", "OPTIONS"]


def tool() -> None:
    """Flask tool"""
    put_text("hello from flask")


@pytest.fixture
def flask_site() -> Client:
    import flask

    from wsgi_webio.platform.flask import webio_view

    app = flask.Flask(__name__)
    view = webio_view(tool)
    app.add_url_rule("/", "home", lambda: "flask home")
    app.add_url_rule("/tool", "webio_view", view, methods=METHODS)
    app.add_url_rule("/tool/<path:sub>", "webio_assets", view, methods=METHODS)
    app.add_url_rule("/lone", "lone", webio_view(tool), methods=METHODS)
    return Client(app)


def test_flask_view_serves_the_page_its_assets_and_a_session(flask_site: Client) -> None:
    assert in_greenlet(flask_site.get, "/").text == "flask home"
    page = in_greenlet(flask_site.get, "/tool")
    assert page.status_code == 200 and "<title>Flask tool</title>" in page.text
    assert 'src="/tool/_webio/static/webio.js?v=' in page.text
    asset = in_greenlet(flask_site.get, "/tool/_webio/static/webio.js")
    assert asset.status_code == 200 and b"WebIO" in asset.data
    created = new_session(flask_site, "/tool")
    assert output_texts(created) == ["hello from flask"]
    reply = in_greenlet(flask_site.post, "/tool", query_string={"ack": 0, "seq": 0}, json=[],
                        headers={"webio-session-id": created.headers["webio-session-id"]})
    assert reply.status_code == 200


def test_flask_view_whose_route_misses_the_assets_says_which_route_to_add(flask_site: Client) -> None:
    page = in_greenlet(flask_site.get, "/lone")
    assert page.status_code == 500
    assert "app.add_url_rule('/lone/<path:sub>'" in page.text and "/lone/_webio/static/" in page.text
    # the API of that route still works: only the page needs the assets
    assert output_texts(new_session(flask_site, "/lone")) == ["hello from flask"]


def test_websocket_is_refused_so_the_page_falls_back_to_http(flask_site: Client) -> None:
    # Flask's router refuses an upgrade on a rule that is not websocket=True before any view runs.
    reply = in_greenlet(flask_site.get, "/tool", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    assert reply.status_code == 400
    from wsgi_webio.platform.views import ViewAdapter  # what the view answers when a router lets it through

    adapter = ViewAdapter(tool, {}, "Flask", str)
    status, _, body = adapter({"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "websocket", "PATH_INFO": "/tool"}, "",
                              lambda path: True)
    assert status == 426 and b"HTTP transport" in body


def test_django_view_in_a_django_site() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-m", "tests.platform.django_site"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["home"] == "django home"
    status, text = seen["page"]
    assert status == 200 and "<title>Django tool</title>" in text and 'src="/tool/_webio/static/webio.js?v=' in text
    assert seen["asset"] == [200, True]
    assert seen["texts"] == ["hello from django"]
    assert seen["post"] == 200  # CSRF-exempt
    assert seen["lone"][0] == 500 and "path('lone/<path:sub>', view)" in seen["lone"][1]
    assert seen["upgrade"][0] == 426
