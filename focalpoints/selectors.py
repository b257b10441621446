"""Read side of the focal-point work: its queries, the labels of decisions, the separation of duties.

Queries are always scoped to the Administration(s) of the user: a focal point of one
Administration never sees another's data, as every queryset a focal-point page shows starts from
``focal_point_administrations(user)``. Nothing here writes.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from registration.models import SME, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.l10n import sorted_by_name
from smepilot.languages import recipient_language

from .models import Administration, Deputyship, DeputyshipStatus, FocalPoint

DECIDED_STATUSES = (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)


class Deciders(NamedTuple):
    """Who may decide for Administrations today: the two kinds of row, as querysets still to filter."""

    focal_points: QuerySet[FocalPoint]
    deputyships: QuerySet[Deputyship]


def deciders(*, user=None, administration_id: int | None = None, today=None) -> Deciders:
    """Who may decide for an Administration: the one rule, read by every page, email, decision and guard.

    The letter sends each registration "for validation to the Focal Points designated by each
    Administration": its active focal points decide, and so does a deputy a focal point named
    (focalpoints.models.Deputyship) while the deputyship runs: confirmed by the secretariat,
    from its first day to its last, not ended early, and the focal point still active. A deputy
    before or after their period, unconfirmed, declined or ended decides nothing, and a deputy of
    one Administration decides nothing for another.

    ``user`` narrows to the rows of that account (none for someone signed out), ``administration_id``
    to one Administration. The pages scope their queries with ``focal_point_administrations``, the
    decision service asks ``is_focal_point_of``, the emails go to ``decider_recipients`` and the
    second factor is asked of whoever ``is_focal_point``: all of them read this.
    """
    today = today or timezone.localdate()
    focal_points = FocalPoint.objects.filter(is_active=True)
    # A deputy stands in for a focal point: when the secretariat deactivates that focal point, their deputy stops too.
    deputyships = Deputyship.objects.filter(
        status=DeputyshipStatus.CONFIRMED, starts_on__lte=today, ends_on__gte=today, focal_point__is_active=True
    )
    if user is not None:
        if not getattr(user, "is_authenticated", False):
            return Deciders(FocalPoint.objects.none(), Deputyship.objects.none())
        focal_points = focal_points.filter(user=user)
        deputyships = deputyships.filter(user=user)
    if administration_id is not None:
        focal_points = focal_points.filter(administration_id=administration_id)
        deputyships = deputyships.filter(administration_id=administration_id)
    return Deciders(focal_points, deputyships)


def focal_point_administrations(user) -> QuerySet[Administration]:
    """The Administrations the user may decide for (``deciders``): none for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return Administration.objects.none()
    rows = deciders(user=user)
    as_focal_point = Q(pk__in=rows.focal_points.values("administration_id"))
    as_deputy = Q(pk__in=rows.deputyships.values("administration_id"))
    return Administration.objects.filter(as_focal_point | as_deputy)


def administrations_by_name(administrations) -> list[Administration]:
    """Administrations in the order of their country's name in the reader's language, accents and case
    ignored ("Allemagne, Brésil, Égypte, Suisse" in French): how every list of them is offered."""
    return sorted_by_name(administrations, key=str)


def is_focal_point(*, user) -> bool:
    """Decides for some Administration: an active focal point, or a deputy whose deputyship runs."""
    return focal_point_administrations(user).exists()


def is_focal_point_of(*, user, administration_id: int) -> bool:
    """Decides for this Administration (``deciders``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return focal_point_administrations(user).filter(pk=administration_id).exists()


def designated_focal_point_of(*, user, administration_id: int | None = None) -> QuerySet[FocalPoint]:
    """The user's own active designations as a focal point (not as a deputy): who may name a deputy."""
    if not getattr(user, "is_authenticated", False):
        return FocalPoint.objects.none()
    rows = FocalPoint.objects.filter(user=user, is_active=True)
    if administration_id is not None:
        rows = rows.filter(administration_id=administration_id)
    return rows


@dataclass(frozen=True)
class Recipient:
    """One person to email about an Administration's requests: a focal point, or a running deputy."""

    focal_point: FocalPoint | None = None
    deputyship: Deputyship | None = None

    @property
    def row(self) -> FocalPoint | Deputyship:
        return self.focal_point or self.deputyship

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def email(self) -> str:
        return self.row.email

    @property
    def language(self) -> str:
        """Read when the email is written: an account linked to the row since (at its first email) counts."""
        return recipient_language(user=self.row.user, designated=self.row.language)


def decider_recipients(*, administration_ids, exclude_bounced: bool = True) -> dict[int, list[Recipient]]:
    """{Administration id: the people who decide for it} (``deciders``), in two queries, whatever the count.

    An address the mail server refused for good (``FocalPoint.email_bounced_at``) is left out
    while ``exclude_bounced``: its requests go to the others, and to the secretariat
    (focalpoints.bounces).
    """
    ids = list(administration_ids)
    by_administration = defaultdict(list)
    focal_points = deciders().focal_points.filter(administration_id__in=ids)
    if exclude_bounced:
        focal_points = focal_points.filter(email_bounced_at__isnull=True)
    for focal_point in focal_points.select_related("user__preferences", "administration").order_by("pk"):
        by_administration[focal_point.administration_id].append(Recipient(focal_point=focal_point))
    deputyships = deciders().deputyships.filter(administration_id__in=ids)
    for deputyship in deputyships.select_related("user__preferences", "administration", "focal_point").order_by("pk"):
        by_administration[deputyship.administration_id].append(Recipient(deputyship=deputyship))
    return by_administration


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
    """Waiting for a decision, the nearest approve-by date first, then the one waiting longest."""
    return (
        registrations_for_focal_point(user)
        .filter(status=RegistrationStatus.PENDING)
        .order_by("decide_by", "created_at", "pk")
    )


def registrations_decided_for_focal_point(user) -> QuerySet[Registration]:
    """The decided history (validated or rejected), latest decision first."""
    return registrations_for_focal_point(user).filter(status__in=DECIDED_STATUSES).order_by("-decided_at", "-pk")


def smes_for_focal_point(user) -> QuerySet[SME]:
    """The SMEs of the user's Administration(s): pending ones first, then by name."""
    return (
        SME.objects.filter(administration__in=focal_point_administrations(user))
        .select_related("administration", "eligibility_decided_by")
        .order_by(Case(When(eligibility=Eligibility.PENDING, then=0), default=1), "name")
    )


def overdue_condition(*, now=None) -> Q:
    """Pending for longer than ``VALIDATION_REMINDER_AFTER_DAYS``, as a condition on a registration's own
    columns: a list can flag or filter its rows without a subquery over every pending registration."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VALIDATION_REMINDER_AFTER_DAYS)
    return Q(status=RegistrationStatus.PENDING, created_at__lte=cutoff)


def registrations_overdue(*, now=None) -> QuerySet[Registration]:
    """Pending for longer than ``VALIDATION_REMINDER_AFTER_DAYS``: reminded daily, flagged in the admin."""
    return Registration.objects.filter(overdue_condition(now=now))


def active_focal_points(*, administration_id: int) -> QuerySet[FocalPoint]:
    return deciders(administration_id=administration_id).focal_points.order_by("pk")


# --- Labels of decisions: what whoever comes later reads ------------------------------------------


def _when(value) -> str:
    return _("%(datetime)s (Geneva time)") % {
        "datetime": date_format(timezone.localtime(value), "DATETIME_FORMAT"),
    }


def _person_name(*, user, administration_id: int) -> str:
    """The focal point's name as the Administration designated them, else the account's name."""
    if user is None:
        return _("a person whose account was removed")
    name = (
        FocalPoint.objects.filter(user=user, administration_id=administration_id)
        .values_list("name", flat=True)
        .first()
    ) or (
        Deputyship.objects.filter(user=user, administration_id=administration_id)
        .values_list("name", flat=True)
        .first()
    )
    return name or user.get_full_name() or user.email


def decider_label(*, registration: Registration, names: dict | None = None) -> str:
    if registration.decided_on_behalf:
        return _("the secretariat, on behalf of the Administration")
    if names is not None and registration.decided_by is not None:
        key = (registration.decided_by_id, registration.sme.administration_id)
        return names.get(key) or registration.decided_by.get_full_name() or registration.decided_by.email
    return _person_name(user=registration.decided_by, administration_id=registration.sme.administration_id)


def focal_point_names(*, administration_ids) -> dict:
    """{(user id, Administration id): name} of the Administrations' focal points and deputies, in one query.

    A person who is both (a deputy of their Administration before being designated) is named as its
    focal point.
    """
    ids = list(administration_ids)
    focal_points = (
        FocalPoint.objects.filter(administration_id__in=ids, user__isnull=False)
        .annotate(is_focal_point=Value(True))
        .order_by()
        .values_list("user_id", "administration_id", "name", "is_focal_point")
    )
    deputies = (
        Deputyship.objects.filter(administration_id__in=ids, user__isnull=False)
        .exclude(status__in=[DeputyshipStatus.PROPOSED, DeputyshipStatus.DECLINED])
        .annotate(is_focal_point=Value(False))
        .order_by()
        .values_list("user_id", "administration_id", "name", "is_focal_point")
    )
    names = {}
    # Deputies first, so that a focal point's own name wins.
    for user_id, admin_id, name, _is_focal_point in sorted(
        focal_points.union(deputies, all=True), key=lambda row: row[3]
    ):
        names[(user_id, admin_id)] = name
    return names


def _decided_by_viewer(decided_by_id, viewer) -> bool:
    return viewer is not None and decided_by_id is not None and decided_by_id == getattr(viewer, "pk", None)


def decision_summary(*, registration: Registration, names: dict | None = None, viewer=None) -> str:
    """'validated by X at T' / 'rejected by X at T', shown to whoever comes later.

    To the person who decided (``viewer``), their own decision: "You approved this registration at T".
    ``names`` (``focal_point_names``) saves a query per registration on a page listing many.
    """
    when = _when(registration.decided_at)
    validated = registration.status == RegistrationStatus.VALIDATED
    if _decided_by_viewer(registration.decided_by_id, viewer):
        if registration.decided_on_behalf:
            if validated:
                return _("You approved this registration on behalf of the Administration at %(when)s.") % {
                    "when": when
                }
            return _("You rejected this registration on behalf of the Administration at %(when)s.") % {"when": when}
        if validated:
            return _("You approved this registration at %(when)s.") % {"when": when}
        return _("You rejected this registration at %(when)s.") % {"when": when}
    values = {"who": decider_label(registration=registration, names=names), "when": when}
    if validated:
        return _("This registration was already validated by %(who)s at %(when)s.") % values
    return _("This registration was already rejected by %(who)s at %(when)s.") % values


def cancellation_summary(*, registration: Registration) -> str:
    """What a focal point reads when the registrant cancelled the registration they came to decide on."""
    if registration.cancelled_at:
        return _("The registrant cancelled this registration at %(when)s; there is nothing to decide.") % {
            "when": _when(registration.cancelled_at)
        }
    return _("The registrant cancelled this registration; there is nothing to decide.")


def sme_eligibility_summary(*, sme: SME, viewer=None) -> str:
    """'confirmed by X at T' / 'refused by X at T'; to the person who decided (``viewer``), their own decision."""
    if _decided_by_viewer(sme.eligibility_decided_by_id, viewer):
        values = {
            "sme": sme.name,
            "when": _when(sme.eligibility_decided_at) if sme.eligibility_decided_at else _("an unrecorded time"),
        }
        if sme.eligibility == Eligibility.CONFIRMED:
            return _("You confirmed that %(sme)s meets the national criteria at %(when)s.") % values
        return _("You found that %(sme)s does not meet the national criteria at %(when)s.") % values
    values = {
        "sme": sme.name,
        "who": _person_name(user=sme.eligibility_decided_by, administration_id=sme.administration_id),
        "when": _when(sme.eligibility_decided_at) if sme.eligibility_decided_at else _("an unrecorded time"),
    }
    if sme.eligibility == Eligibility.CONFIRMED:
        return _("%(sme)s was already confirmed by %(who)s at %(when)s.") % values
    return _("%(sme)s was already refused by %(who)s at %(when)s.") % values


# --- Separation of duties -------------------------------------------------------------------------

OWN_INTEREST_MESSAGE = _lazy(
    "You cannot decide on your own registration or on an SME you represent or declared: another focal point "
    "of your Administration, or the secretariat, decides on it."
)


def represented_sme_id(*, user) -> int | None:
    """The SME the user represents, if any (one query; pass it to ``has_own_interest`` for many rows)."""
    return ParticipantProfile.objects.filter(user_id=user.pk).values_list("sme_id", flat=True).first()


def has_own_interest(
    *, user_id: int, user_sme_id: int | None, sme: SME, registrant_user_id: int | None = None
) -> bool:
    """Separation of duties: nobody decides on their own registration, nor on an SME they represent or declared.

    A focal point who also represents an SME of their country (or declared it) leaves the decision
    to another focal point or to the secretariat.
    """
    return (
        user_id == registrant_user_id
        or (user_sme_id is not None and user_sme_id == sme.pk)
        or sme.created_by_id == user_id
    )
