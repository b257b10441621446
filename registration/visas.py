"""Visa support letters: the person's request, the secretariat's decision, and erasing the passport details.

A person whose registration to attend in person is validated may need a visa to travel to the
meeting; ITU sends a letter in support of the application. Only then are passport details asked
for, as few as a letter needs, and they are kept only until the meeting's end plus
VISA_PASSPORT_RETENTION_DAYS (``visa_passports_erase``, run by the daily personal-data purge).
"""

import datetime
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smepilot.languages import recipient_language
from smepilot.outbox.services import mail_queue

from .models import (
    PASSPORT_FIELDS,
    VISA_REQUEST_HOLDING_STATUSES,
    AttendanceMode,
    Registration,
    RegistrationStatus,
    VisaLetterRequest,
    VisaRequestStatus,
)

# Letters and digits that cannot be read one for another (no 0/O, 1/I): a reference read out on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PATTERN = re.compile(r"^VL-[A-Z2-9]{4}-[A-Z2-9]{4}$")
PASSPORT_NUMBER_PATTERN = re.compile(r"^[A-Z0-9]{5,20}$")
OLDEST_BIRTH_YEAR = 1900
ONE_CONSTRAINT = "visa_request_one_open_or_issued_per_registration"


def reference_new() -> str:
    """A reference such as VL-7KQ4-M2XP: random, so that one letter's does not tell another's."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _index in range(8))
    return f"VL-{chars[:4]}-{chars[4:]}"


def reference_normalised(text: str) -> str:
    """What the secretariat typed ("vl 7kq4 m2xp", "VL-7KQ4-M2XP") as a reference, or "" if it is not one."""
    compact = re.sub(r"[^A-Z0-9]", "", (text or "").upper())
    if compact.startswith("VL"):
        compact = compact[2:]
    reference = f"VL-{compact[:4]}-{compact[4:]}"
    return reference if len(compact) == 8 and REFERENCE_PATTERN.match(reference) else ""


def visa_request_refusal(*, registration: Registration, today: datetime.date | None = None) -> str:
    """Why this registration cannot have a visa support letter requested now, or "" if it can.

    Only a validated registration to attend in person, for a meeting that has not started: a remote
    participant does not travel, and a letter before validation would support a visit the
    Administration has not approved (terms of reference, point 4). One request at a time, and none
    once a letter was issued.
    """
    today = today or timezone.localdate()
    if registration.attendance_mode != AttendanceMode.IN_PERSON:
        return _("A visa support letter is only for people attending in person; this registration is remote.")
    if registration.status != RegistrationStatus.VALIDATED:
        return _(
            "A visa support letter can be requested once your Administration has validated the registration; "
            "it is %(status)s."
        ) % {"status": registration.get_status_display().lower()}
    if registration.meeting.starts_on <= today:
        return _("The meeting has started; a visa support letter can no longer be requested.")
    held = registration.visa_requests.filter(status__in=VISA_REQUEST_HOLDING_STATUSES).first()
    if held is not None and held.status == VisaRequestStatus.REQUESTED:
        return _("You have already requested a visa support letter for this meeting; the secretariat is handling it.")
    if held is not None:
        return _(
            "A visa support letter was already issued for this meeting; "
            "download it from the list of your registrations."
        )
    return ""


def _passport_clean(
    *,
    registration: Registration,
    passport_name: str,
    nationality: str,
    passport_number: str,
    date_of_birth: datetime.date,
    passport_issued_on: datetime.date,
    passport_expires_on: datetime.date,
    today: datetime.date,
) -> dict:
    """The passport details, tidied, or a ValidationError naming each field that cannot be right."""
    errors = {}
    passport_name = " ".join((passport_name or "").split())
    passport_number = re.sub(r"[\s-]", "", passport_number or "").upper()
    if not passport_name:
        errors["passport_name"] = _("Give your name exactly as it is written in your passport.")
    if not nationality:
        errors["nationality"] = _("Choose the nationality shown in your passport.")
    if not PASSPORT_NUMBER_PATTERN.match(passport_number):
        errors["passport_number"] = _("Give the passport number as printed: 5 to 20 letters and digits.")
    if date_of_birth is None or not datetime.date(OLDEST_BIRTH_YEAR, 1, 1) <= date_of_birth < today:
        errors["date_of_birth"] = _("Give your date of birth as in your passport.")
    if passport_issued_on is None or passport_issued_on > today:
        errors["passport_issued_on"] = _("The date of issue must be today or earlier.")
    elif date_of_birth is not None and passport_issued_on <= date_of_birth:
        errors["passport_issued_on"] = _("The date of issue must be after the date of birth.")
    meeting = registration.meeting
    if passport_expires_on is None or (passport_issued_on is not None and passport_expires_on <= passport_issued_on):
        errors["passport_expires_on"] = _("The date of expiry must be after the date of issue.")
    elif passport_expires_on < meeting.ends_on:
        errors["passport_expires_on"] = _(
            "Your passport expires before the meeting ends (%(date)s): a visa cannot be granted on it. "
            "Renew your passport first, then request the letter."
        ) % {"date": date_format(meeting.ends_on)}
    if errors:
        raise ValidationError(errors)
    return {
        "passport_name": passport_name,
        "nationality": nationality,
        "passport_number": passport_number,
        "date_of_birth": date_of_birth,
        "passport_issued_on": passport_issued_on,
        "passport_expires_on": passport_expires_on,
    }


def visa_letter_request(
    *,
    registration: Registration,
    requested_by,
    passport_name: str,
    nationality: str,
    passport_number: str,
    date_of_birth: datetime.date,
    passport_issued_on: datetime.date,
    passport_expires_on: datetime.date,
) -> VisaLetterRequest:
    """Record the person's request for a visa support letter, with the passport details it needs.

    Refused, with what to do: another person's registration; one that cannot have a letter
    (``visa_request_refusal``); passport details that cannot be right, such as a passport that
    expires before the meeting ends. The letter will be written in the language the person uses now
    (or the one they chose for their account).
    """
    today = timezone.localdate()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("meeting", "participant__user")
            .get(pk=registration.pk)
        )
        if registration.participant.user_id != requested_by.pk:
            raise ValidationError(_("You can request a visa support letter only for your own registrations."))
        refusal = visa_request_refusal(registration=registration, today=today)
        if refusal:
            raise ValidationError(refusal)
        passport = _passport_clean(
            registration=registration,
            passport_name=passport_name,
            nationality=nationality,
            passport_number=passport_number,
            date_of_birth=date_of_birth,
            passport_issued_on=passport_issued_on,
            passport_expires_on=passport_expires_on,
            today=today,
        )
        try:
            with transaction.atomic():
                visa_request = VisaLetterRequest.objects.create(
                    registration=registration,
                    reference=reference_new(),
                    language=recipient_language(
                        user=registration.participant.user, fallback=translation.get_language()
                    ),
                    **passport,
                )
        except IntegrityError as error:
            raise ValidationError(
                _("You have already requested a visa support letter for this meeting; the secretariat is handling it.")
            ) from error
    return visa_request


def _open_request_locked(visa_request: VisaLetterRequest) -> VisaLetterRequest:
    locked = (
        VisaLetterRequest.objects.select_for_update(of=("self",))
        .select_related("registration__meeting__study_group", "registration__participant__user", "registration__sme")
        .get(pk=visa_request.pk)
    )
    if locked.status != VisaRequestStatus.REQUESTED:
        raise ValidationError(
            _("This request was already answered (%(status)s).") % {"status": locked.get_status_display().lower()},
            code="already_decided",
        )
    if locked.passport_erased_at is not None:
        raise ValidationError(_("The passport details of this request were erased."), code="erased")
    return locked


def _my_registrations_url() -> str:
    return settings.SITE_URL + reverse("registration:list")


def visa_letter_issue(*, visa_request: VisaLetterRequest, issued_by) -> VisaLetterRequest:
    """Issue the letter: the person gets it by email (a PDF in their language) and in “My registrations”.

    Refused for a request already answered, and for a registration that no longer holds a place in
    person (cancelled since, or changed): the letter would support a visit that will not happen.
    """
    from .visa_letter import visa_letter_filename, visa_letter_pdf

    with transaction.atomic():
        locked = _open_request_locked(visa_request)
        registration = locked.registration
        if (
            registration.status != RegistrationStatus.VALIDATED
            or registration.attendance_mode != AttendanceMode.IN_PERSON
        ):
            raise ValidationError(
                _("The registration is no longer validated for attendance in person; refuse the request instead."),
                code="registration_changed",
            )
        locked.status = VisaRequestStatus.ISSUED
        locked.decided_by = issued_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        participant = registration.participant
        mail_queue(
            to=participant.user.email,
            template="emails/visa_letter_issued",
            context={
                "participant": participant,
                "visa_request": locked,
                "registration": registration,
                "meeting": registration.meeting,
                "my_registrations_url": _my_registrations_url(),
            },
            language=locked.language,
            attachments=[
                {
                    "filename": visa_letter_filename(locked),
                    "content": visa_letter_pdf(locked),
                    "mimetype": "application/pdf",
                }
            ],
        )
    return locked


def visa_letter_refuse(*, visa_request: VisaLetterRequest, refused_by, reason: str) -> VisaLetterRequest:
    """Refuse the request with a reason the person reads in their email and in “My registrations”."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"refusal_reason": _("Give the reason for the refusal; the person will read it.")}, code="no_reason"
        )
    with transaction.atomic():
        locked = _open_request_locked(visa_request)
        locked.status = VisaRequestStatus.REFUSED
        locked.refusal_reason = reason
        locked.decided_by = refused_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at", "updated_at"])
        participant = locked.registration.participant
        mail_queue(
            to=participant.user.email,
            template="emails/visa_letter_refused",
            context={
                "participant": participant,
                "visa_request": locked,
                "meeting": locked.registration.meeting,
                "my_registrations_url": _my_registrations_url(),
            },
            language=locked.language,
        )
    return locked


def visa_passport_erasure_cutoff(*, today: datetime.date | None = None) -> datetime.date:
    """Passport details of requests for meetings that ended before this day are erased."""
    return (today or timezone.localdate()) - datetime.timedelta(days=settings.VISA_PASSPORT_RETENTION_DAYS)


def visa_requests_due_for_erasure(*, today: datetime.date | None = None):
    return VisaLetterRequest.objects.filter(
        passport_erased_at__isnull=True, registration__meeting__ends_on__lt=visa_passport_erasure_cutoff(today=today)
    )


def visa_passports_erase(*, request_ids, now: datetime.datetime | None = None) -> int:
    """Erase the passport details of these requests (the reference, status and decision stay); how many.

    Set-based, in the caller's transaction; the history never held these details (the model excludes
    them), and the letter's email dropped its attachment once sent (smepilot.outbox).
    """
    now = now or timezone.now()
    erased = dict.fromkeys(("passport_name", "nationality", "passport_number"), "")
    erased |= {field: None for field in PASSPORT_FIELDS if field not in erased}
    return VisaLetterRequest.objects.filter(pk__in=request_ids, passport_erased_at__isnull=True).update(
        passport_erased_at=now, updated_at=now, **erased
    )
