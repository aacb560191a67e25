"""WebIOMiddleware inside real Flask and Django sites: routing, prefixes, static assets,
the host's login in front of both transports; in process (werkzeug's test client, run in
a greenlet as a gevent server would) and live (gunicorn with our worker)."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode

import gevent
import pytest
from werkzeug.test import Client

from tests.deploy import flask_host
from tests.deploy.procs import (
    ServerProcess,
    free_port,
    get,
    long_poll_session,
    require,
    tool,
    websocket_session,
    ws_connect,
)
from tests.transports.wsclient import HandshakeRefused
from wsgi_webio import WebIOMiddleware, wsgi_app

OURS = "wsgi_webio.gunicorn.GeventWebSocketWorker"


def in_greenlet(fn, *args, **kwargs):
    """Call the app from a gevent greenlet, as gevent servers do (the main greenlet is refused)."""
    return gevent.spawn(fn, *args, **kwargs).get(timeout=10)


@pytest.fixture
def client():
    return Client(flask_host.app)


def login(client, user="ada"):
    reply = in_greenlet(client.post, "/login", data={"user": user})
    assert reply.status_code == 302


def test_the_host_gets_everything_else_untouched(client):
    assert in_greenlet(client.get, "/").text == "flask home"
    assert in_greenlet(client.get, "/tools/echoes").status_code == 404  # not on a path boundary
    assert in_greenlet(client.get, "/tools").status_code == 404


def test_without_login_the_page_redirects_and_the_api_refuses(client):
    page = in_greenlet(client.get, "/tools/echo/?app=index")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?" + urlencode({"next": "/tools/echo/?app=index"})
    api = in_greenlet(client.get, "/tools/echo/", query_string={"ack": -1}, headers={"webio-session-id": "NEW"})
    assert api.status_code == 403


def test_static_assets_under_the_prefix_are_public_and_cached(client):
    login(client)
    page = in_greenlet(client.get, "/tools/echo")
    assert page.status_code == 200
    src = re.search(r'src="(/tools/echo/_webio/static/webio\.js\?v=(\w+))"', page.text)
    assert src, page.text
    anonymous = Client(flask_host.app)
    asset = in_greenlet(anonymous.get, src.group(1))
    assert asset.status_code == 200 and b"WebIO" in asset.data
    assert "immutable" in asset.headers["Cache-Control"]
    assert asset.headers["ETag"].strip('"') == src.group(2)
    again = in_greenlet(anonymous.get, "/tools/echo/_webio/static/webio.js",
                        headers={"If-None-Match": asset.headers["ETag"]})
    assert again.status_code == 304


def test_the_session_gets_the_hosts_request_and_login(client):
    login(client, "ada")
    created = in_greenlet(client.get, "/tools/echo/", query_string={"ack": -1}, headers={"webio-session-id": "NEW"})
    assert created.status_code == 200
    sid = created.headers["webio-session-id"]
    form = next(c for batch in created.json["commands"] for c in batch if c["command"] == "input_group")
    assert form["spec"]["label"] == "ada, value?"
    event = [{"event": "from_submit", "task_id": form["task_id"], "data": {"data": "x"}}]
    reply = in_greenlet(client.post, "/tools/echo/", query_string={"ack": 0, "seq": 0}, json=event,
                        headers={"webio-session-id": sid})
    outputs = [c["spec"]["content"] for batch in reply.json["commands"] for c in batch if c["command"] == "output"]
    assert outputs == ["echo: x for ada (cookie yes)"]


def test_longest_mount_wins_and_the_hosts_script_name_is_kept():
    def outer():
        """outer app"""

    def inner():
        """inner app"""

    host = WebIOMiddleware(lambda environ, start: [], {"/a": outer, "/a/b/": inner})
    client = Client(host)
    assert "<title>inner app</title>" in in_greenlet(client.get, "/site/a/b/", environ_overrides={
        "SCRIPT_NAME": "/site", "PATH_INFO": "/a/b/"}).text
    page = in_greenlet(client.get, "/site/a/", environ_overrides={"SCRIPT_NAME": "/site", "PATH_INFO": "/a/"})
    assert "<title>outer app</title>" in page.text
    assert 'src="/site/a/_webio/static/webio.js?v=' in page.text


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"tools": print}), ValueError, "must start with '/'",
                     id="relative path"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/": print}), ValueError, "cannot mount at '/'",
                     id="root"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/a": print, "/a/": print}), ValueError,
                     "mounted twice", id="duplicate"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/a/../b": print}), ValueError, "plain path",
                     id="dot segment"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/a": 42}), TypeError, "mount '/a'",
                     id="app not callable"),
        pytest.param(lambda: WebIOMiddleware("not an app", {"/a": print}), TypeError, "host app must be",
                     id="host not callable"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/a": print}, reconect_timeout=5), TypeError,
                     "reconect_timeout", id="unknown option"),
        pytest.param(lambda: WebIOMiddleware(flask_host.app, {"/a": print}, authorize="yes"), TypeError,
                     "authorize must be callable", id="authorize not callable"),
    ],
)
def test_bad_configuration_fails_at_start(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_ready_webio_apps_can_be_mounted():
    webio = wsgi_app(print)
    assert WebIOMiddleware(flask_host.app, {"/p": webio}).apps == {"/p": webio}


# --------------------------------------------------------------------------- live processes
def flask_login(port: int, user: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/login", body=urlencode({"user": user}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    reply = conn.getresponse()
    reply.read()
    conn.close()
    assert reply.status == 302
    return reply.getheader("Set-Cookie").split(";", 1)[0]


def django_login(port: int, user: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login/")
    reply = conn.getresponse()
    form = reply.read().decode()
    csrf_cookie = reply.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "username": user, "password": password})
    conn.request("POST", "/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": csrf_cookie,
        "Origin": f"http://127.0.0.1:{port}", "Referer": f"http://127.0.0.1:{port}/login/"})
    reply = conn.getresponse()
    reply.read()
    conn.close()
    assert reply.status == 302, reply.status
    session = next(c for c in reply.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    return session.split(";", 1)[0]


@pytest.fixture(scope="module")
def flask_site():
    require("gunicorn")
    port = free_port()
    server = ServerProcess([tool("gunicorn"), "-k", OURS, "-w", "1", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                            "tests.deploy.flask_host:app"], port)
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def django_site(tmp_path_factory):
    require("django")
    require("gunicorn")
    port = free_port()
    db = tmp_path_factory.mktemp("django") / "db.sqlite3"
    server = ServerProcess([tool("gunicorn"), "-k", OURS, "-w", "1", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                            "tests.deploy.django_host.wsgi:application"], port, env={"DJANGO_TEST_DB": str(db)})
    try:
        server.wait_ready(timeout=60)
        yield server
    finally:
        server.kill()


@pytest.mark.live
def test_flask_site_live_both_transports_behind_its_login(flask_site):
    port = flask_site.port
    with pytest.raises(HandshakeRefused) as refused:
        ws_connect(port, "/tools/echo/")
    assert refused.value.status == 403
    cookie = flask_login(port, "grace")
    assert websocket_session(port, "/tools/echo/", "ws", cookie=cookie) == ["echo: ws for grace (cookie yes)"]
    assert long_poll_session(port, "/tools/echo", "lp", cookie=cookie) == ["echo: lp for grace (cookie yes)"]
    assert get(port, "/")[2] == b"flask home"


@pytest.mark.live
def test_django_site_live_both_transports_behind_django_auth(django_site):
    port = django_site.port
    status, headers, _ = get(port, "/tools/echo/")
    assert status == 302 and headers["location"] == "/login/?next=%2Ftools%2Fecho%2F"
    with pytest.raises(HandshakeRefused) as refused:
        ws_connect(port, "/tools/echo/")
    assert refused.value.status == 403
    cookie = django_login(port, "ada", "secret")
    assert websocket_session(port, "/tools/echo/", "ws", cookie=cookie) == ["echo: ws for ada (cookie yes)"]
    assert long_poll_session(port, "/tools/echo/", "lp", cookie=cookie) == ["echo: lp for ada (cookie yes)"]
    status, _, body = get(port, "/", headers={"Cookie": cookie})
    assert body == b"django home, user ada"
