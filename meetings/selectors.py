"""Read-side queries about the pilot and its meetings, and the registration-window rule.

The window rule lives here once; the meetings page shows it and registration.services enforces it.
"""

import enum
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Meeting, Pilot, StudyGroup
from .translated import in_reader_language


def pilot_current(*, today=None) -> Pilot | None:
    """The pilot that has started most recently (possibly ended), else the next one to start."""
    today = today or timezone.localdate()
    pilot = Pilot.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
    return pilot or Pilot.objects.order_by("starts_on").first()


def pilot_has_ended(*, pilot: Pilot, today=None) -> bool:
    """The pilot runs "until PP-18" (terms of reference, point 5): after its last day, no SME registers."""
    today = today or timezone.localdate()
    return today > pilot.ends_on


class WindowState(enum.StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


WINDOW_STATE_LABELS = {
    WindowState.NOT_YET_OPEN: _("Not yet open"),
    WindowState.OPEN: pgettext_lazy("registration window", "Open"),
    WindowState.CLOSED: _("Closed"),
}


def meeting_registration_state(*, meeting: Meeting, pilot: Pilot | None, today=None) -> WindowState:
    """Whether SMEs may register for ``meeting`` today (Geneva time).

    Closed once the window has closed, and for every meeting once the pilot has ended or when
    the meeting would finish after the pilot's last day (terms of reference, point 5: the pilot
    runs until PP-18); not yet open before the window's first day; otherwise open.
    """
    today = today or timezone.localdate()
    if pilot is None or pilot_has_ended(pilot=pilot, today=today) or meeting.ends_on > pilot.ends_on:
        return WindowState.CLOSED
    if today > meeting.registration_closes_on:
        return WindowState.CLOSED
    if today < meeting.registration_opens_on:
        return WindowState.NOT_YET_OPEN
    return WindowState.OPEN


@dataclass
class MeetingRow:
    meeting: Meeting
    state: WindowState

    @property
    def state_label(self):
        return WINDOW_STATE_LABELS[self.state]

    @property
    def is_open(self):
        return self.state == WindowState.OPEN


@dataclass
class StudyGroupRow:
    study_group: StudyGroup
    meetings: list[MeetingRow]


def pilot_study_groups_with_coming_meetings(*, pilot: Pilot | None, today=None) -> list[StudyGroupRow]:
    """The pilot's study groups, each with its meetings that have not ended, in two queries."""
    if pilot is None:
        return []
    today = today or timezone.localdate()
    coming = Meeting.objects.filter(ends_on__gte=today).order_by("starts_on", "kind", in_reader_language("title"))
    study_groups = pilot.study_groups.order_by("sector", "number").prefetch_related(
        Prefetch("meetings", queryset=coming, to_attr="coming_meetings")
    )
    return [
        StudyGroupRow(
            study_group=study_group,
            meetings=[
                MeetingRow(
                    meeting=meeting, state=meeting_registration_state(meeting=meeting, pilot=pilot, today=today)
                )
                for meeting in study_group.coming_meetings
            ],
        )
        for study_group in study_groups
    ]
