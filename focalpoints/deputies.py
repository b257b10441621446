"""Deputies of focal points: named by a focal point, confirmed or declined by the secretariat, ended early.

The letter sends each registration "for validation to the Focal Points designated by each
Administration". A focal point who will be away names a deputy for a period, so that requests
do not wait for their return; the secretariat, who records the focal points an Administration
designates, confirms the deputy before they decide anything (focalpoints.selectors.deciders is
where a confirmed deputy's period counts).

Every write is here, in the history, with who did it. The refusals:
- only an active focal point names a deputy, for their own Administration, and only they (or
  the secretariat) end the deputyship;
- nobody names themselves, nor a person who already decides for the Administration (another of
  its focal points);
- a period starts today or later and ends on or after its first day;
- a focal point's deputyships do not overlap, and a person is not twice a deputy of one
  Administration for overlapping periods;
- no SME representative is named or confirmed: a deputy decides on the registrations of SMEs and
  confirms that SMEs meet the national criteria, the Administration's role (terms of reference,
  point 4), which an SME's representative cannot hold for their competitors, nor, under point 3
  ("with the exception of any role in decision-making"), take on in ITU's processes.

A deputy with no account yet gets one when the secretariat confirms them (no password, like a
focal point the secretariat designates: focalpoints.accounts), and the email that tells them says
to sign in with that address, by a code emailed to it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings.rules import is_sme_representative
from smepilot.outbox.services import mail_queue

from . import selectors
from .accounts import designated_account_find_or_create
from .models import Deputyship, DeputyshipStatus, FocalPoint
from .notifications import focal_point_language

REVIEW_PERMISSION = "focalpoints.change_deputyship"
# Still to be confirmed, or confirmed: the deputyships whose periods may not overlap.
LIVE_STATUSES = (DeputyshipStatus.PROPOSED, DeputyshipStatus.CONFIRMED)


def _refusal(field: str, message: str, code: str) -> ValidationError:
    """A refusal shown beside ``field`` of the form, with its code (the tests and views read it)."""
    return ValidationError({field: ValidationError(message, code=code)})


class DeputyshipNotAllowed(ValidationError):
    """The user may not do this to this deputyship (views answer 403)."""


def _sme_representative_refusal() -> ValidationError:
    return _refusal(
        "email",
        _(
            "This person represents an SME. A deputy decides on SMEs' registrations and confirms that SMEs "
            "meet the national criteria for the Administration (terms of reference, points 3 and 4): name "
            "someone who represents no SME."
        ),
        "sme_representative",
    )


def _account_of(email: str):
    """The account whose verified address this is, if any (the one a deputyship would link)."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).select_related("user").first()
    return address.user if address else None


def _overlapping(*, administration_id: int, focal_point_id: int, email: str, starts_on, ends_on, exclude_pk=None):
    rows = Deputyship.objects.filter(
        Q(focal_point_id=focal_point_id) | Q(administration_id=administration_id, email__iexact=email),
        status__in=LIVE_STATUSES,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.order_by("starts_on").first()


def _overlap_check(*, focal_point: FocalPoint, email: str, starts_on, ends_on, exclude_pk=None) -> None:
    other = _overlapping(
        administration_id=focal_point.administration_id,
        focal_point_id=focal_point.pk,
        email=email,
        starts_on=starts_on,
        ends_on=ends_on,
        exclude_pk=exclude_pk,
    )
    if other is not None:
        raise _refusal(
            "starts_on",
            _(
                "This period overlaps the deputyship of %(name)s from %(first)s to %(last)s. End that one "
                "first, or choose dates that do not overlap."
            )
            % {"name": other.name, "first": date_format(other.starts_on), "last": date_format(other.ends_on)},
            "overlap",
        )


def deputy_name(
    *, focal_point: FocalPoint, named_by, name: str, email: str, starts_on, ends_on, language: str = ""
) -> Deputyship:
    """A focal point names a deputy for a period; the secretariat is asked to confirm (by email).

    Refused (ValidationError, nothing stored): someone who is not this active focal point,
    naming oneself or a person who already decides for the Administration, an SME
    representative, a period that is over, starts in the past or ends before it starts, and a
    period that overlaps another deputyship of the focal point or of the same person.
    """
    name = (name or "").strip()
    email = (email or "").strip()
    today = timezone.localdate()
    with transaction.atomic():
        locked = (
            FocalPoint.objects.select_for_update(of=("self",)).select_related("administration").get(pk=focal_point.pk)
        )
        if not (
            getattr(named_by, "is_authenticated", False)
            and named_by.is_active
            and locked.is_active
            and locked.user_id == named_by.pk
        ):
            raise DeputyshipNotAllowed(_("Only the focal point themselves names their deputy."), code="forbidden")
        errors = {}
        if not name:
            errors["name"] = _("Give the deputy's name.")
        if not email:
            errors["email"] = _("Give the deputy's email address.")
        if starts_on is None:
            errors["starts_on"] = _("Give the first day of the period.")
        elif starts_on < today:
            errors["starts_on"] = _("The period cannot start in the past: choose today or a later day.")
        if ends_on is None:
            errors["ends_on"] = _("Give the last day of the period.")
        elif starts_on is not None and ends_on < starts_on:
            errors["ends_on"] = _("The last day cannot come before the first day.")
        if errors:
            raise ValidationError(
                {field: ValidationError(message, code="invalid") for field, message in errors.items()}
            )
        deputy_account = _account_of(email)
        own_addresses = {locked.email.strip().lower(), (named_by.email or "").strip().lower()}
        if email.lower() in own_addresses or (deputy_account is not None and deputy_account.pk == named_by.pk):
            raise _refusal(
                "email", _("You cannot name yourself as your deputy: give another person's address."), "self"
            )
        already = selectors.deciders(administration_id=locked.administration_id).focal_points.filter(
            Q(email__iexact=email) | Q(user=deputy_account) if deputy_account else Q(email__iexact=email)
        )
        if already.exists():
            raise _refusal(
                "email",
                _(
                    "This person is already a focal point of your Administration and decides on its requests: "
                    "name someone else."
                ),
                "already_decides",
            )
        if deputy_account is not None and is_sme_representative(deputy_account):
            raise _sme_representative_refusal()
        _overlap_check(focal_point=locked, email=email, starts_on=starts_on, ends_on=ends_on)
        deputyship = Deputyship(
            focal_point=locked,
            administration=locked.administration,
            name=name,
            email=email,
            language=language or locked.language,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        deputyship.full_clean()
        deputyship._history_user = named_by
        deputyship.save()
        mail_queue(
            to=settings.SECRETARIAT_EMAIL,
            template="emails/deputy_named",
            context={
                "deputyship": deputyship,
                "focal_point": locked,
                "administration": locked.administration,
                "admin_url": settings.SITE_URL + reverse("admin:focalpoints_deputyship_change", args=[deputyship.pk]),
            },
            language=settings.LANGUAGE_CODE,
        )
    return deputyship


def _reviewer_check(user) -> None:
    allowed = (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm(REVIEW_PERMISSION)))
    )
    if not allowed:
        raise DeputyshipNotAllowed(
            _("Only secretariat staff who may change deputies confirm or decline one."), code="forbidden"
        )


def _locked(deputyship: Deputyship) -> Deputyship:
    return (
        Deputyship.objects.select_for_update(of=("self",))
        .select_related("focal_point", "focal_point__user__preferences", "administration", "user__preferences")
        .get(pk=deputyship.pk)
    )


def _focal_point_told(deputyship: Deputyship, *, template: str) -> None:
    focal_point = deputyship.focal_point
    mail_queue(
        to=focal_point.email,
        template=template,
        context={
            "deputyship": deputyship,
            "focal_point": focal_point,
            "administration": deputyship.administration,
            "deputies_url": settings.SITE_URL + reverse("focalpoints:deputies"),
        },
        language=focal_point_language(focal_point),
    )


def deputyship_confirm(*, deputyship: Deputyship, confirmed_by) -> Deputyship:
    """The secretariat confirms a named deputy: from the first day of the period, they decide.

    Refused when it is no longer waiting (confirmed, declined or ended), when its period is over,
    when the focal point who named them is no longer active, when the person now represents an
    SME, or when it would overlap another confirmed deputyship. The deputy's account is linked
    (made, when the address has none) and the deputy and the focal point are told by email.
    """
    _reviewer_check(confirmed_by)
    with transaction.atomic():
        locked = _locked(deputyship)
        if locked.status != DeputyshipStatus.PROPOSED:
            raise ValidationError(
                _("This deputy is %(status)s: only a deputy waiting for the secretariat can be confirmed.")
                % {"status": locked.get_status_display()},
                code="not_proposed",
            )
        if locked.ends_on < timezone.localdate():
            raise ValidationError(
                _("This deputyship's period ended on %(date)s: there is nothing left to confirm.")
                % {"date": date_format(locked.ends_on)},
                code="over",
            )
        if not locked.focal_point.is_active:
            raise ValidationError(
                _("The focal point who named this deputy is no longer active: decline it."), code="focal_point_gone"
            )
        user = designated_account_find_or_create(email=locked.email, name=locked.name, log_label=f"Deputy {locked.pk}")
        if user is not None and is_sme_representative(user):
            raise _sme_representative_refusal()
        _overlap_check(
            focal_point=locked.focal_point,
            email=locked.email,
            starts_on=locked.starts_on,
            ends_on=locked.ends_on,
            exclude_pk=locked.pk,
        )
        locked.status = DeputyshipStatus.CONFIRMED
        locked.user = user
        locked.reviewed_by = confirmed_by
        locked.reviewed_at = timezone.now()
        locked._history_user = confirmed_by
        locked.save(update_fields=["status", "user", "reviewed_by", "reviewed_at"])
        mail_queue(
            to=locked.email,
            template="emails/deputy_confirmed",
            context={
                "deputyship": locked,
                "focal_point": locked.focal_point,
                "administration": locked.administration,
                "pending_url": settings.SITE_URL + reverse("focalpoints:pending"),
                "sign_in_url": settings.SITE_URL + reverse("account_login"),
            },
            language=focal_point_language(locked),
        )
        _focal_point_told(locked, template="emails/deputy_reviewed")
    return locked


def deputyship_decline(*, deputyship: Deputyship, declined_by, reason: str) -> Deputyship:
    """The secretariat declines a named deputy, with a reason the focal point reads."""
    _reviewer_check(declined_by)
    reason = (reason or "").strip()
    if not reason:
        raise _refusal("reason", _("Give the reason; the focal point reads it."), "required")
    with transaction.atomic():
        locked = _locked(deputyship)
        if locked.status != DeputyshipStatus.PROPOSED:
            raise ValidationError(
                _("This deputy is %(status)s: only a deputy waiting for the secretariat can be declined.")
                % {"status": locked.get_status_display()},
                code="not_proposed",
            )
        locked.status = DeputyshipStatus.DECLINED
        locked.reviewed_by = declined_by
        locked.reviewed_at = timezone.now()
        locked.decline_reason = reason
        locked._history_user = declined_by
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decline_reason"])
        _focal_point_told(locked, template="emails/deputy_reviewed")
    return locked


def deputyship_end(*, deputyship: Deputyship, ended_by) -> Deputyship:
    """End a deputyship before its last day (the focal point who named the deputy, or the secretariat).

    From now on the deputy decides nothing for the Administration; a deputy who was confirmed is
    told by email. A deputyship that is declined, ended or over is refused.
    """
    with transaction.atomic():
        locked = _locked(deputyship)
        is_namer = (
            getattr(ended_by, "is_authenticated", False)
            and ended_by.is_active
            and locked.focal_point.user_id == ended_by.pk
            and locked.focal_point.is_active
        )
        is_secretariat = getattr(ended_by, "is_authenticated", False) and ended_by.is_active and ended_by.is_staff
        if not (is_namer or is_secretariat):
            raise DeputyshipNotAllowed(
                _("Only the focal point who named this deputy, or the secretariat, can end it."), code="forbidden"
            )
        if locked.status not in LIVE_STATUSES or locked.ends_on < timezone.localdate():
            raise ValidationError(_("This deputyship is already over: there is nothing to end."), code="not_running")
        was_confirmed = locked.status == DeputyshipStatus.CONFIRMED
        locked.status = DeputyshipStatus.ENDED
        locked.ended_at = timezone.now()
        locked._history_user = ended_by
        locked.save(update_fields=["status", "ended_at"])
        if was_confirmed:
            mail_queue(
                to=locked.email,
                template="emails/deputy_ended",
                context={
                    "deputyship": locked,
                    "focal_point": locked.focal_point,
                    "administration": locked.administration,
                },
                language=focal_point_language(locked),
            )
    return locked
