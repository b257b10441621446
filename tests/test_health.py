"""/health/ says whether the database and the broker answer: 200 when both do, 503 naming what is down."""

import socket

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_answers_ok_with_one_query_and_is_never_cached(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_health_is_503_naming_the_broker_when_it_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "broker": "down"}


def test_health_is_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    def cursor_refused(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:  # undone before the test database is rolled back
        patch.setattr(connection, "cursor", cursor_refused)
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "broker": "ok"}


def test_health_says_in_process_when_tasks_run_in_the_web_process(client, settings):
    settings.CELERY_BROKER_URL = "memory://localhost/"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_health_answers_over_plain_http_when_the_site_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/health/").status_code == 200
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405
