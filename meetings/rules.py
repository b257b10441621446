"""The no-decision-making rule, written once (terms of reference, point 3).

Council 2017 terms of reference for the SME pilot, point 3: SMEs "may participate fully in the
meetings of the participating Study Groups conducting the pilot project, with the exception of any
role in decision-making, including leadership roles and the adoption of resolutions or
recommendations regardless of the approval procedures."

Everything that enforces the rule calls this module: the write services
(meetings.leadership_services), model validation (Appointment.clean, DecisionParticipant.clean),
the admin's choosers and actions, and the participant-profile service (sme_representation_check).
The database holds the same rule in triggers (meetings migration 0003) so that a raw SQL write
cannot break it either.

An "SME representative" is a user whose participant profile names an SME.
"""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NO_DECISION_MAKING_MESSAGE = _(
    "An SME representative cannot hold a leadership role or take part in adopting a decision "
    "(SME pilot terms of reference, point 3)."
)
ALREADY_DECISION_MAKER_MESSAGE = _(
    "This person holds a leadership appointment or is recorded in a decision, so they cannot "
    "represent an SME (SME pilot terms of reference, point 3). Ask the secretariat to end the "
    "appointment first."
)
# Raised by the database triggers (migration 0003); the same words, so that tests and logs match.
DB_ERROR_PREFIX = "smepilot: terms of reference point 3"


def sme_representatives():
    """Users who represent an SME (terms of reference, point 3: no decision-making role)."""
    return get_user_model().objects.filter(participant__sme__isnull=False)


def decision_making_eligible_people():
    """Users who may be appointed to leadership or recorded in a decision: everyone but SME representatives.

    Terms of reference, point 3. Written with NOT EXISTS so that users without a participant
    profile (secretariat, delegates) are kept.
    """
    from registration.models import ParticipantProfile

    sme_profile = ParticipantProfile.objects.filter(user=OuterRef("pk"), sme__isnull=False)
    return get_user_model().objects.filter(~Exists(sme_profile))


def is_sme_representative(user):
    """True when the user represents an SME (terms of reference, point 3)."""
    if user is None or not getattr(user, "pk", None):
        return False
    from registration.models import ParticipantProfile

    return ParticipantProfile.objects.filter(user_id=user.pk, sme__isnull=False).exists()


def decision_making_role_check(*, person):
    """Refuse to give an SME representative any decision-making role.

    Terms of reference, point 3: SMEs participate fully "with the exception of any role in
    decision-making, including leadership roles and the adoption of resolutions or
    recommendations regardless of the approval procedures."

    Raises ValidationError keyed on "person" so that admin forms show it beside the field.
    """
    if is_sme_representative(person):
        raise ValidationError({"person": NO_DECISION_MAKING_MESSAGE}, code="sme_no_decision_making")


def holds_decision_making_role(user, *, on=None):
    """True when the user holds a current appointment (ends_on null or >= today) or is recorded in a decision."""
    if user is None or not getattr(user, "pk", None):
        return False
    from meetings.models import Appointment, DecisionParticipant

    on = on or timezone.localdate()
    current = Appointment.objects.filter(person_id=user.pk).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    return current.exists() or DecisionParticipant.objects.filter(person_id=user.pk).exists()


def sme_representation_check(*, user):
    """Refuse to make a leader or decision-maker an SME representative.

    Decision (issue 5, must-have 2) for "a person who becomes an SME representative while holding
    such a role": it is REFUSED, not flagged, so the rule of terms of reference point 3 can never
    be broken after the fact. Call this before setting ParticipantProfile.sme to an SME (not when
    clearing it). Raises ValidationError keyed on "sme".
    """
    if holds_decision_making_role(user):
        raise _decision_maker_as_sme_refused()


def _decision_maker_as_sme_refused() -> ValidationError:
    return ValidationError({"sme": ALREADY_DECISION_MAKER_MESSAGE}, code="decision_maker_cannot_be_sme")


@contextmanager
def sme_representation_refused_by_database():
    """Turn the database's refusal of an SME representative who holds a role into the rule's message.

    ``sme_representation_check`` runs before the write; an appointment committed by someone else
    between the check and the write is caught by the trigger (migration 0003), which raises
    IntegrityError. Wrap the write that sets ParticipantProfile.sme in this so that the person
    reads the same message as from the check, never a server error.
    """
    try:
        yield
    except IntegrityError as error:
        if DB_ERROR_PREFIX in str(error):
            raise _decision_maker_as_sme_refused() from error
        raise
