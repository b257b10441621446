from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

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
