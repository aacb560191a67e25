"""A plain script for the script-mode tests: ``python tests/deploy/script_app.py``."""

from wsgi_webio.input import input
from wsgi_webio.output import put_text

put_text("starting")
name = input("Your name?")
put_text(f"Hello, {name}")
