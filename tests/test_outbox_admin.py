"""smepilot.outbox.admin: the secretariat's read-only list of outgoing email, with Resend."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smepilot.outbox.models import MessageStatus, OutgoingMessage
from tests.factories import OutgoingMessageFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outbox_outgoingmessage_changelist")


@pytest.fixture
def staff(client):
    """Secretariat staff who may view and resend outgoing email."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_outgoingmessage", "change_outgoingmessage"])
    )
    sign_in_with_second_factor(client, user)
    return client


@pytest.fixture
def viewer(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_outgoingmessage"))
    sign_in_with_second_factor(client, user)
    return client


def test_list_shows_status_recipient_subject_attempts_and_error(staff):
    OutgoingMessageFactory(
        to="fp@admin.example", subject="Validate a registration", status=MessageStatus.FAILED, attempts=1,
        last_error="SMTPRecipientsRefused: 550 No such user",
    )  # fmt: skip

    response = staff.get(CHANGELIST)

    assert response.status_code == 200
    content = response.content.decode()
    for text in ["fp@admin.example", "Validate a registration", "Failed", "550 No such user"]:
        assert text in content


def test_list_filters_by_status_and_searches_recipient(staff):
    OutgoingMessageFactory(to="failed@example.org", status=MessageStatus.FAILED)
    OutgoingMessageFactory(to="sent@example.org", status=MessageStatus.SENT)

    by_status = staff.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    by_search = staff.get(CHANGELIST, {"q": "sent@"}).content.decode()

    assert "failed@example.org" in by_status
    assert "sent@example.org" not in by_status
    assert "sent@example.org" in by_search
    assert "failed@example.org" not in by_search


def test_list_queries_do_not_grow_with_the_number_of_messages(staff):
    OutgoingMessageFactory()
    with CaptureQueriesContext(connection) as one:
        assert staff.get(CHANGELIST).status_code == 200
    OutgoingMessageFactory.create_batch(49)
    with CaptureQueriesContext(connection) as fifty:
        assert staff.get(CHANGELIST).status_code == 200
    assert len(one) == len(fifty)


def test_messages_are_read_only(staff):
    message = OutgoingMessageFactory(body_text="Meeting details")
    change_url = reverse("admin:outbox_outgoingmessage_change", args=[message.pk])

    view = staff.get(change_url)
    post = staff.post(change_url, {"to": "other@example.org", "subject": "Changed"})

    assert view.status_code == 200
    assert "Meeting details" in view.content.decode()
    assert 'name="_save"' not in view.content.decode()
    assert post.status_code == 403
    assert staff.get(reverse("admin:outbox_outgoingmessage_add")).status_code == 403
    assert staff.get(reverse("admin:outbox_outgoingmessage_delete", args=[message.pk])).status_code == 403
    message.refresh_from_db()
    assert message.to != "other@example.org"


def test_sign_in_secrets_are_not_shown(staff):
    message = OutgoingMessageFactory(template="account/email/login_code", body_text="Your code: XK2P9Q")

    response = staff.get(reverse("admin:outbox_outgoingmessage_change", args=[message.pk]))

    assert response.status_code == 200
    assert "XK2P9Q" not in response.content.decode()
    assert "hidden" in response.content.decode()


def test_resend_requeues_failed_messages_and_says_how_many(staff, django_capture_on_commit_callbacks):
    failed = OutgoingMessageFactory.create_batch(2, status=MessageStatus.FAILED, attempts=8)
    sent = OutgoingMessageFactory(status=MessageStatus.SENT)

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post(
            CHANGELIST,
            {"action": "resend", "_selected_action": [m.pk for m in [*failed, sent]]},
            follow=True,
        )

    assert response.status_code == 200
    content = response.content.decode()
    assert "2 messages were queued to be sent again." in content
    assert "1 message was skipped: only failed messages can be resent." in content
    assert len(callbacks) == 2
    statuses = dict(OutgoingMessage.objects.values_list("pk", "status"))
    assert statuses == {failed[0].pk: "queued", failed[1].pk: "queued", sent.pk: "sent"}
    assert set(OutgoingMessage.objects.filter(pk__in=[m.pk for m in failed]).values_list("attempts", flat=True)) == {0}


def test_resend_needs_the_change_permission(viewer, django_capture_on_commit_callbacks):
    message = OutgoingMessageFactory(status=MessageStatus.FAILED)

    listing = viewer.get(CHANGELIST)
    with django_capture_on_commit_callbacks() as callbacks:
        viewer.post(CHANGELIST, {"action": "resend", "_selected_action": [message.pk]})

    assert listing.status_code == 200
    assert 'value="resend"' not in listing.content.decode()
    assert callbacks == []
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_outbox_is_hidden_from_staff_without_permission(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
