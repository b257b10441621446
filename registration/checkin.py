"""Checking a participant in at the meeting, once, and undoing a check-in made by mistake.

The pilot report counts who came (terms of reference, point 5: the secretariat reports on the
pilot to Council): a validated in-person registration without an attendance is a no-show. So a
check-in is recorded once per registration (the one-to-one column is unique in the database), and
only for a validated registration to attend this meeting in person; everything else is refused
with a message the officer at the desk can act on.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smepilot.people import person_name

from .badges import check_in_code_read
from .models import Attendance, AttendanceMode, Registration, RegistrationStatus

UNDO_REASON_MAX_LENGTH = Attendance.history.model._meta.get_field("history_change_reason").max_length


class CheckInRefused(Exception):
    """The check-in was not recorded; ``message`` says why, ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int, code: str, registration: Registration | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.registration = registration


def _when(value) -> str:
    return _("%(datetime)s (Geneva time)") % {"datetime": date_format(timezone.localtime(value), "DATETIME_FORMAT")}


def already_checked_in_message(attendance: Attendance) -> str:
    who = person_name(attendance.checked_in_by) or _("an account that no longer exists")
    return _("%(name)s was already checked in at %(when)s by %(who)s.") % {
        "name": attendance.registration.participant.full_name,
        "when": _when(attendance.checked_in_at),
        "who": who,
    }


def checked_in_message(attendance: Attendance) -> str:
    registration = attendance.registration
    return _("Checked in: %(name)s (%(sme)s), in person.") % {
        "name": registration.participant.full_name,
        "sme": registration.sme.name,
    }


def _registration_for(*, code: str, meeting) -> Registration:
    content = check_in_code_read(code)
    if content is None:
        raise CheckInRefused(
            _("This code was not issued by the SME pilot, or it was cut short or mistyped. Type it again."),
            status=400,
            code="unreadable",
        )
    if content.meeting_id != meeting.pk:
        other = meeting.__class__.objects.filter(pk=content.meeting_id).first()
        raise CheckInRefused(
            _("This badge is for another meeting: %(other)s. It cannot be checked in at %(meeting)s.")
            % {"other": other or _("a meeting that no longer exists"), "meeting": meeting},
            status=400,
            code="other_meeting",
        )
    # The row lock makes two officers checking the same badge in at the same moment take turns:
    # the second reads the first's check-in (the unique column would refuse it anyway).
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("participant", "sme", "meeting")
        .filter(pk=content.registration_id, meeting_id=meeting.pk)
        .first()
    )
    if registration is None:
        raise CheckInRefused(_("This code names no registration for this meeting."), status=400, code="not_found")
    return registration


def _state_check(registration: Registration) -> None:
    name = registration.participant.full_name
    refusals = {
        RegistrationStatus.CANCELLED: (_("%(name)s's registration was cancelled: do not check them in."), "cancelled"),
        RegistrationStatus.REJECTED: (
            _("%(name)s's registration was rejected by the Administration: do not check them in."),
            "rejected",
        ),
        RegistrationStatus.PENDING: (
            _("%(name)s's registration is not validated yet: the Administration has not decided."),
            "not_validated",
        ),
    }
    if registration.status in refusals:
        message, code = refusals[registration.status]
        raise CheckInRefused(message % {"name": name}, status=409, code=code, registration=registration)
    if registration.attendance_mode != AttendanceMode.IN_PERSON:
        raise CheckInRefused(
            _("%(name)s registered to attend remotely, not in person.") % {"name": name},
            status=409,
            code="remote",
            registration=registration,
        )


def _already(registration: Registration) -> CheckInRefused:
    attendance = Attendance.objects.select_related("checked_in_by").get(registration=registration)
    attendance.registration = registration
    return CheckInRefused(
        already_checked_in_message(attendance), status=409, code="already_checked_in", registration=registration
    )


def attendance_check_in(*, code: str, meeting, checked_in_by) -> Attendance:
    """Record that the person whose badge carries ``code`` came to ``meeting``, once.

    Refused (``CheckInRefused``, nothing written): a code not made here (400), a code of another
    meeting (400), a registration already checked in (409, saying when and by whom), cancelled,
    rejected, still pending, or to attend remotely (409).
    """
    with transaction.atomic():
        registration = _registration_for(code=code, meeting=meeting)
        if Attendance.objects.filter(registration=registration).exists():
            raise _already(registration)
        _state_check(registration)
        attendance = Attendance(registration=registration, checked_in_by=checked_in_by, checked_in_at=timezone.now())
        attendance._history_user = checked_in_by
        try:
            with transaction.atomic():
                attendance.save()
        except IntegrityError:
            # Another check-in of the same registration committed between our read and our write.
            raise _already(registration) from None
    return attendance


def attendance_undo(*, attendance: Attendance, undone_by, reason: str) -> None:
    """Remove a check-in recorded by mistake; the history keeps it, who removed it and why."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CheckInRefused(_("Say why the check-in is undone; the history keeps it."), status=400, code="no_reason")
    with transaction.atomic():
        locked = Attendance.objects.select_for_update().filter(pk=attendance.pk).first()
        if locked is None:
            return
        locked._history_user = undone_by
        locked._change_reason = reason[:UNDO_REASON_MAX_LENGTH]
        locked.delete()
