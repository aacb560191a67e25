"""A stand-in for a web browser (``BROWSER="python fake_browser.py %s"``): prints the URL
it was asked to open (to the server's output, which it inherits), and exits."""

import sys

print(f"fake browser opened {sys.argv[1]}", flush=True)
