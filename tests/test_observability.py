"""Log lines are JSON objects tied to their request (X-Request-ID, the signed-in user's id) or task;
the error tracker is loaded only when SENTRY_DSN is set."""

import io
import json
import logging
import os
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from celery import shared_task
from django.http import HttpResponse
from django.urls import path

from focalpoints.accounts import focal_point_account_ensure
from smepilot.observability import task_id_var
from smepilot.outbox import services as outbox_services
from tests.factories import FocalPointFactory, OutgoingMessageFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger("smepilot.tests")


def view_that_logs(request):
    if request.user.is_authenticated:  # as a view does before it acts for someone
        logger.info("view ran")
    else:
        logger.info("view ran signed out")
    return HttpResponse("ok")


urlpatterns = [path("logs/", view_that_logs)]


@shared_task
def task_that_logs():
    logger.info("task ran")


@pytest.fixture
def log_lines():
    """What the settings' console handler writes, one parsed JSON object per line."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    # LOG_LEVEL's default: an in-process test worker (tests/smtp_sink.py) leaves the root at ERROR.
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    logging.getLogger().setLevel(root_level)
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_request_log_line_is_json_with_the_request_id_of_the_response_and_the_user_id(client, settings, log_lines):
    settings.ROOT_URLCONF = __name__
    user = UserFactory(email="ada.lovelace@example.org", first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    response = client.get("/logs/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [line for line in log_lines() if line["message"] == "view ran"]
    assert line["request_id"] == request_id
    assert line["user_id"] == user.pk
    assert line["level"] == "INFO"
    assert line["logger"] == "smepilot.tests"
    assert line["time"].endswith("+00:00")
    assert "task_id" not in line
    assert "ada" not in json.dumps(line).lower()


@pytest.mark.django_db
def test_a_signed_out_request_has_a_request_id_and_no_user_id(client, settings, log_lines):
    settings.ROOT_URLCONF = __name__
    response = client.get("/logs/")
    [line] = [line for line in log_lines() if line["message"] == "view ran signed out"]
    assert line["request_id"] == response["X-Request-ID"]
    assert "user_id" not in line


@pytest.mark.parametrize("incoming", ["lb-7f3a.9_c", "a" * 64])
@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept(client, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "a" * 65, "id with spaces", "<script>", "x\u00e9", "a;b", "a\\nb"])
@pytest.mark.django_db
def test_an_incoming_request_id_that_is_not_a_plain_token_is_replaced(client, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    assert response["X-Request-ID"].isalnum()


@pytest.mark.django_db
def test_redirects_carry_a_request_id_too(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert len(response["X-Request-ID"]) == 32


def test_a_task_log_line_carries_the_task_id(log_lines):
    result = task_that_logs.apply()
    [line] = [line for line in log_lines() if line["message"] == "task ran"]
    assert line["task_id"] == result.id
    assert "request_id" not in line
    assert task_id_var.get() is None  # cleared once the task has run


def _settings_loaded(**env_overrides) -> str:
    env = {key: value for key, value in os.environ.items() if key not in {"SENTRY_DSN", "LOG_FORMAT", "DEBUG"}}
    env.update(env_overrides)
    code = (
        "import logging, sys, django; django.setup(); import smepilot.celery; "
        "print('sentry_sdk' in sys.modules, type(logging.getLogger().handlers[0].formatter).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "smepilot.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_sentry_dsn_the_sdk_is_not_imported_and_logs_are_json_in_production():
    assert _settings_loaded(DEBUG="false") == "False JsonFormatter"


def test_with_debug_logs_are_plain_text():
    assert _settings_loaded(DEBUG="true") == "False Formatter"


def test_with_sentry_dsn_the_sdk_reports_errors_without_personal_data():
    env = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    code = (
        "import django, sentry_sdk; django.setup(); client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['send_default_pii'], "
        "sorted(name for name in client.integrations if name in ('django', 'celery')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "SENTRY_DSN": "https://public@127.0.0.1:9/1", "DJANGO_SETTINGS_MODULE": "smepilot.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False ['celery', 'django']"


class _RefusingEmail:
    def __init__(self, error):
        self.error = error

    def send(self):
        raise self.error


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (smtplib.SMTPRecipientsRefused({"ada@example.org": (550, b"5.1.1 <ada@example.org> unknown")}), "failed"),
        (smtplib.SMTPRecipientsRefused({"ada@example.org": (450, b"4.2.0 <ada@example.org> busy")}), "queued"),
    ],
)
@pytest.mark.django_db
def test_outbox_failures_are_logged_without_the_recipients_address(monkeypatch, log_lines, error, status):
    """The secretariat sees the server's full answer on the message (admin); the log line names the
    message and the error's kind and code only."""
    message = OutgoingMessageFactory(to="ada@example.org")
    monkeypatch.setattr(outbox_services, "_email_build", lambda message: _RefusingEmail(error))
    assert outbox_services.outgoing_message_deliver(message_id=message.pk) == status
    lines = [line for line in log_lines() if line["logger"] == "smepilot.outbox.services"]
    assert lines
    assert all("ada" not in json.dumps(line) for line in lines), lines
    assert f"Outgoing message {message.pk}" in lines[0]["message"]
    assert "SMTPRecipientsRefused" in lines[0]["message"]
    message.refresh_from_db()
    assert "ada@example.org" in message.last_error


@pytest.mark.django_db
def test_focal_point_account_logs_name_no_address(log_lines):
    """An unverified claim on a focal point's designated address is removed and logged by ids."""
    focal_point = FocalPointFactory(email="grace.hopper@example.org", user=None)
    claimant = UserFactory(email="grace.hopper@example.org")
    EmailAddress.objects.update_or_create(
        user=claimant, email="grace.hopper@example.org", defaults={"verified": False, "primary": True}
    )
    focal_point_account_ensure(focal_point=focal_point)
    lines = [line for line in log_lines() if line["logger"] == "focalpoints.accounts"]
    assert lines
    assert all("grace" not in json.dumps(line) for line in lines), lines
    assert str(claimant.pk) in lines[0]["message"]
