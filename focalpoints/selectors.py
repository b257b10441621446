"""Read-side queries of the focal-point work, always scoped to the Administration(s) of the user.

A focal point of one Administration never sees another's data: every queryset a focal-point page
shows starts from ``focal_point_administrations(user)``.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Case, QuerySet, When
from django.utils import timezone

from registration.models import SME, Eligibility, Registration, RegistrationStatus

from .models import Administration, FocalPoint


def focal_point_administrations(user) -> QuerySet[Administration]:
    """The Administrations the user is an active focal point of (none for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return Administration.objects.none()
    return Administration.objects.filter(
        pk__in=FocalPoint.objects.filter(user=user, is_active=True).values("administration_id")
    )


def is_focal_point_of(*, user, administration_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return FocalPoint.objects.filter(user=user, administration_id=administration_id, is_active=True).exists()


def registrations_with_details() -> QuerySet[Registration]:
    """Registrations with everything a focal point's page shows of them, in the same query."""
    return Registration.objects.select_related(
        "participant",
        "participant__user",
        "sme",
        "sme__administration",
        "meeting",
        "meeting__study_group",
        "decided_by",
    )


def registrations_for_focal_point(user) -> QuerySet[Registration]:
    """Every registration of the SMEs of the user's Administration(s), with what a page shows."""
    return registrations_with_details().filter(sme__administration__in=focal_point_administrations(user))


def registrations_pending_for_focal_point(user) -> QuerySet[Registration]:
    """Waiting for a decision, oldest first (the one waiting longest is on top)."""
    return registrations_for_focal_point(user).filter(status=RegistrationStatus.PENDING).order_by("created_at", "pk")


def registrations_decided_for_focal_point(user) -> QuerySet[Registration]:
    """The decided history (validated or rejected), latest decision first."""
    return (
        registrations_for_focal_point(user)
        .filter(status__in=[RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED])
        .order_by("-decided_at", "-pk")
    )


def smes_for_focal_point(user) -> QuerySet[SME]:
    """The SMEs of the user's Administration(s): pending ones first, then by name."""
    return (
        SME.objects.filter(administration__in=focal_point_administrations(user))
        .select_related("administration", "eligibility_decided_by")
        .order_by(Case(When(eligibility=Eligibility.PENDING, then=0), default=1), "name")
    )


def registrations_overdue(*, now=None) -> QuerySet[Registration]:
    """Pending for longer than ``VALIDATION_REMINDER_AFTER_DAYS``: reminded daily, flagged in the admin."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VALIDATION_REMINDER_AFTER_DAYS)
    return Registration.objects.filter(status=RegistrationStatus.PENDING, created_at__lte=cutoff)


def active_focal_points(*, administration_id: int) -> QuerySet[FocalPoint]:
    return FocalPoint.objects.filter(administration_id=administration_id, is_active=True).order_by("pk")
