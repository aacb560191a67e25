"""Apps the deployment tests serve from real server processes (gunicorn, uWSGI, waitress).

``application`` is a plain wsgi_webio WSGI app, told when uWSGI stops (under other servers
``uwsgi_application`` returns it as it is); ``main`` asks for a value and echoes it;
``spinning`` also serves ``?app=spin``, which holds the hub after its input;
``hosted`` (mounted by the Flask and Django hosts) also shows who the host says is logged in.
"""

import time

from wsgi_webio import wsgi_app
from wsgi_webio.hosting import uwsgi_application
from wsgi_webio.input import input
from wsgi_webio.middleware import USER_KEY
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.runtime.context import get_current_session


def main():
    """deploy test app"""
    value = input("value?")
    put_text(f"echo: {value}")
    put_buttons(["again"], onclick=lambda _: put_text(f"again: {value}"))


application = uwsgi_application(wsgi_app(main))


def spin():
    """holds the hub"""
    input("go?")
    end = time.monotonic() + 60
    while time.monotonic() < end:  # no yield: every other session waits
        pass


#: The watchdog only logs here (0): only a signal can end the spinning task.
spinning = wsgi_app({"index": main, "spin": spin}, max_blocking_seconds=0)


def hosted():
    """hosted app"""
    # The host app's login, as the middleware's authorize() returned it.
    request = get_current_session().info.request
    user = request.environ.get(USER_KEY)
    value = input(f"{user}, value?")
    put_text(f"echo: {value} for {user} (cookie {'yes' if request.cookies else 'no'})")


def whoami():
    """behind a proxy"""
    info = get_current_session().info
    value = input("value?")
    put_text(f"echo: {value} from {info.user_ip} via {info.protocol}")


#: Served behind nginx (tests/deploy/nginx.conf): X-Forwarded-For is believed from loopback.
proxied = wsgi_app(whoami, trusted_proxies=["127.0.0.1"], allowed_hosts=["127.0.0.1", "localhost"])
