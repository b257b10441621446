"""A focal point's address the mail server refuses for good (a 5xx answer): marked in the admin, the
Administration's other deciders and the secretariat told, the pending requests still reaching someone
who decides. With a real Celery worker and the SMTP sink refusing that address."""

import smtplib

import pytest
from django.urls import reverse

from focalpoints.accounts import focal_point_save
from focalpoints.bounces import focal_point_address_refused
from focalpoints.models import FocalPoint
from registration.models import AttendanceMode
from registration.services import registration_create
from smepilot.outbox.models import MessageStatus, OutgoingMessage
from smepilot.outbox.services import smtp_error_is_refusal
from tests.factories import (
    DeputyshipFactory,
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
)
from tests.smtp_sink import wait_until


def _to(sink, address):
    return [message for message in sink.messages if message["To"] == address]


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_refused_focal_point_address_is_marked_and_the_others_and_the_secretariat_told(
    smtp_sink, celery_worker_real, settings
):
    settings.SECRETARIAT_EMAIL = "sme-pilot@itu.example"
    bouncing = FocalPointFactory(name="Amina Diallo", email="amina@gone.example")
    colleague = FocalPointFactory(administration=bouncing.administration, name="Joseph Kariuki")
    deputy = DeputyshipFactory(focal_point=colleague, name="Grace Otieno")
    participant = ParticipantProfileFactory(
        sme__administration=bouncing.administration, given_name="Kofi", family_name="Mensah"
    )
    meeting = MeetingFactory()
    PilotFactory(study_groups=[meeting.study_group])
    smtp_sink.refuse(bouncing.email, "550 5.1.1 <amina@gone.example>: mailbox unavailable")

    registration_create(participant=participant, choices=[(meeting, AttendanceMode.IN_PERSON)])

    celery_worker_real.wait_idle()
    wait_until(
        lambda: FocalPoint.objects.get(pk=bouncing.pk).email_bounced_at is not None, message="the bounce recorded"
    )
    celery_worker_real.wait_idle()
    bouncing.refresh_from_db()
    assert "550" in bouncing.email_bounce_error
    assert bouncing.history.first().history_change_reason == "The mail server refused this address for good."
    failed = OutgoingMessage.objects.get(to=bouncing.email, template="emails/focalpoint_registration_new")
    assert failed.status == MessageStatus.FAILED

    # The others who decide were told, with the pending request; so was the secretariat.
    for address in (colleague.email, deputy.email):
        [notice] = [m for m in _to(smtp_sink, address) if "are refused" in m["Subject"]]
        assert "Amina Diallo" in _text(notice) and "Kofi Mensah" in _text(notice)
        assert reverse("focalpoints:pending") in _text(notice)
    [secretariat] = _to(smtp_sink, "sme-pilot@itu.example")
    assert "Kofi Mensah" in _text(secretariat)
    assert "other focal points and deputies were told" in _text(secretariat)
    # Their validation requests reached them as well.
    assert any("/validation/" in _text(message) for message in _to(smtp_sink, deputy.email))
    assert not _to(smtp_sink, bouncing.email)


@pytest.mark.django_db
def test_when_nobody_else_decides_the_secretariat_is_asked_to_decide_on_behalf(settings):
    settings.SECRETARIAT_EMAIL = "sme-pilot@itu.example"
    only = FocalPointFactory(email="only@gone.example")
    RegistrationFactory(participant__sme__administration=only.administration)

    assert focal_point_address_refused(address="ONLY@gone.example", error="550 5.1.1 No such user") == 1

    notice = OutgoingMessage.objects.get(template="emails/focalpoint_address_refused")
    assert notice.to == "sme-pilot@itu.example"
    assert "Nobody else decides for this Administration now" in notice.body_text
    assert f"sme__administration__id__exact={only.administration_id}" in notice.body_text
    # A second bounce of the same address tells nobody again.
    assert focal_point_address_refused(address=only.email, error="550") == 0
    assert OutgoingMessage.objects.filter(template="emails/focalpoint_address_refused").count() == 1


@pytest.mark.django_db
def test_a_bounced_address_gets_no_more_requests_until_the_secretariat_records_another():
    from focalpoints.notifications import registrations_notify_focal_points

    bouncing = FocalPointFactory(email="old@gone.example")
    colleague = FocalPointFactory(administration=bouncing.administration)
    focal_point_address_refused(address=bouncing.email, error="550")
    registration = RegistrationFactory(participant__sme__administration=bouncing.administration)

    registrations_notify_focal_points(registrations=[registration])
    requests = OutgoingMessage.objects.filter(template="emails/focalpoint_registration_new")
    assert list(requests.values_list("to", flat=True)) == [colleague.email]

    bouncing.email = "new@works.example"
    focal_point_save(focal_point=bouncing, email_changed=True)
    bouncing.refresh_from_db()
    assert bouncing.email_bounced_at is None and bouncing.email_bounce_error == ""


@pytest.mark.django_db
def test_an_address_of_nobody_marks_nothing():
    focal_point = FocalPointFactory()
    assert focal_point_address_refused(address="stranger@elsewhere.example", error="550") == 0
    focal_point.refresh_from_db()
    assert focal_point.email_bounced_at is None
    assert not OutgoingMessage.objects.exists()


@pytest.mark.django_db
def test_the_admin_marks_the_bounced_address(officer_client):
    bouncing = FocalPointFactory(email="bounced@gone.example")
    FocalPointFactory()
    focal_point_address_refused(address=bouncing.email, error="550 5.1.1 No such user")

    changelist = reverse("admin:focalpoints_focalpoint_changelist")
    page = officer_client.get(changelist, {"address_refused": "yes"})
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [bouncing]
    change = officer_client.get(reverse("admin:focalpoints_focalpoint_change", args=[bouncing.pk]))
    assert "550 5.1.1 No such user" in change.content.decode()


def test_only_a_5xx_answer_counts_as_a_refused_address():
    assert smtp_error_is_refusal(smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"No such user")}))
    assert smtp_error_is_refusal(smtplib.SMTPDataError(554, b"Rejected"))
    assert not smtp_error_is_refusal(smtplib.SMTPRecipientsRefused({"a@b.example": (450, b"Mailbox busy")}))
    assert not smtp_error_is_refusal(smtplib.SMTPServerDisconnected("gone"))
    assert not smtp_error_is_refusal(ValueError("a fault in building the message"))


@pytest.mark.django_db
def test_a_new_request_for_an_administration_whose_only_address_bounces_reaches_the_secretariat(settings):
    from focalpoints.notifications import registrations_notify_focal_points

    settings.SECRETARIAT_EMAIL = "sme-pilot@itu.example"
    only = FocalPointFactory(email="only@gone.example")
    focal_point_address_refused(address=only.email, error="550")
    registration = RegistrationFactory(
        participant__sme__administration=only.administration, participant__family_name="Mensah"
    )

    assert registrations_notify_focal_points(registrations=[registration]) == 0

    notices = OutgoingMessage.objects.filter(template="emails/focalpoint_address_refused").order_by("pk")
    assert [notice.to for notice in notices] == ["sme-pilot@itu.example", "sme-pilot@itu.example"]
    assert "Mensah" in notices.last().body_text
    assert "Nobody else decides for this Administration now" in notices.last().body_text
    assert not OutgoingMessage.objects.filter(to=only.email).exists()
