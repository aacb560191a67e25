"""The Django site with a wsgi_webio app mounted at /tools/echo for logged-in users.

``DJANGO_SETTINGS_MODULE=tests.deploy.django_host.settings gunicorn -k
wsgi_webio.gunicorn.GeventWebSocketWorker -w 1 tests.deploy.django_host.wsgi:application``
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.deploy.django_host.settings")

from django.core.wsgi import get_wsgi_application

from tests.deploy.apps import hosted
from wsgi_webio import WebIOMiddleware

django_app = get_wsgi_application()


def _test_setup():
    """Tests only: the tables and one user (ada / secret)."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="ada").exists():
        User.objects.create_user("ada", password="secret")


def django_user(request):
    """The Django user logged in on this request (session cookie + auth), or None."""
    from django.contrib.auth import get_user
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.handlers.wsgi import WSGIRequest
    from django.db import connections

    django_request = WSGIRequest(request.environ)
    SessionMiddleware(lambda r: None).process_request(django_request)
    try:
        user = get_user(django_request)
        return user.get_username() if user.is_authenticated else None
    finally:
        connections.close_all()  # outside Django's request cycle nobody else closes them


_test_setup()
application = WebIOMiddleware(django_app, {"/tools/echo": hosted}, authorize=django_user, login_url="/login/")
