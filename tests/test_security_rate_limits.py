"""Security audit: allauth's sign-in rate limits are on, with the project's own limits, in Redis.

tests/test_admin_permissions.py checks the mechanism for password sign-in with lowered limits;
these tests use the limits as configured (settings.ACCOUNT_RATE_LIMITS) for every sign-in flow:
password, sign-in by emailed code and password reset. Each starts from an empty cache.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from smepilot.outbox.models import OutgoingMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"  # the factories' password


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _per_key(action):
    """The per-address limit of an action, e.g. "5/m/key" -> 5."""
    for rule in settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, _period, *per = rule.split("/")
        if per == ["key"]:
            return int(amount)
    raise AssertionError(f"{action} has no per-address limit")


def test_every_sign_in_flow_has_a_limit():
    limits = settings.ACCOUNT_RATE_LIMITS
    assert limits, "ACCOUNT_RATE_LIMITS must not be False"
    for action in ("login", "login_failed", "signup", "reset_password", "request_login_code", "confirm_email"):
        assert limits.get(action), action
    for action in ("login_failed", "reset_password", "request_login_code"):
        assert _per_key(action) <= 5, action


def test_rate_limits_count_in_the_shared_redis_cache():
    # make test always sets REDIS_URL, as production must: a per-process cache would let each
    # gunicorn worker count attempts on its own.
    assert os.environ.get("REDIS_URL")
    assert settings.CACHES["default"]["BACKEND"] == "smepilot.cache.DegradingRedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_password_sign_in_is_locked_after_the_configured_failures(client):
    UserFactory(email="target@sme.example")
    for attempt in range(_per_key("login_failed")):
        response = client.post(reverse("account_login"), {"login": "target@sme.example", "password": f"no-{attempt}"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": "target@sme.example", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_code_requests_are_limited_per_address():
    """Each request from a fresh client (no session), as an attacker flooding an address would send."""
    UserFactory(email="codes@sme.example")
    allowed = _per_key("request_login_code")
    for _attempt in range(allowed):
        response = Client().post(reverse("account_request_login_code"), {"email": "codes@sme.example"})
        assert response.status_code == 302
    response = Client().post(reverse("account_request_login_code"), {"email": "codes@sme.example"})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    sent = OutgoingMessage.objects.filter(to="codes@sme.example", template="account/email/login_code").count()
    assert sent == allowed


def test_wrong_codes_are_limited_and_end_the_attempt(client):
    """allauth's LOGIN_BY_CODE_MAX_ATTEMPTS: guessing the code is cut off, even with the right code after."""
    UserFactory(email="guess@sme.example")
    client.post(reverse("account_request_login_code"), {"email": "guess@sme.example"})
    message = OutgoingMessage.objects.filter(to="guess@sme.example", template="account/email/login_code").last()
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body_text, re.MULTILINE).group(1)
    for _attempt in range(allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS):
        client.post(reverse("account_confirm_login_code"), {"code": "ZZZZ-ZZZZ"})
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert "_auth_user_id" not in client.session


def test_password_reset_requests_are_limited_per_address(client):
    UserFactory(email="reset@sme.example")
    allowed = _per_key("reset_password")
    for _attempt in range(allowed):
        assert client.post(reverse("account_reset_password"), {"email": "reset@sme.example"}).status_code == 302
    response = client.post(reverse("account_reset_password"), {"email": "reset@sme.example"})
    assert response.status_code == 429
    sent = OutgoingMessage.objects.filter(to="reset@sme.example", template__startswith="account/email/password_reset")
    assert sent.count() == allowed


def test_production_without_a_shared_cache_fails_the_deployment_check():
    decided = {"SECRET_KEY", "DEBUG", "REDIS_URL", "CELERY_BROKER_URL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}
    env = {key: value for key, value in os.environ.items() if key not in decided}
    env.update(
        DEBUG="false",
        SECRET_KEY="x7Gq2-this-is-a-long-random-enough-production-key-for-the-check-9Lp",
        ALLOWED_HOSTS="example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "smepilot.W001" in result.stderr  # the shared cache; W002 (no broker) comes with it
    assert "smepilot.W002" in result.stderr
