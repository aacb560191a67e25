"""A Flask site with its own login that mounts a wsgi_webio app for logged-in users only.

``gunicorn -k wsgi_webio.gunicorn.GeventWebSocketWorker -w 1 tests.deploy.flask_host:app``
"""

from flask import Flask, redirect, request, session

from tests.deploy.apps import hosted
from wsgi_webio import WebIOMiddleware

app = Flask(__name__)
app.secret_key = "tests only, never in production"


@app.get("/")
def home():
    return "flask home"


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        session["user"] = request.form["user"]
        return redirect(request.args.get("next") or "/")
    return '<form method="post"><input name="user"><button>Log in</button></form>'


def logged_in(webio_request):
    """The Flask login of the request (from Flask's signed session cookie), or None."""
    with app.request_context(webio_request.environ):
        return session.get("user")


app.wsgi_app = WebIOMiddleware(app.wsgi_app, {"/tools/echo": hosted}, authorize=logged_in, login_url="/login")
