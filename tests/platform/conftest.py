"""Helpers of the platform tests: call WSGI apps from a gevent greenlet (as a gevent server
does; the apps refuse the main greenlet), and open a long-poll session in process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
from werkzeug.test import Client, TestResponse

T = TypeVar("T")


def in_greenlet(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn`` from a gevent greenlet, bounded in time."""
    return gevent.spawn(fn, *args, **kwargs).get(timeout=10)


def new_session(client: Client, path: str, query: dict[str, Any] | None = None) -> TestResponse:
    """Create a long-poll session of the app at ``path``; the reply holds its first commands."""
    return in_greenlet(client.get, path, query_string={"ack": -1, **(query or {})},
                       headers={"webio-session-id": "NEW"})


def output_texts(reply: TestResponse) -> list[str]:
    """The texts (put_text) of a long-poll reply."""
    cmds = [c for batch in json.loads(reply.data)["commands"] for c in batch]
    return [c["spec"]["content"] for c in cmds if c.get("command") == "output" and c["spec"].get("type") == "text"]
