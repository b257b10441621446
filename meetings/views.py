from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from registration.exports import SME_MARKER
from registration.participant_lists import EVERYONE, participant_list, participant_list_audience

from .models import Meeting
from .selectors import pilot_current, pilot_has_ended, pilot_study_groups_with_coming_meetings


@require_safe
def meeting_list(request):
    """The pilot's study groups, their coming meetings and each registration window's state.

    Public, like the circular letter that announces them: people decide to create an account after
    seeing what they could register for. It shows nothing about anyone.
    """
    today = timezone.localdate()
    pilot = pilot_current(today=today)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "pilot": pilot,
            "pilot_ended": pilot is not None and pilot_has_ended(pilot=pilot, today=today),
            "study_groups": pilot_study_groups_with_coming_meetings(pilot=pilot, today=today),
        },
    )


@require_safe
def meeting_participant_list(request, pk):
    """The meeting's list of participants: each validated registration its person consented to show to
    this reader (registration.participant_lists), every one marked as an SME participant (terms of
    reference, point 3)."""
    meeting = get_object_or_404(Meeting.objects.select_related("study_group"), pk=pk)
    audience = participant_list_audience(request=request, meeting=meeting)
    return render(
        request,
        "meetings/participant_list.html",
        {
            "meeting": meeting,
            "registrations": participant_list(meeting=meeting, audience=audience),
            "secretariat": audience == EVERYONE,
            "sme_marker": SME_MARKER,
        },
    )
