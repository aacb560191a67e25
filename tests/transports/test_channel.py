"""The Channel protocol and who implements it: every WebSocket stack offers the same
calls to the session side, and the uWSGI stack loads none of the pywsgi one."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from wsgi_webio.transports.channel import Channel
from wsgi_webio.transports.uwsgi import UwsgiChannel
from wsgi_webio.transports.wschannel import WebSocketChannel

MEMBERS = sorted(name for name in vars(Channel) if not name.startswith("_"))


def test_the_protocol_lists_what_the_session_side_calls() -> None:
    assert MEMBERS == ["close", "closed", "listen", "ping", "receive", "send", "send_binary", "send_many",
                       "set_read_timeout"]


@pytest.mark.parametrize("cls", [WebSocketChannel, UwsgiChannel])
def test_each_stack_has_every_member_with_the_same_parameters(cls: type) -> None:
    for name in MEMBERS:
        ours, declared = getattr(cls, name), getattr(Channel, name)
        if isinstance(declared, property):
            assert isinstance(ours, property), name
            continue
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(declared).parameters), name


def test_the_uwsgi_stack_loads_nothing_of_the_pywsgi_one() -> None:
    script = (
        "import sys\n"
        "import wsgi_webio.transports.uwsgi\n"
        "import wsgi_webio.transports.websocket\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('geventwebsocket', 'wsgi_webio.transports.ws'))\n"
        "            and m != 'wsgi_webio.transports.wsframes' and m != 'wsgi_webio.transports.websocket')\n"
        "print(loaded)\n"
        "import wsgi_webio.app\n"
        "print(sorted(m for m in sys.modules if m.startswith('geventwebsocket')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.splitlines() == ["[]", "[]"]
