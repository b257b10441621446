"""Settings come from the environment; production refuses to start without a real secret key."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "x7Gq2-this-is-a-long-random-enough-production-key-for-the-check-9Lp"


def run_manage(*args, **env_overrides):
    # Start from the test run's environment (database, Redis) minus what the test itself decides.
    decided = {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"}
    env = {key: value for key, value in os.environ.items() if key not in decided}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        "django-insecure-development-key-do-not-use-in-production",
        "change-me",  # the placeholder .env.example ships
        "secret",
        "a" * 60,  # long, but too few distinct characters
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    env = {"DEBUG": "false"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing, too short or a development key while DEBUG is off" in result.stderr


def test_debug_mode_starts_with_the_development_key():
    result = run_manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_environment_variable_the_settings_read_is_documented_in_env_example():
    read = set()
    for module in (BASE_DIR / "smepilot").glob("*settings.py"):
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', module.read_text()))
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert read, "no env() calls found: the pattern no longer matches the settings"
    assert read - documented == set()


def test_the_embedded_mode_sends_an_email_without_a_broker_warning():
    """`make run` (DEBUG, no broker, tasks run in process) sends each email without kombu's
    "No hostname was supplied" warning: eager tasks still open a producer, on the in-memory transport."""
    code = "\n".join(
        [
            "from django.core.management import call_command",
            "from django.db import transaction",
            "from smepilot.outbox.models import OutgoingMessage",
            "from smepilot.outbox.services import mail_queue_rendered",
            "call_command('migrate', verbosity=0)",
            "with transaction.atomic():",
            "    mail_queue_rendered(to='ada@example.org', subject='Hi', body_text='Hi', body_html='', template='t')",
            "print('STATUS', OutgoingMessage.objects.get().status)",
        ]
    )
    inherited = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**inherited, "DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:", "EMAIL_URL": "consolemail://"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "STATUS sent" in result.stdout, result.stdout + result.stderr
    assert "No hostname was supplied" not in result.stdout + result.stderr
