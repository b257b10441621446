"""Requests that must not stall: when a pending request's approve-by date is near, the secretariat
is told and may decide on the Administration's behalf.

The letter sends each registration "for validation to the Focal Points designated by each
Administration"; a request nobody decides before its approve-by date (registration.deadlines)
leaves the person unable to prepare, or to ask for a visa, in time. ``DECISION_ESCALATION_DAYS``
before that date a still pending request is taken up by the secretariat: one email lists the
requests newly taken up (each request is in one such email), the registration records when
(``escalated_at``, in its history with why), and the admin's queue "Due for a decision on behalf
of the Administration" lists it until it is decided through ``focalpoints.decisions.registration_decide``.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from registration.models import Registration, RegistrationDueForDecision, RegistrationStatus
from smepilot.outbox.services import mail_queue

ESCALATED_REASON = "Approve-by date near and no decision: taken up by the secretariat."
# The secretariat reads its own emails in English, the language of its admin work.
SECRETARIAT_LANGUAGE = "en"


def escalation_condition(*, today: datetime.date | None = None) -> Q:
    """Pending, the approve-by date ``DECISION_ESCALATION_DAYS`` away or fewer (or past), for a
    meeting not over: on the registration's own columns but the meeting's end."""
    today = today or timezone.localdate()
    near = today + datetime.timedelta(days=settings.DECISION_ESCALATION_DAYS)
    return Q(status=RegistrationStatus.PENDING, decide_by__lte=near, meeting__ends_on__gte=today)


def registrations_due_for_secretariat() -> QuerySet[Registration]:
    """The admin's queue ("Due for a decision on behalf of the Administration"), the most urgent first."""
    return RegistrationDueForDecision.objects.order_by("decide_by", "created_at", "pk")


def decision_escalations_queue(*, now: datetime.datetime | None = None) -> int:
    """Take up the pending requests whose approve-by date is near; returns how many.

    Run daily by Celery beat (``decision-escalation``). A request is taken up once: its
    ``escalated_at`` is set in the transaction that queues the secretariat's email, and rows another
    run holds are skipped (``skip_locked``), so two workers, or a beat firing twice, never tell the
    secretariat twice about one request.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            Registration.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(escalation_condition(today=today), escalated_at__isnull=True)
            .select_related("participant", "sme", "sme__administration", "meeting")
            .order_by("decide_by", "created_at", "pk")
        )
        if not due:
            return 0
        for registration in due:
            registration.escalated_at = now
        bulk_update_with_history(due, Registration, ["escalated_at"], default_change_reason=ESCALATED_REASON)
        mail_queue(
            to=settings.SECRETARIAT_EMAIL,
            template="emails/secretariat_decisions_due",
            context={
                "registrations": due,
                "days": settings.DECISION_ESCALATION_DAYS,
                "queue_url": settings.SITE_URL + reverse("admin:registration_registrationduefordecision_changelist"),
            },
            language=SECRETARIAT_LANGUAGE,
        )
    return len(due)
