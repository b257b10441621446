"""The no-decision-making rule, written once (terms of reference, point 3).

Council 2017 terms of reference for the SME pilot, point 3: SMEs "may participate fully in the
meetings of the participating Study Groups conducting the pilot project, with the exception of any
role in decision-making, including leadership roles and the adoption of resolutions or
recommendations regardless of the approval procedures."

The invariant, for every person: nobody who holds a current leadership appointment or is recorded
in a decision is an SME representative. An *SME representative* is a person whose participant
profile names an SME, or who has an active (pending or validated) registration for a meeting not
yet over; an appointment is *current* when it has no end or ends today or later.

The services and the admin's forms call the checks below before they write, so that people read
the rule's message beside the field. The database holds the same invariant with triggers on
PostgreSQL and SQLite (meetings migration 0005), whose errors start with ``DB_ERROR_PREFIX``:
``refused_by_database`` turns them into the same message, for a write that raced another.
``rule_violations`` states the invariant as a query, for tests and audits.
"""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.models import ACTIVE_STATUSES, ParticipantProfile, Registration

from .models import Appointment, DecisionParticipant

NO_DECISION_MAKING_MESSAGE = _(
    "An SME representative cannot hold a leadership role or take part in adopting a decision "
    "(SME pilot terms of reference, point 3)."
)
ALREADY_DECISION_MAKER_MESSAGE = _(
    "This person holds a leadership appointment or is recorded in a decision, so they cannot "
    "represent an SME (SME pilot terms of reference, point 3). Ask the secretariat to end the "
    "appointment first."
)
SME_NO_DECISION_MAKING = "sme_no_decision_making"
DECISION_MAKER_CANNOT_BE_SME = "decision_maker_cannot_be_sme"
# Starts the message of the database's triggers (meetings migration 0005) on both engines.
DB_ERROR_PREFIX = "smepilot: terms of reference point 3"


def _represents_an_sme(person_ref, *, on):
    """Q: the person (a user id or OuterRef) represents an SME on the date `on`."""
    by_profile = ParticipantProfile.objects.filter(user=person_ref, sme__isnull=False)
    by_registration = Registration.objects.filter(
        participant__user=person_ref, status__in=ACTIVE_STATUSES, meeting__ends_on__gte=on
    )
    return Exists(by_profile) | Exists(by_registration)


def _holds_a_decision_role(person_ref, *, on):
    current = Appointment.objects.filter(person=person_ref).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    recorded = DecisionParticipant.objects.filter(person=person_ref)
    return Exists(current) | Exists(recorded)


def sme_representatives(*, on=None):
    """People who represent an SME: by their profile, or by an active registration for a coming meeting."""
    on = on or timezone.localdate()
    return get_user_model().objects.filter(_represents_an_sme(OuterRef("pk"), on=on))


def decision_makers(*, on=None):
    """People who hold a current leadership appointment or are recorded in a decision."""
    on = on or timezone.localdate()
    return get_user_model().objects.filter(_holds_a_decision_role(OuterRef("pk"), on=on))


def decision_making_eligible_people(*, on=None):
    """People who may be appointed to leadership or recorded in a decision: everyone but SME representatives."""
    on = on or timezone.localdate()
    return get_user_model().objects.exclude(_represents_an_sme(OuterRef("pk"), on=on))


def rule_violations(*, on=None):
    """People who break the invariant. Always empty: the database refuses every write that would add one."""
    on = on or timezone.localdate()
    return decision_makers(on=on).filter(_represents_an_sme(OuterRef("pk"), on=on))


def is_sme_representative(user, *, on=None) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    return sme_representatives(on=on).filter(pk=user.pk).exists()


def holds_decision_making_role(user, *, on=None) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    return decision_makers(on=on).filter(pk=user.pk).exists()


def _refusal(message, code, field):
    return ValidationError({field: message} if field else message, code=code)


def decision_making_role_check(*, person, field: str | None = "person") -> None:
    """Refuse to give an SME representative a leadership role or a place in a decision (terms of reference, point 3).

    Raises ValidationError on `field`, so that forms show the rule's message beside it.
    """
    if is_sme_representative(person):
        raise _refusal(NO_DECISION_MAKING_MESSAGE, SME_NO_DECISION_MAKING, field)


def sme_representation_check(*, user, field: str | None = "sme") -> None:
    """Refuse to make a leader or decision-maker an SME representative, by profile or registration (point 3).

    The rule is enforced by refusing, not by flagging afterwards, so it can never be broken after
    the fact: the secretariat ends the appointment first. Call it before naming an SME in a
    profile or creating an active registration (not when clearing or cancelling).
    """
    if holds_decision_making_role(user):
        raise _refusal(ALREADY_DECISION_MAKER_MESSAGE, DECISION_MAKER_CANNOT_BE_SME, field)


@contextmanager
def refused_by_database(*, field: str | None, sme_side: bool):
    """Turn the database's refusal into the rule's message on `field`.

    The checks above run before a write; a write that raced another (an appointment committed
    between the check and the write) is refused by the triggers, whose IntegrityError becomes the
    message the check would have given: `sme_side` when the person turned out to be an SME
    representative, else the person turned out to hold a decision-making role. `field` None
    gives an error of the whole form.
    """
    try:
        yield
    except IntegrityError as error:
        if DB_ERROR_PREFIX not in str(error):
            raise
        if sme_side:
            raise _refusal(NO_DECISION_MAKING_MESSAGE, SME_NO_DECISION_MAKING, field) from error
        raise _refusal(ALREADY_DECISION_MAKER_MESSAGE, DECISION_MAKER_CANNOT_BE_SME, field) from error
