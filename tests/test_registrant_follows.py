"""The registrant follows a pending request on "My registrations", and is emailed at every change of status."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from focalpoints import decisions, escalation, notifications
from focalpoints.models import DeputyshipStatus
from registration.models import Registration, RegistrationStatus
from registration.retention import account_close
from registration.services import registration_cancel
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action, admin_messages, staff_with_permissions
from tests.factories import (
    AccountPreferencesFactory,
    DeputyshipFactory,
    FocalPointFactory,
    MeetingFactory,
    RegistrationFactory,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

CANCELLED_EMAIL = "emails/registration_cancelled"
CHANGELIST = "admin:registration_registration_changelist"


def _page(client, registration):
    client.force_login(registration.participant.user)
    response = client.get(reverse("registration:list"))
    assert response.status_code == 200
    return response.content.decode()


# --- "My registrations" ------------------------------------------------------------------------------


def test_a_pending_request_says_who_decides_by_name_never_by_address(client, focal_point):
    colleague = FocalPointFactory(administration=focal_point.administration, name="Bruno Keller")
    retired = FocalPointFactory(administration=focal_point.administration, name="Retired Person", is_active=False)
    elsewhere = FocalPointFactory(name="Other Country Person")
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)

    html = _page(client, registration)

    assert "Amina Diallo" in html
    assert "Bruno Keller" in html
    for hidden in (focal_point.email, colleague.email, retired.name, elsewhere.name):
        assert hidden not in html


def test_a_running_deputy_is_named_among_those_who_decide(client, focal_point):
    """Who decides is the one rule of the focal points' pages: a deputy while the deputyship runs."""
    DeputyshipFactory(focal_point=focal_point, name="Dora Deputy")
    DeputyshipFactory(focal_point=focal_point, name="Paula Proposed", status=DeputyshipStatus.PROPOSED)
    DeputyshipFactory(
        focal_point=focal_point,
        name="Finn Finished",
        starts_on=timezone.localdate() - datetime.timedelta(days=9),
        ends_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)

    html = _page(client, registration)

    assert "Dora Deputy" in html
    assert "Paula Proposed" not in html
    assert "Finn Finished" not in html


def test_a_pending_request_shows_its_date_and_how_it_is_followed(client, focal_point, settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)

    html = _page(client, registration)
    assert "Approve by" in html
    assert "Not reminded yet" in html
    assert "Not involved yet" in html

    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - datetime.timedelta(days=5))
    notifications.focal_point_reminders_queue()
    Registration.objects.filter(pk=registration.pk).update(escalated_at=timezone.now())

    html = _page(client, registration)
    assert "Not reminded yet" not in html
    assert "Taken up on" in html


def test_an_administration_without_focal_points_says_the_secretariat_follows_it(client):
    registration = RegistrationFactory()
    assert "Nobody is designated by your Administration at present" in _page(client, registration)


def test_a_decided_request_shows_no_follow_up(client, focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    html = _page(client, registration)
    assert "Who decides" not in html
    assert "Not reminded yet" not in html


# --- An email at every change of status --------------------------------------------------------------


def _registrant_emails(registration):
    return OutgoingMessage.objects.filter(to=registration.participant.user.email).exclude(
        template="emails/registration_acknowledgement"
    )


@pytest.fixture
def french_registration(focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    AccountPreferencesFactory(user=registration.participant.user, language="fr")
    return Registration.objects.select_related("participant__user__preferences").get(pk=registration.pk)


def _validated(registration, focal_point):
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)


def _rejected(registration, focal_point):
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=False, reason="No.")


def _on_behalf(registration, focal_point):
    officer = staff_with_permissions("change_registration")
    decisions.registration_decide(registration=registration, decided_by=officer, approve=True, on_behalf=True)


def _reopened(registration, focal_point):
    _validated(registration, focal_point)
    OutgoingMessage.objects.all().delete()
    decisions.registration_reopen(
        registration=registration, reopened_by=staff_with_permissions("change_registration"), reason="Asked."
    )


def _cancelled_by_secretariat(registration, focal_point):
    registration_cancel(registration=registration, cancelled_by=staff_with_permissions(), reason="Asked by email.")


@pytest.mark.parametrize(
    ("change", "template"),
    [
        (_validated, "emails/registration_decided"),
        (_rejected, "emails/registration_decided"),
        (_on_behalf, "emails/registration_decided"),
        (_reopened, "emails/registration_reopened"),
        (_cancelled_by_secretariat, CANCELLED_EMAIL),
    ],
)
def test_each_change_of_status_emails_the_registrant_once_in_their_language(
    french_registration, focal_point, change, template
):
    change(french_registration, focal_point)

    [message] = _registrant_emails(french_registration)
    assert message.template == template
    assert message.language == "fr"


def test_the_secretariats_cancellation_gives_the_reason_and_is_in_the_history(french_registration):
    registration_cancel(
        registration=french_registration, cancelled_by=staff_with_permissions(), reason="Asked by email."
    )
    message = OutgoingMessage.objects.get(template=CANCELLED_EMAIL)
    assert "Asked by email." in message.body_text
    assert "Asked by email." in message.body_html
    latest = french_registration.history.order_by("-history_id").first()
    assert latest.status == RegistrationStatus.CANCELLED
    assert latest.history_change_reason == "Asked by email."


def test_the_registrants_own_cancellation_sends_them_nothing(french_registration):
    registration_cancel(registration=french_registration, cancelled_by=french_registration.participant.user)
    assert not _registrant_emails(french_registration).exists()


def test_closing_the_account_sends_its_own_email_not_one_per_registration(french_registration):
    account_close(user=french_registration.participant.user, closed_by=staff_with_permissions())
    assert not OutgoingMessage.objects.filter(template=CANCELLED_EMAIL).exists()
    assert OutgoingMessage.objects.filter(template="emails/account_closed").exists()


# --- The admin's cancellation ------------------------------------------------------------------------


@pytest.fixture
def officer(client):
    user = staff_with_permissions("view_registration", "change_registration")
    sign_in_with_second_factor(client, user)
    return user


def test_the_admin_cancels_on_the_registrants_behalf_with_a_reason(client, officer, french_registration):
    response = admin_action(
        client, "cancel_on_behalf", [french_registration], changelist=CHANGELIST, post="yes", reason="By email."
    )

    assert response.status_code == 302
    assert "1 registration cancelled; its registrant is told by email." in admin_messages(response)
    french_registration.refresh_from_db()
    assert french_registration.status == RegistrationStatus.CANCELLED
    assert OutgoingMessage.objects.filter(template=CANCELLED_EMAIL, language="fr").count() == 1


def test_the_admin_asks_for_a_reason_and_cancels_nothing_without_one(client, officer, french_registration):
    asked = admin_action(client, "cancel_on_behalf", [french_registration], changelist=CHANGELIST)
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()

    response = admin_action(
        client, "cancel_on_behalf", [french_registration], changelist=CHANGELIST, post="yes", reason="  "
    )

    assert response.status_code == 200
    assert "Give the reason for cancelling; the registrant reads it." in response.content.decode()
    french_registration.refresh_from_db()
    assert french_registration.status == RegistrationStatus.PENDING
    assert not OutgoingMessage.objects.filter(template=CANCELLED_EMAIL).exists()


def test_the_admin_cannot_cancel_once_the_meeting_has_started(client, officer):
    today = timezone.localdate()
    meeting = MeetingFactory(
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        registration_opens_on=today - datetime.timedelta(days=30),
        registration_closes_on=today,
    )
    registration = RegistrationFactory(meeting=meeting)

    response = admin_action(
        client, "cancel_on_behalf", [registration], changelist=CHANGELIST, post="yes", reason="Too late."
    )

    assert response.status_code == 302
    assert any("The meeting has started" in message for message in admin_messages(response))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert not OutgoingMessage.objects.filter(template=CANCELLED_EMAIL).exists()


def test_a_focal_point_cannot_cancel_someone_elses_registration(focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    with pytest.raises(ValidationError, match="only your own registrations"):
        registration_cancel(registration=registration, cancelled_by=focal_point.user, reason="Mine now.")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_an_escalated_request_decided_on_behalf_leaves_the_queue(focal_point):
    meeting_start = timezone.localdate() + datetime.timedelta(days=23)
    meeting = MeetingFactory(starts_on=meeting_start, ends_on=meeting_start + datetime.timedelta(days=2))
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration, meeting=meeting)
    assert escalation.decision_escalations_queue() == 1
    assert escalation.registrations_due_for_secretariat().count() == 1
    _on_behalf(registration, focal_point)
    assert escalation.registrations_due_for_secretariat().count() == 0


def test_the_secretariat_resending_the_focal_point_emails_counts_as_a_reminder(client, focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    notifications.focal_point_notification_resend(registration=registration)
    registration.refresh_from_db()
    assert registration.focal_points_reminded_at is not None
    assert "Not reminded yet" not in _page(client, registration)


def test_staff_who_may_only_view_registrations_cannot_cancel_them(client, french_registration):
    sign_in_with_second_factor(client, staff_with_permissions("view_registration"))
    admin_action(client, "cancel_on_behalf", [french_registration], changelist=CHANGELIST, post="yes", reason="No.")
    french_registration.refresh_from_db()
    assert french_registration.status == RegistrationStatus.PENDING
    assert not OutgoingMessage.objects.filter(template=CANCELLED_EMAIL).exists()


def test_registering_stores_the_date_and_the_acknowledgement_says_it(participant, pilot, sg1):
    from registration.services import registration_create

    meeting = MeetingFactory(study_group=sg1)
    [registration] = registration_create(participant=participant, choices=[(meeting, "in_person")])

    assert registration.decide_by == meeting.starts_on - datetime.timedelta(days=21)
    message = OutgoingMessage.objects.get(template="emails/registration_acknowledgement")
    assert "to be decided by" in message.body_text
    assert "to be decided by" in message.body_html


def test_a_cancellation_reason_longer_than_the_history_keeps_is_refused(french_registration):
    limit = Registration.history.model._meta.get_field("history_change_reason").max_length
    with pytest.raises(ValidationError) as refused:
        registration_cancel(
            registration=french_registration, cancelled_by=staff_with_permissions(), reason="x" * (limit + 1)
        )
    assert refused.value.code == "reason_too_long"
    french_registration.refresh_from_db()
    assert french_registration.status == RegistrationStatus.PENDING
