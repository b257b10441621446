"""Write services for the meetings the secretariat sets up."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.models import ACTIVE_STATUSES

from .models import Meeting
from .rules import DECISION_MAKER_CANNOT_BE_SME, decision_makers, refused_by_database

REOPENING_REFUSED_MESSAGE = _(
    "Moving the end of this meeting to today or later makes its registrants SME representatives again, "
    "and %(names)s now hold a leadership appointment or are recorded in a decision (SME pilot terms of "
    "reference, point 3). Cancel their registrations for this meeting first."
)


def _reopening_check(*, meeting: Meeting) -> None:
    """An active registration counts while its meeting is not over: a past meeting moved to a later end
    brings its registrants back as SME representatives, refused for people who now hold a
    decision-making role (terms of reference, point 3)."""
    today = timezone.localdate()
    if meeting.pk is None or meeting.ends_on < today:
        return
    ended_on = Meeting.objects.filter(pk=meeting.pk).values_list("ends_on", flat=True).first()
    if ended_on is None or ended_on >= today:
        return
    registrants = meeting.registrations.filter(status__in=ACTIVE_STATUSES).values("participant__user")
    refused = list(decision_makers().filter(pk__in=registrants).order_by("email"))
    if refused:
        names = ", ".join(user.get_full_name() or user.email for user in refused)
        raise ValidationError(
            {"ends_on": REOPENING_REFUSED_MESSAGE % {"names": names}}, code=DECISION_MAKER_CANNOT_BE_SME
        )


def meeting_save(*, meeting: Meeting) -> Meeting:
    """Create or change a meeting (its dates, place, registration window).

    Its registrations' approve-by dates follow from its start and window (registration.deadlines):
    they are worked out again in the same transaction when those change.
    """
    from registration.deadlines import meeting_deadlines_refresh

    meeting.full_clean()
    _reopening_check(meeting=meeting)
    with refused_by_database(field="ends_on", sme_side=False), transaction.atomic():
        before = (
            Meeting.objects.filter(pk=meeting.pk)
            .values_list("starts_on", "registration_opens_on", "registration_closes_on")
            .first()
            if meeting.pk
            else None
        )
        meeting.save()
        if before is not None and before != (
            meeting.starts_on,
            meeting.registration_opens_on,
            meeting.registration_closes_on,
        ):
            meeting_deadlines_refresh(meeting=meeting)
    return meeting
