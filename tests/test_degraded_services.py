"""Degraded, not down: sign-in works while Redis is unreachable (smepilot.cache), the first request after
a PostgreSQL restart is answered (CONN_HEALTH_CHECKS)."""

import logging
import re
import socket

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from smepilot.cache import DegradingRedisCache
from smepilot.outbox.models import OutgoingMessage
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"  # the factories' password


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens (bound, so no one else takes it, never listening)."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"},
    }
    DegradingRedisCache._last_warning_at = None
    yield
    closed.close()


def _unavailable_warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "Redis cache unavailable" in r.getMessage()]


@pytest.mark.django_db
def test_password_sign_in_works_while_redis_is_down(redis_down, caplog):
    UserFactory(email="down@sme.example")
    client = Client()
    with caplog.at_level(logging.WARNING):
        response = client.post(reverse("account_login"), {"login": "down@sme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert len(_unavailable_warnings(caplog)) == 1  # once, not at every cache call


@pytest.mark.django_db
def test_wrong_password_while_redis_is_down_is_refused_not_an_error(redis_down):
    UserFactory(email="down@sme.example")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "down@sme.example", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_in_by_code_works_while_redis_is_down(redis_down, caplog):
    UserFactory(email="code@sme.example")
    client = Client()
    with caplog.at_level(logging.WARNING):
        response = client.post(reverse("account_request_login_code"), {"email": "code@sme.example"})
        assert response.status_code == 302
        message = OutgoingMessage.objects.filter(to="code@sme.example", template="account/email/login_code").last()
        code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body_text, re.MULTILINE).group(1)
        response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert _unavailable_warnings(caplog)


def test_the_cache_gives_up_quickly_on_a_redis_that_does_not_answer():
    options = settings.CACHES["default"].get("OPTIONS", {})
    assert settings.CACHES["default"]["BACKEND"] == "smepilot.cache.DegradingRedisCache"
    assert 0 < options["socket_connect_timeout"] <= 1
    assert 0 < options["socket_timeout"] <= 1


@pytest.fixture
def _usable_connection_after():
    yield
    if connection.connection is not None and not connection.is_usable():
        connection.close()  # so that the test database is flushed on a live connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_usable_connection_after")
def test_first_request_after_the_database_connection_was_lost_succeeds():
    """As after a PostgreSQL restart: the web process's kept connection (CONN_MAX_AGE) is dead."""
    signed_in = Client()
    signed_in.force_login(UserFactory(email="restart@sme.example"))
    session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    other = connection.get_new_connection(connection.get_connection_params())  # another session, raw
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()

    # Through Django's own WSGI handler, which checks connections at each request's start; the page
    # reads the session and the account from the database.
    environ = (
        RequestFactory().get(reverse("home"), HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session_cookie}").environ
    )
    statuses = []
    WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses and not statuses[0].startswith("5"), statuses
