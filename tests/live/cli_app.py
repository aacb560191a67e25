"""An app for the command-line tests: ``python -m wsgi_webio tests.live.cli_app:main``."""

from wsgi_webio.input import input
from wsgi_webio.output import put_text


def main():
    put_text("cli app", input("x"))
