"""A home page and Django's own login view (username/password, CSRF-protected)."""

from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import path


def home(request):
    return HttpResponse(f"django home, user {request.user.get_username() or '-'}")


class Login(LoginView):
    def get(self, request, *args, **kwargs):  # no templates in this tiny site
        return HttpResponse(
            '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{get_token(request)}"><input name="username"><input name="password" type="password">'
            "<button>Log in</button></form>")


urlpatterns = [path("", home), path("login/", Login.as_view(next_page="/"))]
