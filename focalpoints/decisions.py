"""Decisions of the focal-point work: on registrations, and on the SME eligibility they confirm.

The letter: each registration is sent "for validation to the Focal Points designated by each
Administration". Terms of reference, point 4: the request of an SME "will be submitted via the
concerned administration, which should confirm that they meet the national criteria".

Who may decide is checked here, in one place (``_decider_check``): an active focal point of the
registration's Administration, or secretariat staff deciding on the Administration's behalf.
A decision on a registration is written in one place too (``_registration_decision_write``),
whichever path takes it, and so is its undoing when the secretariat reopens it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from registration.models import ACTIVE_STATUSES, SME, Eligibility, ParticipantProfile, Registration, RegistrationStatus

from . import selectors
from .notifications import (
    registration_outcome_queue,
    registration_reopened_notify_registrant,
    registrations_notify_focal_points,
)

DECISION_FIELDS = ("status", "decided_by", "decided_at", "decided_on_behalf", "reason")
REOPEN_PERMISSION = "registration.change_registration"
# The reason of a reopening is kept as the history record's change reason, whose column is this long.
REOPEN_REASON_MAX_LENGTH = Registration.history.model._meta.get_field("history_change_reason").max_length


class DecisionNotAllowed(ValidationError):
    """The user may not decide for this Administration (views answer 403)."""


class RegistrationAlreadyDecided(ValidationError):
    """The registration was validated or rejected before: "already validated by X at T" (views: 409)."""


class RegistrationCancelled(ValidationError):
    """The registrant cancelled it: nothing left to decide (views: 410)."""


class SMEAlreadyDecided(ValidationError):
    """The Administration already confirmed or refused the SME (views: 409)."""


# --- Authorization --------------------------------------------------------------------------------


def _decider_check(*, user, administration_id: int, on_behalf: bool) -> None:
    """Only an active focal point of the Administration decides; the secretariat only on its behalf."""
    if on_behalf:
        if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
            raise DecisionNotAllowed(
                _("Only secretariat staff can decide on behalf of an Administration."), code="forbidden"
            )
        return
    if not (getattr(user, "is_authenticated", False) and user.is_active) or not selectors.is_focal_point_of(
        user=user, administration_id=administration_id
    ):
        raise DecisionNotAllowed(
            _("Only an active focal point of this registration's Administration can decide on it."),
            code="forbidden",
        )


def _reopener_check(*, user) -> None:
    """Only secretariat staff who may change registrations (or a superuser) reopen a decision."""
    allowed = (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm(REOPEN_PERMISSION)))
    )
    if not allowed:
        raise DecisionNotAllowed(
            _("Only secretariat staff who may change registrations can reopen a decision."), code="not_allowed"
        )


def _own_interest_check(*, user, sme: SME, registrant_user_id: int | None = None) -> None:
    user_sme_id = selectors.represented_sme_id(user=user)
    if selectors.has_own_interest(
        user_id=user.pk, user_sme_id=user_sme_id, sme=sme, registrant_user_id=registrant_user_id
    ):
        raise DecisionNotAllowed(selectors.OWN_INTEREST_MESSAGE, code="own_interest")


# --- The writes -----------------------------------------------------------------------------------


def _registration_decision_write(
    registration: Registration,
    *,
    status: str,
    decided_by,
    decided_at,
    on_behalf: bool,
    reason: str,
    changed_by=None,
    change_reason: str | None = None,
) -> None:
    """Record a decision on a registration: every decision path writes its fields here, and only here.

    ``changed_by`` and ``change_reason`` go to the history record of this change (by default, the
    request's user and no reason).
    """
    if changed_by is not None:
        registration._history_user = changed_by
    if change_reason is not None:
        registration._change_reason = change_reason
    registration.status = status
    registration.decided_by = decided_by
    registration.decided_at = decided_at
    registration.decided_on_behalf = on_behalf
    registration.reason = reason
    fields = [*DECISION_FIELDS, "updated_at"]
    if status == RegistrationStatus.PENDING:
        # Reopened: the new decision has its own approve-by window, and is taken up again if it nears.
        registration.escalated_at = None
        fields.append("escalated_at")
    registration.save(update_fields=fields)


def _sme_eligibility_record(*, sme: SME, eligibility: str, decided_by, now, reason: str) -> None:
    sme.eligibility = eligibility
    sme.eligibility_decided_by = decided_by
    sme.eligibility_decided_at = now
    sme.eligibility_reason = reason
    sme.save(
        update_fields=[
            "eligibility",
            "eligibility_decided_by",
            "eligibility_decided_at",
            "eligibility_reason",
            "updated_at",
        ]
    )


# --- Decisions on registrations -------------------------------------------------------------------


def registration_decide(
    *, registration: Registration, decided_by, approve: bool, reason: str = "", on_behalf: bool = False
) -> Registration:
    """Approve or reject a pending registration, once: whoever comes later reads who decided, and when.

    Only the secretariat's reopening (``registration_reopen``) makes it pending again, for a new decision.

    The SME's row, then the registration's, are locked (in that order, as in
    ``sme_eligibility_decide``), so two decisions at the same instant take turns and the second
    finds it decided: ``RegistrationAlreadyDecided`` ("already validated by X at T", or "You approved
    this registration at T" when X is ``decided_by``). Approving a
    registration whose SME is pending also confirms the SME, as the Administration's confirmation
    that it meets the national criteria (terms of reference, point 4). A rejection needs a reason,
    which the registrant reads. The registrant's email is queued with the decision.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        sme_id = Registration.objects.filter(pk=registration.pk).values_list("sme_id", flat=True).first()
        if sme_id is None:
            raise ValidationError(_("This registration no longer exists."), code="not_found")
        sme = SME.objects.select_for_update(of=("self",)).select_related("administration").get(pk=sme_id)
        _decider_check(user=decided_by, administration_id=sme.administration_id, on_behalf=on_behalf)
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related(
                "participant", "participant__user__preferences", "meeting", "meeting__study_group", "decided_by"
            )
            .get(pk=registration.pk)
        )
        locked.sme = sme
        _own_interest_check(user=decided_by, sme=sme, registrant_user_id=locked.participant.user_id)
        if locked.status in selectors.DECIDED_STATUSES:
            raise RegistrationAlreadyDecided(
                selectors.decision_summary(registration=locked, viewer=decided_by), code="already_decided"
            )
        if locked.status == RegistrationStatus.CANCELLED:
            raise RegistrationCancelled(selectors.cancellation_summary(registration=locked), code="cancelled")
        if not approve and not reason:
            raise ValidationError(
                {"reason": _("Give the reason for the rejection; the registrant will read it.")}, code="required"
            )
        if approve and sme.eligibility == Eligibility.REFUSED:
            raise ValidationError(
                _("%(sme)s was found not to meet the national criteria, so its registrations cannot be approved.")
                % {"sme": sme.name},
                code="sme_refused",
            )
        now = timezone.now()
        if approve and sme.eligibility == Eligibility.PENDING:
            _sme_eligibility_record(
                sme=sme,
                eligibility=Eligibility.CONFIRMED,
                decided_by=decided_by,
                now=now,
                reason=_("Confirmed when approving the registration of %(person)s.")
                % {"person": locked.participant.full_name},
            )
        _registration_decision_write(
            locked,
            status=RegistrationStatus.VALIDATED if approve else RegistrationStatus.REJECTED,
            decided_by=decided_by,
            decided_at=now,
            on_behalf=on_behalf,
            reason=reason,
        )
        registration_outcome_queue(registration=locked)
    return locked


def registrations_approve(*, registrations, decided_by) -> tuple[list[Registration], list[tuple[Registration, str]]]:
    """Bulk approve (the focal-point page): each one decided on its own; returns (approved, refused)."""
    approved, refused = [], []
    for registration in registrations:
        try:
            approved.append(registration_decide(registration=registration, decided_by=decided_by, approve=True))
        except ValidationError as error:
            refused.append((registration, " ".join(error.messages)))
    return approved, refused


def registration_reopen(*, registration: Registration, reopened_by, reason: str) -> Registration:
    """Make a validated or rejected registration pending again, for its Administration to decide anew.

    The secretariat's one way to undo a decision (the Administration decided in error, or a
    rejected registrant brought what was missing): a registration is decided once by its
    Administration's focal points (the letter), so only secretariat staff allowed to change
    registrations reopen one, with a reason, and only while its meeting has not ended. The
    decision is cleared by the same write that records one; the reason is kept in the
    registration's history. The registrant is told in their own language, and the
    Administration's active focal points get a fresh validation email (a new link) saying that it
    was reopened and why. The rows of the person, the SME and the registration are locked in that
    order: a registration of the same person for the same meeting, a decision or the SME's refusal
    at the same instant wait for the reopening, or it waits for them. Refusals carry a code:
    ``not_allowed``, ``reason_required``, ``reason_too_long``, ``not_found``, ``not_decided``,
    ``meeting_over``, ``already_registered``.
    """
    _reopener_check(user=reopened_by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Give the reason for reopening; the registrant and the focal points will read it."),
            code="reason_required",
        )
    if REOPEN_REASON_MAX_LENGTH is not None and len(reason) > REOPEN_REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason to %(limit)d characters: it is kept in the registration's history.")
            % {"limit": REOPEN_REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    with transaction.atomic():
        ids = Registration.objects.filter(pk=registration.pk).values_list("participant_id", "sme_id").first()
        if ids is None:
            raise ValidationError(_("This registration no longer exists."), code="not_found")
        participant_id, sme_id = ids
        # Serializes with a new registration of this person (registration_create locks it too).
        ParticipantProfile.objects.select_for_update().filter(pk=participant_id).values_list("pk").get()
        sme = SME.objects.select_for_update(of=("self",)).select_related("administration").get(pk=sme_id)
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("participant", "participant__user__preferences", "meeting", "meeting__study_group")
            .get(pk=registration.pk)
        )
        locked.sme = sme
        if locked.status not in selectors.DECIDED_STATUSES:
            raise ValidationError(
                _("This registration is %(status)s: only a validated or rejected registration can be reopened.")
                % {"status": locked.get_status_display().lower()},
                code="not_decided",
            )
        if locked.meeting.ends_on < timezone.localdate():
            raise ValidationError(
                _("%(meeting)s ended on %(date)s: its registrations are no longer reopened.")
                % {"meeting": locked.meeting.title, "date": date_format(locked.meeting.ends_on)},
                code="meeting_over",
            )
        if (
            Registration.objects.filter(
                participant_id=participant_id, meeting_id=locked.meeting_id, status__in=ACTIVE_STATUSES
            )
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ValidationError(
                _(
                    "%(person)s registered again for %(meeting)s since: reopening this registration would give "
                    "them two. Decide on the newer one instead."
                )
                % {"person": locked.participant.full_name, "meeting": locked.meeting.title},
                code="already_registered",
            )
        previous_status = locked.status
        _registration_decision_write(
            locked,
            status=RegistrationStatus.PENDING,
            decided_by=None,
            decided_at=None,
            on_behalf=False,
            reason="",
            changed_by=reopened_by,
            change_reason=reason,
        )
        registration_reopened_notify_registrant(registration=locked, previous_status=previous_status, reason=reason)
        registrations_notify_focal_points(registrations=[locked], reopened_reason=reason)
    return locked


# --- Decisions on SMEs ----------------------------------------------------------------------------


def sme_eligibility_decide(*, sme: SME, decided_by, confirm: bool, reason: str = "", on_behalf: bool = False) -> SME:
    """Confirm or refuse that a pending SME meets the national criteria (terms of reference, point 4).

    Decided once, like a registration. Refusing needs a reason, and rejects the SME's pending
    registrations with it, each registrant being told; validated ones stay (each was approved).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = SME.objects.select_for_update(of=("self",)).select_related("administration", "eligibility_decided_by")
        locked = locked.get(pk=sme.pk)
        _decider_check(user=decided_by, administration_id=locked.administration_id, on_behalf=on_behalf)
        _own_interest_check(user=decided_by, sme=locked)
        if locked.eligibility != Eligibility.PENDING:
            raise SMEAlreadyDecided(
                selectors.sme_eligibility_summary(sme=locked, viewer=decided_by), code="already_decided"
            )
        if not confirm and not reason:
            raise ValidationError(
                {"reason": _("Give the reason for the refusal; the SME's representatives will read it.")},
                code="required",
            )
        now = timezone.now()
        eligibility = Eligibility.CONFIRMED if confirm else Eligibility.REFUSED
        _sme_eligibility_record(sme=locked, eligibility=eligibility, decided_by=decided_by, now=now, reason=reason)
        if confirm:
            return locked
        pending = (
            Registration.objects.select_for_update(of=("self",))
            .filter(sme=locked, status=RegistrationStatus.PENDING)
            .select_related("participant", "participant__user__preferences", "meeting", "meeting__study_group")
            .order_by("pk")
        )
        registration_reason = _(
            "Your Administration found that %(sme)s does not meet the national criteria for SMEs: %(reason)s"
        ) % {"sme": locked.name, "reason": reason}
        for registration in pending:
            registration.sme = locked
            _registration_decision_write(
                registration,
                status=RegistrationStatus.REJECTED,
                decided_by=decided_by,
                decided_at=now,
                on_behalf=on_behalf,
                reason=registration_reason,
            )
            registration_outcome_queue(registration=registration)
    return locked
