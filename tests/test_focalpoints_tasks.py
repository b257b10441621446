import datetime

from django.conf import settings as django_settings
from django.utils import timezone

from focalpoints.tasks import focal_point_reminders_send
from registration.models import Registration
from smepilot.celery import app
from smepilot.outbox.models import OutgoingMessage
from tests.factories import FocalPointFactory, RegistrationFactory


def test_reminders_are_scheduled_daily_by_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["focalpoints-reminders"]
    assert entry["task"] == focal_point_reminders_send.name
    assert focal_point_reminders_send.name in app.tasks
    # A crontab firing once a day.
    schedule = entry["schedule"]
    assert len(schedule.hour) == 1
    assert schedule.minute == {0}
    assert len(schedule.day_of_week) == 7


def test_the_worker_sends_the_digest_through_the_outbox(smtp_sink, celery_worker_real):
    focal_point = FocalPointFactory()
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - datetime.timedelta(days=9))

    focal_point_reminders_send.delay()

    [digest] = smtp_sink.wait_for(1)
    celery_worker_real.wait_idle()
    assert digest["To"] == focal_point.email
    assert "Reminder" in digest["Subject"]
    assert registration.participant.full_name in digest.get_body(preferencelist=("plain",)).get_content()
    assert OutgoingMessage.objects.filter(template="emails/focalpoint_reminder").count() == 1


def test_the_worker_sends_the_secretariat_the_requests_due_through_the_outbox(smtp_sink, celery_worker_real, settings):
    from focalpoints.tasks import decision_escalation_send
    from tests.factories import MeetingFactory

    settings.DECISION_ESCALATION_DAYS = 3
    start = timezone.localdate() + datetime.timedelta(days=22)
    registration = RegistrationFactory(meeting=MeetingFactory(starts_on=start))

    decision_escalation_send.delay()

    [message] = smtp_sink.wait_for(1)
    celery_worker_real.wait_idle()
    assert message["To"] == settings.SECRETARIAT_EMAIL
    assert registration.participant.full_name in message.get_body(preferencelist=("plain",)).get_content()
    registration.refresh_from_db()
    assert registration.escalated_at is not None
