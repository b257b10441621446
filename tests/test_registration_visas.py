"""registration.visas: asking for a visa support letter, the secretariat's answer, erasing the passport."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from registration import visas
from registration.models import AttendanceMode, RegistrationStatus, VisaLetterRequest, VisaRequestStatus
from registration.retention import account_close, personal_data_purge
from registration.visa_letter import visa_letter_pdf
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AccountPreferencesFactory,
    MeetingFactory,
    RegistrationFactory,
    UserFactory,
    VisaLetterRequestFactory,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def passport(**changes):
    details = {
        "passport_name": " Amina   Wanjiku ",
        "nationality": "KE",
        "passport_number": "ak 123-4567",
        "date_of_birth": datetime.date(1985, 3, 14),
        "passport_issued_on": today() - datetime.timedelta(days=400),
        "passport_expires_on": today() + datetime.timedelta(days=3000),
    }
    return details | changes


def validated(**kwargs):
    return RegistrationFactory(status=RegistrationStatus.VALIDATED, decided_at=timezone.now(), **kwargs)


def request_for(registration, **changes):
    return visas.visa_letter_request(
        registration=registration, requested_by=registration.participant.user, **passport(**changes)
    )


def test_a_validated_in_person_registration_gets_a_request_with_tidied_passport_details():
    registration = validated()

    visa_request = request_for(registration)

    assert visa_request.status == VisaRequestStatus.REQUESTED
    assert visa_request.passport_name == "Amina Wanjiku"
    assert visa_request.passport_number == "AK1234567"
    assert visas.REFERENCE_PATTERN.match(visa_request.reference)
    assert visa_request.language == "en"


@pytest.mark.parametrize(
    ("registration_kwargs", "message"),
    [
        (
            {"status": RegistrationStatus.VALIDATED, "attendance_mode": AttendanceMode.REMOTE},
            "only for people attending",
        ),
        ({"status": RegistrationStatus.PENDING}, "once your Administration has validated"),
        ({"status": RegistrationStatus.REJECTED, "reason": "No"}, "once your Administration has validated"),
    ],
)
def test_refused_for_a_remote_or_not_validated_registration(registration_kwargs, message):
    registration = RegistrationFactory(decided_at=timezone.now(), **registration_kwargs)

    with pytest.raises(ValidationError) as refused:
        request_for(registration)

    assert message in str(refused.value)
    assert not VisaLetterRequest.objects.exists()


def test_refused_once_the_meeting_has_started():
    meeting = MeetingFactory(starts_on=today(), registration_opens_on=today() - datetime.timedelta(days=30))
    meeting.registration_closes_on = today() - datetime.timedelta(days=1)
    meeting.save()
    registration = validated(meeting=meeting)

    with pytest.raises(ValidationError, match="meeting has started"):
        request_for(registration)


def test_a_second_request_is_refused_while_one_is_open_and_after_a_letter():
    registration = validated()
    first = request_for(registration)

    with pytest.raises(ValidationError, match="already requested"):
        request_for(registration)
    visas.visa_letter_issue(visa_request=first, issued_by=UserFactory(is_staff=True))
    with pytest.raises(ValidationError, match="already issued"):
        request_for(registration)
    assert VisaLetterRequest.objects.count() == 1


def test_after_a_refusal_the_person_may_ask_again():
    registration = validated()
    visas.visa_letter_refuse(
        visa_request=request_for(registration), refused_by=UserFactory(is_staff=True), reason="Wrong passport"
    )

    assert request_for(registration).status == VisaRequestStatus.REQUESTED


@pytest.mark.both_engines
def test_the_database_holds_one_open_request_per_registration():
    open_request = VisaLetterRequestFactory()

    # PostgreSQL names the constraint, SQLite the column.
    refusal = "visa_request_one_open_or_issued_per_registration|registration_visaletterrequest.registration_id"
    with pytest.raises(IntegrityError, match=refusal), transaction.atomic():
        VisaLetterRequestFactory(registration=open_request.registration)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"passport_expires_on": today() + datetime.timedelta(days=61)}, "passport_expires_on"),  # before the end
        ({"passport_expires_on": today() - datetime.timedelta(days=1)}, "passport_expires_on"),
        ({"passport_issued_on": today() + datetime.timedelta(days=1)}, "passport_issued_on"),
        ({"date_of_birth": today() + datetime.timedelta(days=1)}, "date_of_birth"),
        ({"date_of_birth": datetime.date(1850, 1, 1)}, "date_of_birth"),
        ({"passport_issued_on": datetime.date(1980, 1, 1)}, "passport_issued_on"),  # before birth
        ({"passport_number": "12"}, "passport_number"),
        ({"passport_number": "AB12345<script>"}, "passport_number"),
        ({"passport_name": "   "}, "passport_name"),
        ({"nationality": ""}, "nationality"),
    ],
)
def test_passport_details_that_cannot_be_right_are_refused_beside_their_field(changes, field):
    registration = validated()  # the meeting ends 64 days from today

    with pytest.raises(ValidationError) as refused:
        request_for(registration, **changes)

    assert field in refused.value.message_dict
    assert not VisaLetterRequest.objects.exists()


def test_someone_else_cannot_request_a_letter_for_a_registration():
    registration = validated()

    with pytest.raises(ValidationError, match="only for your own"):
        visas.visa_letter_request(registration=registration, requested_by=UserFactory(), **passport())


def test_issuing_queues_the_letter_as_a_pdf_in_the_persons_language(django_capture_on_commit_callbacks):
    registration = validated()
    AccountPreferencesFactory(user=registration.participant.user, language="fr")
    visa_request = request_for(registration)
    officer = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks():
        issued = visas.visa_letter_issue(visa_request=visa_request, issued_by=officer)

    assert issued.status == VisaRequestStatus.ISSUED and issued.decided_by == officer
    message = OutgoingMessage.objects.get(template="emails/visa_letter_issued")
    assert message.to == registration.participant.user.email and message.language == "fr"
    assert visa_request.reference in message.body_text
    [attachment] = message.attachments
    assert attachment["mimetype"] == "application/pdf"
    assert attachment["filename"] == f"visa-support-letter-{visa_request.reference}.pdf"


def test_the_letter_names_the_passport_the_meeting_and_the_reference():
    visa_request = VisaLetterRequestFactory(status=VisaRequestStatus.ISSUED, decided_at=timezone.now())

    reader = PdfReader(io.BytesIO(visa_letter_pdf(visa_request)))
    text = " ".join(reader.pages[0].extract_text().split())

    assert visa_request.reference in text
    assert "AMINA WANJIKU" in text and "AK1234567" in text and "Kenya" in text
    assert visa_request.registration.meeting.title in text
    assert visa_request.registration.sme.name in text


@pytest.mark.parametrize("language", ["ar", "zh-hans", "ru", "es"])
def test_the_letter_is_written_in_the_requests_language(language):
    """Its dates are in the language's own format (month names in Arabic letters, 年月日 in Chinese)."""
    visa_request = VisaLetterRequestFactory(
        status=VisaRequestStatus.ISSUED, decided_at=timezone.now(), language=language
    )
    with translation.override(language):
        meeting_starts = date_format(visa_request.registration.meeting.starts_on)

    text = "".join(PdfReader(io.BytesIO(visa_letter_pdf(visa_request))).pages[0].extract_text().split())

    text = text.replace("\x00", "")

    # Each part of the date: right-to-left lines are read back in visual order, not word by word.
    assert all(part.strip("،,") in text for part in meeting_starts.split())
    assert visa_request.reference in text


def test_refusing_needs_a_reason_and_tells_the_person(django_capture_on_commit_callbacks):
    visa_request = VisaLetterRequestFactory()
    officer = UserFactory(is_staff=True)

    with pytest.raises(ValidationError, match="reason"):
        visas.visa_letter_refuse(visa_request=visa_request, refused_by=officer, reason="  ")
    with django_capture_on_commit_callbacks():
        visas.visa_letter_refuse(visa_request=visa_request, refused_by=officer, reason="The meeting is full.")

    visa_request.refresh_from_db()
    assert visa_request.status == VisaRequestStatus.REFUSED
    message = OutgoingMessage.objects.get(template="emails/visa_letter_refused")
    assert "The meeting is full." in message.body_text


def test_an_answered_request_cannot_be_answered_again():
    visa_request = VisaLetterRequestFactory()
    officer = UserFactory(is_staff=True)
    visas.visa_letter_issue(visa_request=visa_request, issued_by=officer)

    with pytest.raises(ValidationError, match="already answered"):
        visas.visa_letter_refuse(visa_request=visa_request, refused_by=officer, reason="No")
    with pytest.raises(ValidationError, match="already answered"):
        visas.visa_letter_issue(visa_request=visa_request, issued_by=officer)


def test_no_letter_for_a_registration_cancelled_since_the_request():
    visa_request = VisaLetterRequestFactory()
    registration = visa_request.registration
    registration.status = RegistrationStatus.CANCELLED
    registration.save()

    with pytest.raises(ValidationError, match="no longer validated"):
        visas.visa_letter_issue(visa_request=visa_request, issued_by=UserFactory(is_staff=True))


def test_the_history_records_the_decision_but_never_the_passport():
    visa_request = VisaLetterRequestFactory()
    visas.visa_letter_issue(visa_request=visa_request, issued_by=UserFactory(is_staff=True))

    records = list(visa_request.history.order_by("history_date"))

    assert [record.status for record in records] == [VisaRequestStatus.REQUESTED, VisaRequestStatus.ISSUED]
    assert not hasattr(records[0], "passport_number")


def test_the_daily_purge_erases_passport_details_the_set_period_after_the_meeting(settings):
    settings.VISA_PASSPORT_RETENTION_DAYS = 30
    ended = MeetingFactory(
        starts_on=today() - datetime.timedelta(days=40),
        ends_on=today() - datetime.timedelta(days=36),
        registration_opens_on=today() - datetime.timedelta(days=90),
        registration_closes_on=today() - datetime.timedelta(days=50),
    )
    recent = MeetingFactory(
        starts_on=today() - datetime.timedelta(days=30),
        ends_on=today() - datetime.timedelta(days=25),
        registration_opens_on=today() - datetime.timedelta(days=90),
        registration_closes_on=today() - datetime.timedelta(days=40),
    )
    due = VisaLetterRequestFactory(
        registration__meeting=ended, status=VisaRequestStatus.ISSUED, decided_at=timezone.now()
    )
    kept = VisaLetterRequestFactory(registration__meeting=recent)

    figures = personal_data_purge()

    assert figures.visa_passports == 1
    due.refresh_from_db()
    kept.refresh_from_db()
    assert due.passport_erased_at is not None
    assert (due.passport_name, due.passport_number, due.date_of_birth, due.passport_expires_on) == ("", "", None, None)
    assert due.reference and due.status == VisaRequestStatus.ISSUED  # the secretariat can still verify it
    assert kept.passport_number == "AK1234567"
    assert personal_data_purge().visa_passports == 0  # idempotent


def test_closing_the_account_erases_the_passport_details_at_once(django_capture_on_commit_callbacks):
    visa_request = VisaLetterRequestFactory()

    with django_capture_on_commit_callbacks():
        account_close(user=visa_request.registration.participant.user)

    visa_request.refresh_from_db()
    assert visa_request.passport_erased_at is not None and visa_request.passport_number == ""
