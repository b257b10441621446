"""The date by which a registration should be decided: its "approve by" date.

The letter sends each registration "for validation to the Focal Points designated by each
Administration"; a decision that comes too late is as good as none, above all for a person who
needs a visa (ITU sends visa support letters up to 21 days before a meeting). One function works
the date out (``decision_deadline``); it is stored on each registration (``Registration.decide_by``)
so that the focal points' lists, the daily digest and the secretariat's queue order and filter by it
from an index, and written again here when a meeting's dates or registration window change.
"""

import datetime

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from .models import AttendanceMode, Registration

MEETING_CHANGED_REASON = "The meeting's dates or registration window changed: approve-by date worked out again."


def decision_deadline(*, meeting, attendance: str) -> datetime.date:
    """The "approve by" date of a registration for ``meeting`` with this ``attendance``.

    - remote: the day before the meeting starts;
    - in person: ``DECISION_VISA_LEAD_DAYS`` (default 21) days before the meeting starts, so that
      a visa can still be asked for after the approval;
    - never later than the registration window's close (the registrant knows by then), and never
      before the window opens (nobody could have registered earlier).
    """
    if attendance == AttendanceMode.IN_PERSON:
        lead = datetime.timedelta(days=settings.DECISION_VISA_LEAD_DAYS)
    else:
        lead = datetime.timedelta(days=1)
    deadline = min(meeting.starts_on - lead, meeting.registration_closes_on)
    return max(deadline, meeting.registration_opens_on)


def meeting_deadlines_refresh(*, meeting) -> int:
    """Work the approve-by date of every registration of ``meeting`` out again (its dates or window
    changed); returns how many changed. Each change is in the registration's history, with why."""
    with transaction.atomic():
        changed = []
        for registration in Registration.objects.select_for_update().filter(meeting=meeting).order_by("pk"):
            deadline = decision_deadline(meeting=meeting, attendance=registration.attendance_mode)
            if registration.decide_by != deadline:
                registration.decide_by = deadline
                registration._change_reason = MEETING_CHANGED_REASON
                changed.append(registration)
        if changed:
            bulk_update_with_history(
                changed,
                Registration,
                ["decide_by"],
                default_change_reason=MEETING_CHANGED_REASON,
            )
    return len(changed)
