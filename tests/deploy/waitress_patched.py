"""waitress behind gevent's monkey-patching: ``python tests/deploy/waitress_patched.py PORT``.

Patching first turns waitress's worker threads into greenlets, but its pool keeps its
size (``threads=2``): the app must still refuse, at once, rather than let held requests
fill the pool and hang the server.
"""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from waitress import serve  # noqa: E402

from tests.deploy.apps import application  # noqa: E402

if __name__ == "__main__":
    serve(application, listen=f"127.0.0.1:{int(sys.argv[1])}", threads=2)
