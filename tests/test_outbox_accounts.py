"""smepilot.accounts.AccountAdapter: allauth's own emails are outbox rows, sent by the worker."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from smepilot.outbox.models import MessageStatus, OutgoingMessage
from tests.factories import UserFactory
from tests.smtp_sink import wait_until

PREFIX = "[ITU-D SME pilot] "


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # allauth counts attempts in the shared cache (Redis); repeated runs must not trip them.
    settings.ACCOUNT_RATE_LIMITS = False


def verified_user(email):
    return UserFactory(email=email)  # with a verified EmailAddress


@pytest.mark.django_db
def test_password_reset_mail_is_an_outbox_row_queued_on_commit(client, django_capture_on_commit_callbacks):
    verified_user("ada@example.org")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("account_reset_password"), {"email": "ada@example.org"})

    assert response.status_code == 302
    [message] = OutgoingMessage.objects.all()
    assert message.to == "ada@example.org"
    assert message.template == "account/email/password_reset_key"
    assert message.subject.startswith(PREFIX)
    assert message.status == MessageStatus.QUEUED
    assert "/accounts/password/reset/key/" in message.body_text
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_verification_mail_is_an_outbox_row(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="new@example.org", verified_email=False)
    EmailAddress.objects.create(user=user, email="new@example.org", verified=False, primary=True)
    client.force_login(user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("account_email"), {"email": "new@example.org", "action_send": ""})

    assert response.status_code == 302
    [message] = OutgoingMessage.objects.all()
    assert message.to == "new@example.org"
    assert message.template == "account/email/email_confirmation"
    assert message.subject.startswith(PREFIX)
    assert "/accounts/confirm-email/" in message.body_text
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_login_code_is_queued_at_once_and_delivered_by_the_worker(client, smtp_sink, celery_worker_real):
    """allauth keeps the code in the session and mails it in the same request (autocommit)."""
    verified_user("fp@admin.example")

    response = client.post(reverse("account_request_login_code"), {"email": "fp@admin.example"})

    assert response.status_code == 302
    [received] = smtp_sink.wait_for(1)
    assert received["To"] == "fp@admin.example"
    assert received["Subject"].startswith(PREFIX)
    code = re.search(
        r"^\s*([A-Z0-9][A-Z0-9-]{4,}[A-Z0-9])\s*$", received.get_body(("plain",)).get_content(), re.MULTILINE
    )
    assert code, received.get_body(("plain",)).get_content()
    message = OutgoingMessage.objects.get(to="fp@admin.example")
    assert message.template == "account/email/login_code"
    wait_until(lambda: OutgoingMessage.objects.get(pk=message.pk).status == MessageStatus.SENT)
    celery_worker_real.wait_idle()
    # The code is not kept in the database once mailed.
    assert code.group(1) not in OutgoingMessage.objects.get(pk=message.pk).body_text

    # And the code from the mail signs the focal point in.
    confirm = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert confirm.status_code == 302
    assert client.get("/").wsgi_request.user.email == "fp@admin.example"


@pytest.mark.django_db
def test_unknown_address_gets_no_password_reset_mail_but_an_outbox_notice(client):
    """ACCOUNT_PREVENT_ENUMERATION: allauth mails an "unknown account" notice instead."""
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert list(OutgoingMessage.objects.values_list("template", flat=True)) == ["account/email/unknown_account"]
