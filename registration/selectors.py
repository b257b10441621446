"""Read-side queries of the representative's journey, always scoped to the signed-in person."""

from .models import ParticipantProfile, Registration


def profile_of(*, user) -> ParticipantProfile | None:
    return (
        ParticipantProfile.objects.select_related("administration", "sme", "sme__administration")
        .filter(user=user)
        .first()
    )


def registrations_of(*, user):
    """The person's own registrations, newest meeting first, in one query whatever their number."""
    return (
        Registration.objects.filter(participant__user=user)
        .select_related("meeting", "meeting__study_group", "sme", "decided_by")
        .order_by("-meeting__starts_on", "meeting__title", "-created_at")
    )
