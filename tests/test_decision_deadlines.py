"""The approve-by date of each request, and what happens when it nears: the focal points read it, the
secretariat takes the request up, once, and may decide it on behalf of the Administration."""

import datetime
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from focalpoints import decisions, escalation, notifications
from focalpoints.tasks import decision_escalation_send
from meetings.services import meeting_save
from registration.deadlines import MEETING_CHANGED_REASON, decision_deadline
from registration.models import AttendanceMode, Registration, RegistrationStatus
from smepilot.celery import app
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action, admin_messages, staff_with_permissions
from tests.factories import FocalPointFactory, MeetingFactory, RegistrationFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

QUEUE = "admin:registration_registrationduefordecision_changelist"
DUE_EMAIL = "emails/secretariat_decisions_due"


def _today():
    return timezone.localdate()


def _days(n):
    return datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _deadline_settings(settings):
    settings.DECISION_VISA_LEAD_DAYS = 21
    settings.DECISION_ESCALATION_DAYS = 3


def _meeting(*, starts_in, opens_ago=10, closes_before_start=7):
    start = _today() + _days(starts_in)
    return MeetingFactory(
        starts_on=start,
        ends_on=start + _days(4),
        registration_opens_on=_today() - _days(opens_ago),
        registration_closes_on=start - _days(closes_before_start),
    )


# --- The rule ----------------------------------------------------------------------------------------


def test_in_person_is_approved_a_visa_lead_time_before_the_meeting():
    meeting = _meeting(starts_in=60)
    assert decision_deadline(meeting=meeting, attendance=AttendanceMode.IN_PERSON) == meeting.starts_on - _days(21)


def test_remote_is_approved_by_the_window_close_or_the_day_before_the_meeting():
    meeting = _meeting(starts_in=60, closes_before_start=7)
    assert decision_deadline(meeting=meeting, attendance=AttendanceMode.REMOTE) == meeting.registration_closes_on
    late_window = _meeting(starts_in=60, closes_before_start=-2)  # closes during the meeting
    assert decision_deadline(meeting=late_window, attendance=AttendanceMode.REMOTE) == late_window.starts_on - _days(1)


def test_never_later_than_the_window_close(settings):
    meeting = _meeting(starts_in=60, closes_before_start=30)
    assert decision_deadline(meeting=meeting, attendance=AttendanceMode.IN_PERSON) == meeting.registration_closes_on
    settings.DECISION_VISA_LEAD_DAYS = 45
    assert decision_deadline(meeting=meeting, attendance=AttendanceMode.IN_PERSON) == meeting.starts_on - _days(45)


def test_never_before_the_window_opens():
    meeting = _meeting(starts_in=15, opens_ago=1)  # opened yesterday, 21 days before is in the past
    assert decision_deadline(meeting=meeting, attendance=AttendanceMode.IN_PERSON) == meeting.registration_opens_on


def test_every_new_registration_stores_its_date():
    registration = RegistrationFactory(attendance_mode=AttendanceMode.IN_PERSON)
    assert registration.decide_by == registration.meeting.starts_on - _days(21)
    stored = Registration.objects.get(pk=registration.pk)
    assert stored.decide_by == registration.decide_by


def test_a_change_of_the_meetings_dates_moves_the_date_with_the_reason_in_the_history():
    registration = RegistrationFactory(attendance_mode=AttendanceMode.IN_PERSON)
    meeting = registration.meeting
    versions = registration.history.count()

    meeting.starts_on += _days(10)
    meeting.ends_on += _days(10)
    meeting_save(meeting=meeting)

    registration.refresh_from_db()
    assert registration.decide_by == meeting.starts_on - _days(21)
    latest = registration.history.order_by("-history_id").first()
    assert registration.history.count() == versions + 1
    assert latest.history_change_reason == MEETING_CHANGED_REASON


def test_a_change_of_the_meetings_place_writes_no_new_date():
    registration = RegistrationFactory()
    versions = registration.history.count()
    meeting = registration.meeting
    meeting.place = "Kigali, Rwanda"
    meeting_save(meeting=meeting)
    assert registration.history.count() == versions


# --- What the focal points read ----------------------------------------------------------------------


def test_the_focal_points_email_says_by_when_to_decide(focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    notifications.registrations_notify_focal_points(registrations=[registration])
    message = OutgoingMessage.objects.get(template="emails/focalpoint_registration_new", to=focal_point.email)
    assert "please decide by" in message.body_text
    assert "please decide by" in message.body_html


def test_the_digest_lists_the_nearest_approve_by_date_first_and_records_the_reminder(focal_point, settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3
    administration = focal_point.administration
    later = RegistrationFactory(
        participant__sme__administration=administration,
        meeting=_meeting(starts_in=80),
        participant__given_name="Later",
    )
    sooner = RegistrationFactory(
        participant__sme__administration=administration,
        meeting=_meeting(starts_in=40),
        participant__given_name="Sooner",
    )
    Registration.objects.update(created_at=timezone.now() - _days(5))

    assert notifications.focal_point_reminders_queue() == 1

    body = OutgoingMessage.objects.get(template="emails/focalpoint_reminder").body_text
    assert body.index("Sooner") < body.index("Later")
    assert "approve by" in body
    for registration in (later, sooner):
        registration.refresh_from_db()
        assert registration.focal_points_reminded_at is not None


def test_the_pending_list_shows_the_date_nearest_first(client, focal_point):
    administration = focal_point.administration
    later = RegistrationFactory(participant__sme__administration=administration, meeting=_meeting(starts_in=80))
    sooner = RegistrationFactory(participant__sme__administration=administration, meeting=_meeting(starts_in=40))
    sign_in_with_second_factor(client, focal_point.user)

    response = client.get(reverse("focalpoints:pending"))

    assert response.status_code == 200
    assert [r.pk for r in response.context["pending"]] == [sooner.pk, later.pk]
    assert "Approve by" in response.content.decode()


def test_the_request_page_shows_the_date_and_the_secretariats_involvement(client, focal_point):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    Registration.objects.filter(pk=registration.pk).update(escalated_at=timezone.now())
    sign_in_with_second_factor(client, focal_point.user)

    html = client.get(reverse("focalpoints:registration", args=[registration.pk])).content.decode()

    assert "Approve by" in html
    assert "the secretariat has taken it up" in html


# --- Escalation to the secretariat -------------------------------------------------------------------


def _near(**extra):
    """A pending in-person request whose approve-by date is two days away."""
    return RegistrationFactory(meeting=_meeting(starts_in=23), attendance_mode=AttendanceMode.IN_PERSON, **extra)


def test_a_request_near_its_date_is_taken_up_once_with_one_email_and_a_history_record(settings):
    settings.SECRETARIAT_EMAIL = "secretariat@itu.example"
    near = _near(participant__given_name="Near")
    far = RegistrationFactory(meeting=_meeting(starts_in=60))
    decided = _near()
    Registration.objects.filter(pk=decided.pk).update(
        status=RegistrationStatus.REJECTED, reason="No", decided_at=timezone.now()
    )

    assert escalation.decision_escalations_queue() == 1

    [message] = OutgoingMessage.objects.filter(template=DUE_EMAIL)
    assert message.to == "secretariat@itu.example"
    assert "Near" in message.body_text
    assert reverse(QUEUE) in message.body_text
    near.refresh_from_db()
    far.refresh_from_db()
    assert near.escalated_at is not None
    assert far.escalated_at is None
    assert near.history.order_by("-history_id").first().history_change_reason == escalation.ESCALATED_REASON

    # The beat firing again, or the next day: nothing new to tell.
    assert escalation.decision_escalations_queue() == 0
    assert escalation.decision_escalations_queue(now=timezone.now() + _days(1)) == 0
    assert OutgoingMessage.objects.filter(template=DUE_EMAIL).count() == 1


def test_a_meeting_that_has_ended_is_not_escalated():
    start = _today() - _days(10)
    meeting = MeetingFactory(
        starts_on=start,
        ends_on=start + _days(2),
        registration_opens_on=start - _days(30),
        registration_closes_on=start - _days(5),
    )
    RegistrationFactory(meeting=meeting)
    assert escalation.decision_escalations_queue() == 0


def test_a_reopened_request_can_be_taken_up_again(admin_user):
    registration = _near()
    escalation.decision_escalations_queue()
    decisions.registration_decide(registration=registration, decided_by=admin_user, approve=True, on_behalf=True)
    decisions.registration_reopen(registration=registration, reopened_by=admin_user, reason="Asked again.")
    registration.refresh_from_db()
    assert registration.escalated_at is None
    assert escalation.decision_escalations_queue() == 1


def test_escalation_is_scheduled_daily_by_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["decision-escalation"]
    assert entry["task"] == decision_escalation_send.name
    assert decision_escalation_send.name in app.tasks
    schedule = entry["schedule"]
    assert len(schedule.hour) == 1
    assert len(schedule.day_of_week) == 7


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_tell_the_secretariat_once():
    """A second run while the first still holds its rows skips them (skip_locked), and finds them taken up after."""
    _near()
    holding, release = threading.Event(), threading.Event()
    outcome = {}

    def first_worker():
        try:
            with transaction.atomic():
                outcome["first"] = escalation.decision_escalations_queue()
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert holding.wait(20)
    outcome["second"] = escalation.decision_escalations_queue()
    release.set()
    worker.join(20)

    assert outcome == {"first": 1, "second": 0}
    assert escalation.decision_escalations_queue() == 0
    assert OutgoingMessage.objects.filter(template=DUE_EMAIL).count() == 1


# --- The admin's queue -------------------------------------------------------------------------------


@pytest.fixture
def officer(client):
    user = staff_with_permissions("view_registrationduefordecision", "change_registrationduefordecision")
    sign_in_with_second_factor(client, user)
    return user


def test_the_queue_lists_only_what_the_secretariat_took_up_most_urgent_first(client, officer):
    later = RegistrationFactory(meeting=_meeting(starts_in=24))
    sooner = _near()
    waiting = RegistrationFactory(meeting=_meeting(starts_in=60))
    escalation.decision_escalations_queue()

    response = client.get(reverse(QUEUE))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("pk", flat=True)) == [sooner.pk, later.pk]
    assert waiting.participant.full_name not in response.content.decode()


def test_deciding_from_the_queue_is_on_behalf_of_the_administration_and_tells_the_registrant(client, officer):
    registration = _near()
    escalation.decision_escalations_queue()

    response = admin_action(
        client, "approve_on_behalf", [registration], changelist=QUEUE, post="yes", reason="Administration unreachable."
    )

    assert response.status_code == 302
    assert "1 registration approved on behalf of the Administration." in admin_messages(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_on_behalf is True
    assert OutgoingMessage.objects.filter(
        template="emails/registration_decided", to=registration.participant.user.email
    ).exists()
    assert client.get(reverse(QUEUE)).context["cl"].result_count == 0


def test_a_request_decided_meanwhile_is_refused_from_the_queue_with_the_reason(client, officer):
    focal_point = FocalPointFactory()
    registration = _near(participant__sme__administration=focal_point.administration)
    escalation.decision_escalations_queue()
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)

    response = admin_action(
        client, "reject_on_behalf", [registration], changelist=QUEUE, post="yes", reason="Too late."
    )

    # The queue no longer lists it: the action finds nothing selected, and nothing changes.
    assert response.status_code in (200, 302)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_on_behalf is False


def test_the_queue_refuses_a_decision_without_a_reason(client, officer):
    registration = _near()
    escalation.decision_escalations_queue()

    response = admin_action(client, "reject_on_behalf", [registration], changelist=QUEUE, post="yes", reason=" ")

    assert response.status_code == 200
    assert "Give the reason for deciding on behalf of the Administration." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_the_queue_offers_no_add_change_or_delete(client, officer):
    registration = _near()
    escalation.decision_escalations_queue()
    info = "admin:registration_registrationduefordecision"
    assert client.get(reverse(f"{info}_add")).status_code == 403
    assert client.post(reverse(f"{info}_delete", args=[registration.pk]), {"post": "yes"}).status_code == 403
    assert Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.PENDING).exists()


def test_staff_without_the_queues_permission_do_not_see_it(client):
    sign_in_with_second_factor(client, staff_with_permissions("view_registration"))
    assert client.get(reverse(QUEUE)).status_code == 403


def test_staff_who_may_only_view_the_queue_cannot_decide_from_it(client):
    registration = _near()
    escalation.decision_escalations_queue()
    sign_in_with_second_factor(client, staff_with_permissions("view_registrationduefordecision"))

    admin_action(client, "approve_on_behalf", [registration], changelist=QUEUE, post="yes", reason="Mine.")

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_a_focal_point_never_reaches_the_queue(client, focal_point):
    registration = _near(participant__sme__administration=focal_point.administration)
    escalation.decision_escalations_queue()
    sign_in_with_second_factor(client, focal_point.user)
    response = client.get(reverse(QUEUE))
    assert response.status_code in (302, 403)
    assert registration.participant.full_name not in response.content.decode()


def test_the_migration_fills_the_date_of_earlier_registrations_by_the_same_rule():
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = "0008_decision_deadline_and_escalation"
    migration = importlib.import_module(f"registration.migrations.{name}")
    # The models as that migration knows them (later migrations rename fields).
    apps = MigrationLoader(connection).project_state(("registration", name)).apps
    in_person = RegistrationFactory(attendance_mode=AttendanceMode.IN_PERSON)
    remote = RegistrationFactory(attendance_mode=AttendanceMode.REMOTE)
    Registration.objects.update(decide_by=None)

    migration.approve_by_dates_fill(apps, None)

    for registration in (in_person, remote):
        registration.refresh_from_db()
        assert registration.decide_by == decision_deadline(
            meeting=registration.meeting, attendance=registration.attendance_mode
        )
