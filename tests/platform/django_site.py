"""A Django site with webio_view routes, driven in this process by werkzeug's client from
gevent greenlets; run by test_views.py in a subprocess (Django settings are process-wide).
Prints one JSON object of what it saw."""

from __future__ import annotations

import json
import sys

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from werkzeug.test import Client

from tests.platform.conftest import in_greenlet, new_session, output_texts
from wsgi_webio.output import put_text
from wsgi_webio.platform.django import webio_view


def main() -> None:
    """Django tool"""
    put_text("hello from django")


view = webio_view(main)
lone = webio_view(main)
urlpatterns = [
    path("", lambda request: HttpResponse(b"django home")),
    path("tool", view),
    path("tool/<path:sub>", view),
    path("lone", lone),
]

settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["localhost"], SECRET_KEY="test only", DEBUG=False,
                   MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"])
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after setup

client = Client(get_wsgi_application())
page = in_greenlet(client.get, "/tool")
asset = in_greenlet(client.get, "/tool/_webio/static/webio.js")
created = new_session(client, "/tool")
sid = created.headers["webio-session-id"]
post = in_greenlet(client.post, "/tool", query_string={"ack": 0, "seq": 0}, json=[],
                   headers={"webio-session-id": sid})
lone_page = in_greenlet(client.get, "/lone")
upgrade = in_greenlet(client.get, "/tool", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
json.dump({
    "home": in_greenlet(client.get, "/").text,
    "page": [page.status_code, page.text],
    "asset": [asset.status_code, asset.data.startswith(b"/*") or b"WebIO" in asset.data],
    "texts": output_texts(created),
    "post": post.status_code,
    "lone": [lone_page.status_code, lone_page.text],
    "upgrade": [upgrade.status_code, upgrade.text],
}, sys.stdout)
