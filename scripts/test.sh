#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run all of it:
# pure, greenlet, live-server and browser tests, against the newest dependencies
# and against the lowest supported ones (tox envs py and min), on this Python.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check "tox>=4"
exec python3 -m tox -e py,min -- "$@"
