#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run all of it:
# pure, greenlet, live-server and browser tests, against the newest dependencies
# and against the lowest supported ones (tox envs py and min), on this Python, after the
# type check and lint (tox env lint: mypy --strict, ruff).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium for the browser tests (Playwright cannot download its own
# here); Node for the browser client's unit tests (tests/js, its built-in test runner;
# no npm package is used); nginx for the reverse-proxy test (tests/deploy/test_nginx.py); a C compiler and
# the OpenSSL and Python headers that building uWSGI from PyPI needs (its WebSocket
# handshake is compiled only with OpenSSL).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
python3 -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || need+=(python3-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The client's unit tests, on their own first (tests/js/test_node_suite.py runs them
# again under tox). A missing Node fails here, loudly, with or without CI=true.
if ! command -v node >/dev/null 2>&1; then
  echo "scripts/test.sh: Node is missing and could not be installed (apt-get install -y nodejs)" >&2
  exit 1
fi
node --test tests/js/*.test.mjs

python3 -m pip install -q --disable-pip-version-check "tox>=4"
python3 -m tox -e lint
exec python3 -m tox -e py,min -- "$@"
