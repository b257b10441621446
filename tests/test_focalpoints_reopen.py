"""The secretariat reopens a decided registration for a new decision (focalpoints.decisions.registration_reopen)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from focalpoints import decisions, links, notifications
from meetings.models import Meeting
from registration.models import Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action, admin_messages, staff_with_permissions
from tests.factories import (
    AccountPreferencesFactory,
    FocalPointFactory,
    RegistrationFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registration_registration_changelist"
REOPENED = "emails/registration_reopened"
FOCAL_POINT_NEW = "emails/focalpoint_registration_new"
REASON = "The Administration's email of 3 April: approved in error."
# The registrant's email says whether the decision reopened had validated the registration (its msgids).
REOPENED_VALIDATED = (
    "Your registration for %(meeting)s, as a representative of %(sme)s, had been validated by the Administration "
    "of %(country)s. The secretariat has reopened it: it is pending again, and your participation is confirmed "
    "only if the Administration's focal points validate it again."
)
REOPENED_NOT_VALIDATED = (
    "Your registration for %(meeting)s, as a representative of %(sme)s, had not been validated by the "
    "Administration of %(country)s. The secretariat has reopened it: it is pending again, and the "
    "Administration's focal points will decide on it anew."
)


def _decided(registration, focal_point, *, approve=True):
    return decisions.registration_decide(
        registration=registration, decided_by=focal_point.user, approve=approve, reason="" if approve else "No."
    )


def _reopen_emails():
    return OutgoingMessage.objects.filter(template__in=[REOPENED, FOCAL_POINT_NEW])


def _meeting_dates(meeting_id, *, ends_days_ago: int):
    """Move the meeting (and its registration window) so that it ends that many days before today."""
    ends_on = timezone.localdate() - datetime.timedelta(days=ends_days_ago)
    Meeting.objects.filter(pk=meeting_id).update(
        registration_opens_on=ends_on - datetime.timedelta(days=40),
        registration_closes_on=ends_on - datetime.timedelta(days=11),
        starts_on=ends_on - datetime.timedelta(days=4),
        ends_on=ends_on,
    )


@pytest.fixture
def officer():
    return secretariat_officer()


@pytest.fixture
def validated(registration, focal_point):
    return _decided(registration, focal_point)


# --- The service ---------------------------------------------------------------------------------


@pytest.mark.parametrize("approve", [True, False], ids=["validated", "rejected"])
def test_reopen_makes_it_pending_keeps_the_reason_in_history_and_tells_registrant_and_focal_points(
    registration, focal_point, officer, approve
):
    colleague = FocalPointFactory(administration=focal_point.administration)
    FocalPointFactory(administration=focal_point.administration, is_active=False)
    FocalPointFactory()  # another Administration's
    registrant_email = registration.participant.user.email
    # The registrant chose Arabic for their account (smepilot.languages).
    AccountPreferencesFactory(user=registration.participant.user, language="ar")
    _decided(registration, focal_point, approve=approve)

    reopened = decisions.registration_reopen(registration=registration, reopened_by=officer, reason=f"  {REASON}  ")

    assert reopened.pk == registration.pk
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert registration.decided_by is None
    assert registration.decided_at is None
    assert registration.decided_on_behalf is False
    assert registration.reason == ""
    latest, before = registration.history.all()[:2]
    assert latest.status == RegistrationStatus.PENDING
    assert latest.history_change_reason == REASON
    assert latest.history_user == officer
    assert before.status == (RegistrationStatus.VALIDATED if approve else RegistrationStatus.REJECTED)

    [told] = OutgoingMessage.objects.filter(template=REOPENED)
    assert told.to == registrant_email
    assert told.language == "ar"
    assert re.search(r'<html lang="ar" dir="rtl">', told.body_html)
    assert registration.meeting.title in told.subject
    assert REASON in told.body_text and escape(REASON) in told.body_html
    for body in (told.body_text, told.body_html):
        assert registration.meeting.title in body
    # Says whether it had been validated, in the registrant's language (Arabic is translated).
    with translation.override("ar"):
        said = gettext(REOPENED_VALIDATED if approve else REOPENED_NOT_VALIDATED) % {
            "meeting": registration.meeting.title,
            "sme": registration.sme.name,
            "country": registration.sme.administration,
        }
    assert said in " ".join(told.body_text.split())

    focal_point_emails = list(OutgoingMessage.objects.filter(template=FOCAL_POINT_NEW).order_by("pk"))
    assert [message.to for message in focal_point_emails] == [focal_point.email, colleague.email]
    for message, designated in zip(focal_point_emails, (focal_point, colleague), strict=True):
        assert "Reopened" in message.subject
        assert "reopened" in message.body_text and "reopened" in message.body_html
        assert REASON in message.body_text and escape(REASON) in message.body_html
        # A fresh link, for this registration and this focal point.
        token = urlsplit(re.search(r"https?://\S+/validation/\S+", message.body_text).group(0)).path.split("/")[-2]
        link = links.link_token_read(token)
        assert link.registration_ids == (registration.pk,)
        assert link.focal_point_id == designated.pk


def test_a_superuser_may_reopen(validated):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    decisions.registration_reopen(registration=validated, reopened_by=superuser, reason=REASON)

    validated.refresh_from_db()
    assert validated.status == RegistrationStatus.PENDING


def test_a_registration_whose_meeting_ends_today_may_still_be_reopened(validated, officer):
    _meeting_dates(validated.meeting_id, ends_days_ago=0)

    decisions.registration_reopen(registration=validated, reopened_by=officer, reason=REASON)

    validated.refresh_from_db()
    assert validated.status == RegistrationStatus.PENDING


@pytest.mark.parametrize(
    "who", ["the focal point", "the SME representative", "staff who may only view", "an inactive superuser"]
)
def test_only_secretariat_staff_who_may_change_registrations_reopen(validated, focal_point, who):
    user = {
        "the focal point": lambda: focal_point.user,
        "the SME representative": lambda: validated.participant.user,
        "staff who may only view": lambda: staff_with_permissions("view_registration"),
        "an inactive superuser": lambda: UserFactory(is_staff=True, is_superuser=True, is_active=False),
    }[who]()

    with pytest.raises(ValidationError) as error:
        decisions.registration_reopen(registration=validated, reopened_by=user, reason=REASON)

    assert error.value.code == "not_allowed"
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


def _assert_unchanged(registration, status):
    registration.refresh_from_db()
    assert registration.status == status
    assert not _reopen_emails().exists()


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.CANCELLED])
def test_only_a_decided_registration_is_reopened(registration, officer, status):
    Registration.objects.filter(pk=registration.pk).update(status=status, cancelled_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        decisions.registration_reopen(registration=registration, reopened_by=officer, reason=REASON)

    assert error.value.code == "not_decided"
    _assert_unchanged(registration, status)


def test_a_registration_of_a_meeting_that_has_ended_is_not_reopened(validated, officer):
    _meeting_dates(validated.meeting_id, ends_days_ago=1)

    with pytest.raises(ValidationError) as error:
        decisions.registration_reopen(registration=validated, reopened_by=officer, reason=REASON)

    assert error.value.code == "meeting_over"
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


@pytest.mark.parametrize(
    ("reason", "code"), [("", "reason_required"), ("   ", "reason_required"), ("x" * 101, "reason_too_long")]
)
def test_a_reason_is_required_and_fits_the_history(validated, officer, reason, code):
    with pytest.raises(ValidationError) as error:
        decisions.registration_reopen(registration=validated, reopened_by=officer, reason=reason)

    assert error.value.code == code
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


def test_a_rejected_registration_is_not_reopened_when_the_person_registered_again(registration, focal_point, officer):
    _decided(registration, focal_point, approve=False)
    again = RegistrationFactory(participant=registration.participant, meeting=registration.meeting)

    with pytest.raises(ValidationError) as error:
        decisions.registration_reopen(registration=registration, reopened_by=officer, reason=REASON)

    assert error.value.code == "already_registered"
    _assert_unchanged(registration, RegistrationStatus.REJECTED)
    again.refresh_from_db()
    assert again.status == RegistrationStatus.PENDING


def test_nothing_is_sent_when_the_transaction_rolls_back(validated, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        decisions.registration_reopen(registration=validated, reopened_by=officer, reason=REASON)
        assert _reopen_emails().count() == 2  # stored with the change...
        raise RuntimeError("the caller fails after the reopening")

    assert callbacks == []  # ...and never handed to the sending task
    assert mail.outbox == []
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


def test_an_emailed_link_decides_the_reopened_registration_once(client, registration, focal_point, officer):
    """Links carry no decision round: one sent before the reopening opens the request again, and decides it once."""
    notifications.registrations_notify_focal_points(registrations=[registration])
    old_link = re.search(r"https?://\S+/validation/\S+", OutgoingMessage.objects.get().body_text).group(0)
    _decided(registration, focal_point)
    decisions.registration_reopen(registration=registration, reopened_by=officer, reason=REASON)
    sign_in_with_second_factor(client, focal_point.user)
    path = urlsplit(old_link).path

    response = client.post(path, {"registration": registration.pk, "decision": "reject", "reason": "Not an SME."})

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    assert client.post(path, {"registration": registration.pk, "decision": "approve"}).status_code == 409


# --- The admin action ----------------------------------------------------------------------------


def _action(client, objects, **extra):
    return admin_action(client, "reopen_for_new_decision", objects, changelist=CHANGELIST, **extra)


def test_the_action_asks_for_the_reason_first_and_changes_nothing(officer_client, validated):
    still_pending = RegistrationFactory()
    response = _action(officer_client, [validated, still_pending])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/registration/registration/reopen.html"
    html = response.content.decode()
    assert 'name="reason"' in html
    assert validated.participant.full_name in html
    assert "Yes, reopen for a new decision" in html
    # Only the pending one is marked: it has no decision to reopen.
    assert html.count("will be refused") == 1
    assert html.index(still_pending.participant.full_name) < html.index("will be refused")
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


def test_the_action_reopens_through_the_admin_and_lists_what_it_refused(officer_client, validated):
    pending = RegistrationFactory()

    response = _action(officer_client, [validated, pending], post="yes", reason=REASON)

    assert response.status_code == 302
    messages = admin_messages(response)
    assert (
        "1 registration reopened for a new decision; its registrant and the focal points are told by email."
        in messages
    )
    assert any(message.startswith(str(pending)) and "only a validated or rejected" in message for message in messages)
    validated.refresh_from_db()
    assert validated.status == RegistrationStatus.PENDING
    assert validated.decided_by is None
    latest = validated.history.first()
    assert latest.history_change_reason == REASON
    assert latest.history_user.email == "officer@itu.example"
    assert OutgoingMessage.objects.filter(template=REOPENED, to=validated.participant.user.email).count() == 1
    assert OutgoingMessage.objects.filter(template=FOCAL_POINT_NEW).count() == 1
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.PENDING


@pytest.mark.parametrize("reason", ["", "   ", "x" * 101])
def test_the_action_without_a_fitting_reason_shows_an_error_and_reopens_nothing(officer_client, validated, reason):
    response = _action(officer_client, [validated], post="yes", reason=reason)

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)


def test_the_action_is_offered_to_staff_who_may_change_registrations_only(client, officer_client, validated):
    response = officer_client.get(reverse(CHANGELIST))
    assert "reopen_for_new_decision" in [
        value for value, _label in response.context["action_form"].fields["action"].choices
    ]

    sign_in_with_second_factor(client, staff_with_permissions("view_registration"))
    response = client.get(reverse(CHANGELIST))
    assert "reopen_for_new_decision" not in [
        value for value, _label in response.context["action_form"].fields["action"].choices
    ]
    _action(client, [validated], post="yes", reason=REASON)
    _assert_unchanged(validated, RegistrationStatus.VALIDATED)
