"""Emails of the focal-point work: to the focal points, and the decision's outcome to the registrant.

The letter: "When the representatives of the SMEs concerned register online, an e-mail
notification will be sent for validation to the Focal Points designated by each Administration."
Every email is a row of the outbox (``mail_queue``) written in the caller's transaction and sent
once it commits: work that is rolled back sends nothing. Each is written in its recipient's
language (smepilot.languages.recipient_language), never in the language of whoever acted: a
focal point's in the one they chose, else the one the secretariat gave them; a registrant's in
the one they chose. The languages are read with the rows they belong to (``…user__preferences``),
so a notification to many focal points reads them all in the query that finds the focal points.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from registration.badges import check_in_code, has_badge
from registration.models import AttendanceMode, Eligibility, Registration, RegistrationStatus
from smepilot.languages import recipient_language
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.rendering import attachment_drawn
from smepilot.outbox.services import mail_queue

from . import bounces, links, selectors
from .accounts import focal_point_account_ensure
from .ics import meeting_ics, meeting_ics_filename
from .models import FocalPoint

logger = logging.getLogger(__name__)

# A digest is not sent twice to one focal point within this time, even if the beat fires twice.
REMINDER_MIN_INTERVAL = timedelta(hours=20)


# --- To the focal points --------------------------------------------------------------------------


def focal_point_language(focal_point: FocalPoint) -> str:
    """The focal point's language: their own choice for their account, else the secretariat's
    (FocalPoint.language). Read with the focal point when its query selected ``user__preferences``."""
    return recipient_language(user=focal_point.user, designated=focal_point.language)


def _registrations_loaded(registrations) -> list[Registration]:
    ids = [registration.pk for registration in registrations]
    return list(
        Registration.objects.filter(pk__in=ids)
        .select_related("participant", "participant__user", "sme", "sme__administration", "meeting")
        .order_by("meeting__starts_on", "pk")
    )


def registrations_notify_focal_points(*, registrations, reopened_reason: str = "") -> int:
    """Email everyone who decides for the registrations' Administration (its active focal points and
    running deputies: ``selectors.deciders``), one email per batch.

    The email names the person, the SME (and whether its eligibility is still pending), the
    meetings and attendance, and carries a signed link to the request (``focalpoints.links``).
    Called inside the registration's transaction: the rows are stored with it and sent on commit.
    ``reopened_reason``, for registrations the secretariat reopened, makes it say so and why.
    Returns how many emails were queued.
    """
    batches = defaultdict(list)
    for registration in _registrations_loaded(registrations):
        key = (registration.sme.administration_id, registration.participant_id, registration.sme_id)
        batches[key].append(registration)
    queued = 0
    recipients = selectors.decider_recipients(administration_ids={key[0] for key in batches})
    for (administration_id, _participant_id, _sme_id), batch in batches.items():
        if not recipients.get(administration_id):
            # Nobody to tell: the request shows in the admin's overdue list after the reminder delay.
            # When the only addresses bounce, the secretariat is told now, and decides on behalf.
            bounces.requests_unreachable_tell(administration_id=administration_id)
            logger.warning(
                "No reachable focal point or deputy for Administration %s; registrations %s wait unseen.",
                administration_id,
                [registration.pk for registration in batch],
            )
            continue
        first = batch[0]
        for recipient in recipients[administration_id]:
            if recipient.focal_point is not None:
                focal_point_account_ensure(focal_point=recipient.focal_point)
            mail_queue(
                to=recipient.email,
                template="emails/focalpoint_registration_new",
                context={
                    **_recipient_context(recipient),
                    "participant": first.participant,
                    "registrant_email": first.participant.user.email,
                    "sme": first.sme,
                    "sme_pending": first.sme.eligibility == Eligibility.PENDING,
                    "administration": first.sme.administration,
                    "registrations": batch,
                    "link_url": links.link_url(
                        registration_ids=[registration.pk for registration in batch],
                        focal_point_id=recipient.focal_point.pk if recipient.focal_point else None,
                        deputyship_id=recipient.deputyship.pk if recipient.deputyship else None,
                        administration_id=administration_id,
                    ),
                    "link_max_age_days": settings.VALIDATION_LINK_MAX_AGE_DAYS,
                    "pending_url": settings.SITE_URL + reverse("focalpoints:pending"),
                    "reopened_reason": reopened_reason,
                },
                language=recipient.language,
            )
            queued += 1
    return queued


def _recipient_context(recipient) -> dict:
    """Who an email to a decider greets, and for a deputy, whose deputy they are and until when."""
    return {
        # A focal point's row, or a deputyship's: both have the name the email greets.
        "focal_point": recipient.focal_point or recipient.deputyship,
        "deputyship": recipient.deputyship,
        "deputy_for": recipient.deputyship.focal_point if recipient.deputyship else None,
    }


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
        if not selectors.decider_recipients(administration_ids=[registration.sme.administration_id]):
            raise ValidationError(
                _(
                    "The Administration of %(country)s has no active focal point or deputy whose address "
                    "works. Add one, or correct the address, then send again."
                )
                % {"country": registration.sme.administration},
                code="no_focal_point",
            )
        queued = registrations_notify_focal_points(registrations=[registration])
        # A reminder, as the registrant reads it on "My registrations" (not a change: no history row).
        Registration.objects.filter(pk=registration.pk).update(focal_points_reminded_at=timezone.now())
        return queued


def registration_cancelled_notify_focal_points(*, registration: Registration) -> int:
    """Tell the focal points (and running deputies) that a validated registration was cancelled by its registrant."""
    [registration] = _registrations_loaded([registration])
    queued = 0
    administration_id = registration.sme.administration_id
    for recipient in selectors.decider_recipients(administration_ids=[administration_id]).get(administration_id, []):
        mail_queue(
            to=recipient.email,
            template="emails/focalpoint_registration_cancelled",
            context={
                **_recipient_context(recipient),
                "registration": registration,
                "participant": registration.participant,
                "sme": registration.sme,
                "meeting": registration.meeting,
                "administration": registration.sme.administration,
                "decided_url": settings.SITE_URL + reverse("focalpoints:pending"),
            },
            language=recipient.language,
        )
        queued += 1
    return queued


# --- The outcome, to the registrant ---------------------------------------------------------------


def registrant_language(registration: Registration) -> str:
    """The registrant's language: the one they chose for their account (stored at sign-up, changed on
    their profile), else the site's default, never the language of the focal point or officer who acted.
    Read with the registration when it was loaded with ``participant__user__preferences``."""
    return recipient_language(user=registration.participant.user)


def _registrant_context(registration: Registration) -> dict:
    """What every email to a registrant about one registration says: who, for what, where to follow it."""
    return {
        "registration": registration,
        "participant": registration.participant,
        "meeting": registration.meeting,
        "sme": registration.sme,
        "administration": registration.sme.administration,
        "my_registrations_url": settings.SITE_URL + reverse("registration:list"),
    }


CHECK_IN_QR_FILENAME = "check-in-qr-code.svg"


def registration_outcome_queue(*, registration: Registration) -> OutgoingMessage:
    """The registrant's email: validated (with the meeting's .ics) or rejected (with the reason)."""
    validated = registration.status == RegistrationStatus.VALIDATED
    email = registration.participant.user.email
    language = registrant_language(registration)
    attachments = None
    code = ""
    if validated:
        with override(language):
            attachments = [
                {
                    "filename": meeting_ics_filename(registration=registration),
                    "content": meeting_ics(registration=registration),
                    "mimetype": "text/calendar",
                }
            ]
        if has_badge(registration):
            # The badge's QR code, as an SVG file (text: the outbox stores attachments as text), and
            # the code itself in the body for a mail client that shows no image.
            code = check_in_code(registration)
            attachments.append(
                attachment_drawn(
                    filename=CHECK_IN_QR_FILENAME, renderer="check_in_qr_svg", argument=code, mimetype="image/svg+xml"
                )
            )
    return mail_queue(
        to=email,
        template="emails/registration_decided",
        context={
            **_registrant_context(registration),
            "validated": validated,
            "remote": registration.attendance_mode == AttendanceMode.REMOTE,
            "on_behalf": registration.decided_on_behalf,
            "check_in_code": code,
        },
        language=language,
        attachments=attachments,
    )


def registration_reopened_notify_registrant(
    *, registration: Registration, previous_status: str, reason: str
) -> OutgoingMessage:
    """Tell the registrant that the secretariat reopened the decision on their registration, and why."""
    return mail_queue(
        to=registration.participant.user.email,
        template="emails/registration_reopened",
        context={
            **_registrant_context(registration),
            "was_validated": previous_status == RegistrationStatus.VALIDATED,
            "reason": reason,
        },
        language=registrant_language(registration),
    )


def registration_cancelled_notify_registrant(*, registration: Registration, reason: str = "") -> OutgoingMessage:
    """Tell the registrant that the secretariat cancelled their registration, and why when it said so."""
    return mail_queue(
        to=registration.participant.user.email,
        template="emails/registration_cancelled",
        context={**_registrant_context(registration), "reason": reason},
        language=registrant_language(registration),
    )


# --- The daily reminder digest --------------------------------------------------------------------


def focal_point_reminders_queue(*, now=None) -> int:
    """One digest per active focal point of the requests pending longer than the reminder delay,
    the nearest approve-by date first.

    Run daily by Celery beat (``focalpoints-reminders``). A focal point reminded less than
    ``REMINDER_MIN_INTERVAL`` ago is skipped, so a beat that fires twice sends one digest; rows
    another run is handling are skipped too (``skip_locked``). Returns how many were queued.
    """
    now = now or timezone.now()
    overdue = list(
        selectors.registrations_overdue(now=now)
        .select_related("participant", "sme", "meeting")
        .order_by("decide_by", "created_at", "pk")
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
            .select_related("administration", "user__preferences")
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
                language=focal_point_language(focal_point),
            )
        # update(), not save(): a reminder is not a change of the focal point worth a history row.
        FocalPoint.objects.filter(pk__in=[fp.pk for fp in focal_points]).update(last_reminder_at=now)
        # What the registrant reads on "My registrations": when their request was last in a digest.
        reminded = {focal_point.administration_id for focal_point in focal_points}
        Registration.objects.filter(pk__in=[r.pk for a in reminded for r in by_administration[a]]).update(
            focal_points_reminded_at=now
        )
    return len(focal_points)
