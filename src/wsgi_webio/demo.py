"""The demo app served by ``python -m wsgi_webio demo``.

A small tour of what works today: input with validation, buttons with callbacks
and a background task pushing output. No state beyond what each session holds.
"""

from __future__ import annotations

import gevent

from .input import input
from .output import put_buttons, put_text
from .session import local, run_async


def _ticker() -> None:
    for i in range(1, 4):
        gevent.sleep(1)
        put_text(f"background task: tick {i}")


def main() -> None:
    """wsgi_webio demo"""
    put_text("Hello from wsgi_webio: this app is a plain blocking function.")
    name = input("Your name?", validate=lambda v: None if v.strip() else "Please type a name")
    local.name = name
    put_text(f"Hello, {name}!")
    put_buttons(["Say hi", "Count"], onclick=_clicked)
    run_async(_ticker)
    age = input("Your age?", type="number", validate=lambda v: None if 0 < v < 150 else "0 < age < 150")
    put_text(f"{name} is {age}. The buttons keep working; close the tab when done.")


def _clicked(label: str) -> None:
    if label == "Count":
        local.count = (local.count or 0) + 1
        put_text(f"Count: {local.count}")
    else:
        put_text(f"Hi, {local.name}!")
