"""Focal-point work: notifying them, their decisions, the SME eligibility they confirm.

The letter: "When the representatives of the SMEs concerned register online, an e-mail
notification will be sent for validation to the Focal Points designated by each Administration."
Terms of reference, point 4: the request of an SME "will be submitted via the concerned
administration, which should confirm that they meet the national criteria".

Who may decide is checked here, in one place (``_decider_check``): an active focal point of the
registration's Administration, or secretariat staff deciding on the Administration's behalf.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import override

from registration.models import SME, Attendance, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.services import mail_queue

from . import links, selectors
from .ics import meeting_ics, meeting_ics_filename
from .models import FocalPoint

logger = logging.getLogger(__name__)

# A digest is not sent twice to one focal point within this time, even if the beat fires twice.
REMINDER_MIN_INTERVAL = timedelta(hours=20)

DECIDED_STATUSES = (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)


class DecisionNotAllowed(ValidationError):
    """The user may not decide for this Administration (views answer 403)."""


class RegistrationAlreadyDecided(ValidationError):
    """The registration was validated or rejected before: "already validated by X at T" (views: 409)."""


class RegistrationCancelled(ValidationError):
    """The registrant cancelled it: nothing left to decide (views: 410)."""


class SMEAlreadyDecided(ValidationError):
    """The Administration already confirmed or refused the SME (views: 409)."""


# --- Labels ------------------------------------------------------------------------------------


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
    """{(user id, Administration id): name} of the Administrations' focal points, in one query."""
    rows = FocalPoint.objects.filter(administration_id__in=list(administration_ids), user__isnull=False)
    return {
        (user_id, admin_id): name
        for user_id, admin_id, name in rows.values_list("user_id", "administration_id", "name")
    }


def decision_summary(*, registration: Registration, names: dict | None = None) -> str:
    """'validated by X at T' / 'rejected by X at T', shown to whoever comes later.

    ``names`` (``focal_point_names``) saves a query per registration on a page listing many.
    """
    values = {"who": decider_label(registration=registration, names=names), "when": _when(registration.decided_at)}
    if registration.status == RegistrationStatus.VALIDATED:
        return _("This registration was already validated by %(who)s at %(when)s.") % values
    return _("This registration was already rejected by %(who)s at %(when)s.") % values


def _cancelled_message(registration: Registration) -> str:
    if registration.cancelled_at:
        return _("The registrant cancelled this registration at %(when)s; there is nothing to decide.") % {
            "when": _when(registration.cancelled_at)
        }
    return _("The registrant cancelled this registration; there is nothing to decide.")


# --- Authorization -----------------------------------------------------------------------------


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


def _own_interest_check(*, user, sme: SME, registrant_user_id: int | None = None) -> None:
    user_sme_id = represented_sme_id(user=user)
    if has_own_interest(user_id=user.pk, user_sme_id=user_sme_id, sme=sme, registrant_user_id=registrant_user_id):
        raise DecisionNotAllowed(OWN_INTEREST_MESSAGE, code="own_interest")


# --- Focal-point accounts ----------------------------------------------------------------------


def _unverified_claims_remove(*, email: str, focal_point: FocalPoint) -> None:
    """Take a designated address away from the accounts that claimed it without ever verifying it."""
    for claim in EmailAddress.objects.filter(email__iexact=email, verified=False).select_related("user"):
        logger.warning(
            "Focal point %s: removing unverified %s from account %s (designated by the secretariat).",
            focal_point.pk,
            email,
            claim.user_id,
        )
        if claim.user.email.lower() == email.lower():
            claim.user.email = ""
            claim.user.save(update_fields=["email"])
        claim.delete()


def focal_point_account_ensure(*, focal_point: FocalPoint):
    """Give a focal point designated by the secretariat (an email, no account) an account to sign in with.

    allauth lets nobody sign in by an emailed code with an address it does not know (and says
    nothing, to prevent enumeration), so the focal point needs an account before their first
    link. Called when they are first emailed a link (and usable from the admin): it links the
    account that already owns the address with a *verified* EmailAddress, or creates one (no
    password; the secretariat designated the address, and the emailed code proves it is theirs).
    An address someone signed up with but never verified proves nothing: it may be a squatter's,
    signed up in advance with a password of their own to be linked once the real focal point signs
    in by code. The designation wins: the unverified claim is removed from that account, and the
    focal point gets an account of their own.
    """
    if focal_point.user_id:
        return focal_point.user
    email = focal_point.email.strip()
    with transaction.atomic():
        locked = FocalPoint.objects.select_for_update().get(pk=focal_point.pk)
        if locked.user_id is None:
            _unverified_claims_remove(email=email, focal_point=locked)
            address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
            user_model = get_user_model()
            if address is None and user_model.objects.filter(email__iexact=email).exists():
                logger.warning("Focal point %s: an account has %s without an allauth address.", locked.pk, email)
                return None
            if address is not None:
                user = address.user
            else:
                user = user_model(username=generate_unique_username([email, locked.name]), email=email)
                user.set_unusable_password()
                user.save()
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            locked.user = user
            locked.save(update_fields=["user"])
        focal_point.user = locked.user
    return focal_point.user


def focal_point_save(*, focal_point: FocalPoint, email_changed: bool) -> FocalPoint:
    """Save a focal point as the secretariat designated it, and link its account.

    The designation is the email address: the account linked to a focal point is the one that
    owns that address. When the secretariat changes the address (a typo corrected, a successor
    named), the previously linked account no longer decides for the Administration unless it
    owns the new address too; the account of the new address is linked, or created, at once.
    """
    with transaction.atomic():
        if email_changed and focal_point.user_id is not None:
            owns_address = EmailAddress.objects.filter(
                user_id=focal_point.user_id, email__iexact=focal_point.email.strip(), verified=True
            ).exists()
            if not owns_address:
                focal_point.user = None
        focal_point.save()
        if focal_point.is_active:
            focal_point_account_ensure(focal_point=focal_point)
    return focal_point


def focal_points_link_user(*, user) -> int:
    """Link the active focal points whose email is one of the user's verified addresses (at sign-in)."""
    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    linked = 0
    for email in emails:
        linked += FocalPoint.objects.filter(user__isnull=True, is_active=True, email__iexact=email).update(user=user)
    return linked


# --- Notifications -----------------------------------------------------------------------------


def _registrations_loaded(registrations) -> list[Registration]:
    ids = [registration.pk for registration in registrations]
    return list(
        Registration.objects.filter(pk__in=ids)
        .select_related("participant", "participant__user", "sme", "sme__administration", "meeting")
        .order_by("meeting__starts_on", "pk")
    )


def registrations_notify_focal_points(*, registrations) -> int:
    """Email every active focal point of the registrations' Administration, one email per batch.

    The email names the person, the SME (and whether its eligibility is still pending), the
    meetings and attendance, and carries a signed link to the request (``focalpoints.links``).
    Called inside the registration's transaction: the rows are stored with it and sent on commit.
    Returns how many emails were queued.
    """
    batches = defaultdict(list)
    for registration in _registrations_loaded(registrations):
        key = (registration.sme.administration_id, registration.participant_id, registration.sme_id)
        batches[key].append(registration)
    queued = 0
    for (administration_id, _participant_id, _sme_id), batch in batches.items():
        focal_points = list(selectors.active_focal_points(administration_id=administration_id))
        if not focal_points:
            # Nobody to tell: the request shows in the admin's overdue list after the reminder delay.
            logger.warning(
                "No active focal point for Administration %s; registrations %s wait unseen.",
                administration_id,
                [registration.pk for registration in batch],
            )
            continue
        first = batch[0]
        for focal_point in focal_points:
            focal_point_account_ensure(focal_point=focal_point)
            mail_queue(
                to=focal_point.email,
                template="emails/focalpoint_registration_new",
                context={
                    "focal_point": focal_point,
                    "participant": first.participant,
                    "registrant_email": first.participant.user.email,
                    "sme": first.sme,
                    "sme_pending": first.sme.eligibility == Eligibility.PENDING,
                    "administration": first.sme.administration,
                    "registrations": batch,
                    "link_url": links.link_url(
                        registration_ids=[registration.pk for registration in batch],
                        focal_point_id=focal_point.pk,
                        administration_id=administration_id,
                    ),
                    "link_max_age_days": settings.VALIDATION_LINK_MAX_AGE_DAYS,
                    "pending_url": settings.SITE_URL + reverse("focalpoints:pending"),
                },
                # No language preference is recorded for focal points: the site's default.
                language=settings.LANGUAGE_CODE,
            )
            queued += 1
    return queued


def focal_point_notification_resend(*, registration: Registration) -> int:
    """Email the focal points again about one pending registration (the secretariat's admin action)."""
    with transaction.atomic():
        registration = Registration.objects.select_related("sme__administration").get(pk=registration.pk)
        if registration.status != RegistrationStatus.PENDING:
            raise ValidationError(
                _("This registration is %(status)s: only pending registrations wait for the focal points.")
                % {"status": registration.get_status_display().lower()},
                code="not_pending",
            )
        if not selectors.active_focal_points(administration_id=registration.sme.administration_id).exists():
            raise ValidationError(
                _("The Administration of %(country)s has no active focal point. Add one, then send again.")
                % {"country": registration.sme.administration},
                code="no_focal_point",
            )
        return registrations_notify_focal_points(registrations=[registration])


def registration_cancelled_notify_focal_points(*, registration: Registration) -> int:
    """Tell the focal points that a validated registration was cancelled by its registrant."""
    [registration] = _registrations_loaded([registration])
    queued = 0
    for focal_point in selectors.active_focal_points(administration_id=registration.sme.administration_id):
        mail_queue(
            to=focal_point.email,
            template="emails/focalpoint_registration_cancelled",
            context={
                "focal_point": focal_point,
                "registration": registration,
                "participant": registration.participant,
                "sme": registration.sme,
                "meeting": registration.meeting,
                "administration": registration.sme.administration,
                "decided_url": settings.SITE_URL + reverse("focalpoints:pending"),
            },
            language=settings.LANGUAGE_CODE,
        )
        queued += 1
    return queued


# --- Outcome to the registrant ---------------------------------------------------------------


def _registrant_language(*, email: str) -> str:
    """The language the registrant registered in (their acknowledgement's), as no preference is stored."""
    language = (
        OutgoingMessage.objects.filter(to=email, template="emails/registration_acknowledgement")
        .order_by("-pk")
        .values_list("language", flat=True)
        .first()
    )
    return language or settings.LANGUAGE_CODE


def _outcome_queue(*, registration: Registration) -> OutgoingMessage:
    """The registrant's email: validated (with the meeting's .ics) or rejected (with the reason)."""
    validated = registration.status == RegistrationStatus.VALIDATED
    email = registration.participant.user.email
    language = _registrant_language(email=email)
    attachments = None
    if validated:
        with override(language):
            attachments = [
                {
                    "filename": meeting_ics_filename(registration=registration),
                    "content": meeting_ics(registration=registration),
                    "mimetype": "text/calendar",
                }
            ]
    return mail_queue(
        to=email,
        template="emails/registration_decided",
        context={
            "registration": registration,
            "participant": registration.participant,
            "meeting": registration.meeting,
            "sme": registration.sme,
            "administration": registration.sme.administration,
            "validated": validated,
            "remote": registration.attendance == Attendance.REMOTE,
            "on_behalf": registration.decided_on_behalf,
            "my_registrations_url": settings.SITE_URL + reverse("registration:list"),
        },
        language=language,
        attachments=attachments,
    )


# --- Decisions -------------------------------------------------------------------------------


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


def registration_decide(
    *, registration: Registration, decided_by, approve: bool, reason: str = "", on_behalf: bool = False
) -> Registration:
    """Approve or reject a pending registration, once (issue 4, "One decision").

    The SME's row, then the registration's, are locked (in that order, as in
    ``sme_eligibility_decide``), so two decisions at the same instant take turns and the second
    finds it decided: ``RegistrationAlreadyDecided`` ("already validated by X at T"). Approving a
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
            .select_related("participant", "participant__user", "meeting", "meeting__study_group", "decided_by")
            .get(pk=registration.pk)
        )
        locked.sme = sme
        _own_interest_check(user=decided_by, sme=sme, registrant_user_id=locked.participant.user_id)
        if locked.status in DECIDED_STATUSES:
            raise RegistrationAlreadyDecided(decision_summary(registration=locked), code="already_decided")
        if locked.status == RegistrationStatus.CANCELLED:
            raise RegistrationCancelled(_cancelled_message(locked), code="cancelled")
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
        locked.status = RegistrationStatus.VALIDATED if approve else RegistrationStatus.REJECTED
        locked.decided_by = decided_by
        locked.decided_at = now
        locked.decided_on_behalf = on_behalf
        locked.reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decided_on_behalf", "reason", "updated_at"])
        _outcome_queue(registration=locked)
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


def sme_eligibility_summary(*, sme: SME) -> str:
    values = {
        "sme": sme.name,
        "who": _person_name(user=sme.eligibility_decided_by, administration_id=sme.administration_id),
        "when": _when(sme.eligibility_decided_at) if sme.eligibility_decided_at else _("an unrecorded time"),
    }
    if sme.eligibility == Eligibility.CONFIRMED:
        return _("%(sme)s was already confirmed by %(who)s at %(when)s.") % values
    return _("%(sme)s was already refused by %(who)s at %(when)s.") % values


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
            raise SMEAlreadyDecided(sme_eligibility_summary(sme=locked), code="already_decided")
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
            .select_related("participant", "participant__user", "meeting", "meeting__study_group")
            .order_by("pk")
        )
        registration_reason = _(
            "Your Administration found that %(sme)s does not meet the national criteria for SMEs: %(reason)s"
        ) % {"sme": locked.name, "reason": reason}
        for registration in pending:
            registration.sme = locked
            registration.status = RegistrationStatus.REJECTED
            registration.decided_by = decided_by
            registration.decided_at = now
            registration.decided_on_behalf = on_behalf
            registration.reason = registration_reason
            registration.save(
                update_fields=["status", "decided_by", "decided_at", "decided_on_behalf", "reason", "updated_at"]
            )
            _outcome_queue(registration=registration)
    return locked


# --- Reminders -------------------------------------------------------------------------------


def focal_point_reminders_queue(*, now=None) -> int:
    """One digest per active focal point of the requests pending longer than the reminder delay.

    Run daily by Celery beat (``focalpoints-reminders``). A focal point reminded less than
    ``REMINDER_MIN_INTERVAL`` ago is skipped, so a beat that fires twice sends one digest; rows
    another run is handling are skipped too (``skip_locked``). Returns how many were queued.
    """
    now = now or timezone.now()
    overdue = list(
        selectors.registrations_overdue(now=now)
        .select_related("participant", "sme", "meeting")
        .order_by("created_at", "pk")
    )
    by_administration = defaultdict(list)
    for registration in overdue:
        by_administration[registration.sme.administration_id].append(registration)
    if not by_administration:
        return 0
    pending_url = settings.SITE_URL + reverse("focalpoints:pending")
    with transaction.atomic():
        focal_points = list(
            FocalPoint.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_active=True, administration_id__in=list(by_administration))
            .exclude(last_reminder_at__gt=now - REMINDER_MIN_INTERVAL)
            .select_related("administration")
            .order_by("pk")
        )
        for focal_point in focal_points:
            focal_point_account_ensure(focal_point=focal_point)
            registrations = by_administration[focal_point.administration_id]
            mail_queue(
                to=focal_point.email,
                template="emails/focalpoint_reminder",
                context={
                    "focal_point": focal_point,
                    "administration": focal_point.administration,
                    "registrations": registrations,
                    "days": settings.VALIDATION_REMINDER_AFTER_DAYS,
                    "pending_url": pending_url,
                    "site_url": settings.SITE_URL,
                },
                language=settings.LANGUAGE_CODE,
            )
        # update(), not save(): a reminder is not a change of the focal point worth a history row.
        FocalPoint.objects.filter(pk__in=[fp.pk for fp in focal_points]).update(last_reminder_at=now)
    return len(focal_points)
