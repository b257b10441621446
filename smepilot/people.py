"""How the site names a person: by their own name, never by a username.

Nobody chooses a username here: allauth makes one up from the address ("amina.newuser"), so it
means nothing to its owner. A person is named by the given and family name of their participant
profile, else their account's own names, else the name their Administration designated them by as
a focal point (an active designation first), else their email address.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str
    has_profile: bool
    is_focal_point: bool


def people_of(users) -> dict[int, Person]:
    """Each user's name and what they are, by user id, in two queries whatever the number of users."""
    from focalpoints.models import FocalPoint
    from registration.models import ParticipantProfile

    users = {user.pk: user for user in users if user is not None and user.pk}
    if not users:
        return {}
    profiles = {
        user_id: f"{given} {family}".strip()
        for user_id, given, family in ParticipantProfile.objects.filter(user_id__in=users).values_list(
            "user_id", "given_name", "family_name"
        )
    }
    focal_points = {}
    for user_id, name in (
        FocalPoint.objects.filter(user_id__in=users).order_by("-is_active", "pk").values_list("user_id", "name")
    ):
        focal_points.setdefault(user_id, name)
    return {
        pk: Person(
            name=profiles.get(pk) or user.get_full_name().strip() or focal_points.get(pk) or user.email,
            has_profile=pk in profiles,
            is_focal_point=pk in focal_points,
        )
        for pk, user in users.items()
    }


def person_name(user) -> str:
    """One person's name (allauth's ACCOUNT_USER_DISPLAY, through smepilot.accounts.user_display)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    return people_of([user])[user.pk].name
