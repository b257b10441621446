"""End to end, with a real Celery worker, the real Redis broker and an SMTP server (tests/smtp_sink.py):
registration → the focal point's email arrives with a working link → approval through it → the
registrant's email arrives with the meeting's .ics."""

from urllib.parse import urlsplit

from registration.models import AttendanceMode, Eligibility, RegistrationStatus
from registration.services import registration_create
from tests.factories import FocalPointFactory, MeetingFactory, ParticipantProfileFactory, PilotFactory, SMEFactory
from tests.second_factor import sign_in_with_second_factor


def _message_to(sink, address):
    return next((message for message in sink.messages if message["To"] == address), None)


def test_registration_to_validation_to_calendar_file(smtp_sink, celery_worker_real, client):
    focal_point = FocalPointFactory(name="Amina Diallo")
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING, name="Sahel Networks")
    participant = ParticipantProfileFactory(sme=sme, given_name="Kofi", family_name="Mensah")
    meeting = MeetingFactory(title="ITU-D Study Group 1", place="Geneva, Switzerland")
    PilotFactory(study_groups=[meeting.study_group])

    [registration] = registration_create(participant=participant, choices=[(meeting, AttendanceMode.REMOTE)])

    # The acknowledgement to the registrant and the focal point's request.
    smtp_sink.wait_for(2)
    request_email = _message_to(smtp_sink, focal_point.email)
    assert request_email is not None
    text = request_email.get_body(preferencelist=("plain",)).get_content()
    assert "Kofi Mensah" in text and "Sahel Networks" in text and "PENDING" in text
    link = next(word for word in text.split() if "/validation/" in word)
    path = urlsplit(link).path

    sign_in_with_second_factor(client, focal_point.user)
    page = client.get(path)
    assert page.status_code == 200
    assert "Kofi Mensah" in page.content.decode()
    response = client.post(path, {"registration": registration.pk, "decision": "approve"})
    assert response.status_code == 302

    smtp_sink.wait_for(3)
    celery_worker_real.wait_idle()
    outcome = [m for m in smtp_sink.messages if m["To"] == participant.user.email and "validated" in m["Subject"]]
    assert len(outcome) == 1
    body = outcome[0].get_body(preferencelist=("plain",)).get_content()
    assert "How remote participation works" in body
    [calendar] = [part for part in outcome[0].iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar.get_filename().endswith(".ics")
    ics = calendar.get_content()
    assert "SUMMARY:ITU-D Study Group 1" in ics
    assert f"DTSTART;VALUE=DATE:{meeting.starts_on:%Y%m%d}" in ics
    registration.refresh_from_db()
    sme.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert sme.eligibility == Eligibility.CONFIRMED
    # Opening the link again shows the decision as theirs, and nothing more is sent.
    again = client.get(path)
    assert "You approved this registration at" in again.content.decode()
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 3
