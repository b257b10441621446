"""Security audit: production settings (DEBUG off) and what they put on the wire.

tests/test_settings.py runs ``check --deploy``; these tests read the values themselves in a fresh
process with production's environment, and check the headers, cookies and error page a browser
gets from the test run (which, like `make test`, runs with DEBUG off).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import path, reverse

from smepilot import urls as project_urls
from smepilot.outbox.models import OutgoingMessage
from tests.factories import UserFactory, secretariat_officer
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "x7Gq2-this-is-a-long-random-enough-production-key-for-the-check-9Lp"
DECIDED = {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"}

PRINT_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in %r}, default=str))
"""
NAMES = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS",
    "ALLOWED_HOSTS",
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    "ACCOUNT_CONFIRM_EMAIL_ON_GET",
    "ACCOUNT_LOGOUT_ON_GET",
    "SOCIALACCOUNT_LOGIN_ON_GET",
    "ACCOUNT_PREVENT_ENUMERATION",
    "ACCOUNT_EMAIL_VERIFICATION",
    "PASSWORD_HASHERS",
]


def production_settings(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in DECIDED}
    env.update({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "registration.example.org", **overrides})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_SETTINGS % (NAMES,)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_the_default_and_is_hardened():
    values = production_settings()  # DEBUG not set at all: production
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["ALLOWED_HOSTS"] == ["registration.example.org"]
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert values["ACCOUNT_CONFIRM_EMAIL_ON_GET"] is False
    assert not values["ACCOUNT_LOGOUT_ON_GET"]
    assert values["SOCIALACCOUNT_LOGIN_ON_GET"] is False
    assert values["ACCOUNT_PREVENT_ENUMERATION"] is True
    assert values["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    # The proxy header is trusted: only right behind a proxy that sets it (see the report).
    assert values["SECURE_PROXY_SSL_HEADER"] in (None, ["HTTP_X_FORWARDED_PROTO", "https"])


def test_production_without_allowed_hosts_answers_no_host():
    values = production_settings(ALLOWED_HOSTS="")
    assert values["ALLOWED_HOSTS"] == []


def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("home"), secure=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "max-age=" in response["Strict-Transport-Security"]
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_http_only():
    cache.clear()
    UserFactory(email="cookie@sme.example")
    client = Client()
    page = client.get(reverse("account_login"), secure=True)
    assert page.cookies["csrftoken"]["secure"]
    response = client.post(
        reverse("account_login"),
        {"login": "cookie@sme.example", "password": "correct-horse-battery-staple"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"].lower() == "lax"
    cache.clear()


def _boom(request):
    raise RuntimeError("database password is hunter2")


# The project's URLs plus one that fails, so that an error page can name the site's pages.
urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]


def test_a_server_error_shows_no_debug_information(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("hunter2", "Traceback", "RuntimeError", "SECRET_KEY", "settings", "/work/"):
        assert leak not in body, leak


def test_secretariat_never_sees_sign_in_secrets_in_the_outbox(client):
    """A sign-in code still queued (not yet sent, so not yet wiped) is hidden from the officer too."""
    cache.clear()
    UserFactory(email="code@sme.example")
    Client().post(reverse("account_request_login_code"), {"email": "code@sme.example"})
    message = OutgoingMessage.objects.get(to="code@sme.example")
    assert message.template.startswith("account/")
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body_text, re.MULTILINE).group(1)
    sign_in_with_second_factor(client, secretariat_officer())
    response = client.get(reverse("admin:outbox_outgoingmessage_change", args=[message.pk]))
    assert response.status_code == 200
    assert code not in response.content.decode()
    # Nor can the search find the message by its code.
    changelist = client.get(reverse("admin:outbox_outgoingmessage_changelist"), {"q": code})
    assert changelist.context["cl"].result_count == 0
    cache.clear()


def test_secretariat_cannot_reach_account_or_permission_admin(client):
    sign_in_with_second_factor(client, secretariat_officer())
    for name in [
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:account_emailaddress_changelist",
        "admin:socialaccount_socialapp_changelist",
    ]:
        assert client.get(reverse(name)).status_code == 403, name
    officer = secretariat_officer(email="other.officer@itu.example")
    assert not Permission.objects.filter(group__user=officer, content_type__app_label__in=["auth", "account"]).exists()


def test_env_example_placeholder_is_what_the_settings_must_refuse():
    """tests/test_settings.py refuses the placeholder .env.example really ships (README: "copy .env.example")."""
    example = (BASE_DIR / ".env.example").read_text()
    assert re.search(r"^SECRET_KEY=change-me$", example, re.MULTILINE)
