"""A focal point's address the mail server refuses for good: the requests must still reach someone who decides.

The letter sends each registration "for validation to the Focal Points designated by each
Administration"; an address that bounces (a 5xx answer to the outbox: smepilot.outbox.signals)
would leave the Administration's requests waiting unseen. So, once per address until the
secretariat records another one (focalpoints.accounts.focal_point_save clears the mark):
- the focal point is marked in the admin (``FocalPoint.email_bounced_at``, with the server's
  answer), in its history; its address receives no more of the Administration's emails
  (selectors.decider_recipients leaves it out);
- everyone else who decides for the Administration (its other focal points, its running deputies:
  selectors.deciders) is told, with the requests pending for it;
- the secretariat is told, with the same list and, when nobody else can decide, that it should
  decide on the Administration's behalf in the admin.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from registration.models import Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.services import mail_queue
from smepilot.outbox.signals import address_refused

from . import selectors
from .models import FocalPoint

logger = logging.getLogger(__name__)

# The emails list this many of the pending requests, then say how many more there are.
PENDING_LISTED = 20
BOUNCE_TEMPLATE = "emails/focalpoint_address_refused"


def focal_point_address_refused(*, address: str, error: str, now=None) -> int:
    """Record that ``address`` bounces for the active focal points it belongs to, and tell the others.

    Returns how many focal points were marked (none when the address is no focal point's, or was
    marked already: a second bounce tells nobody again).
    """
    now = now or timezone.now()
    with transaction.atomic():
        bounced = list(
            FocalPoint.objects.select_for_update(of=("self",))
            .filter(email__iexact=address.strip(), is_active=True, email_bounced_at__isnull=True)
            .select_related("administration")
            .order_by("pk")
        )
        for focal_point in bounced:
            focal_point.email_bounced_at = now
            focal_point.email_bounce_error = error[:2000]
            focal_point._change_reason = "The mail server refused this address for good."
            focal_point.save(update_fields=["email_bounced_at", "email_bounce_error"])
        if bounced:
            recipients = selectors.decider_recipients(administration_ids={fp.administration_id for fp in bounced})
        for focal_point in bounced:
            _others_tell(focal_point, recipients=recipients.get(focal_point.administration_id, []))
    if bounced:
        logger.warning("Focal points %s: their address was refused for good.", [fp.pk for fp in bounced])
    return len(bounced)


def requests_unreachable_tell(*, administration_id: int) -> bool:
    """A request arrived for an Administration whose every focal point's address bounces (and no deputy
    runs): the secretariat is told, with the pending requests, to decide on its behalf. True if told."""
    bounced = (
        selectors.deciders(administration_id=administration_id)
        .focal_points.filter(email_bounced_at__isnull=False)
        .select_related("administration")
        .order_by("pk")
        .first()
    )
    if bounced is None:
        return False
    _others_tell(bounced, recipients=[])
    return True


def _others_tell(focal_point: FocalPoint, *, recipients) -> None:
    administration = focal_point.administration
    pending = Registration.objects.filter(
        sme__administration_id=administration.pk, status=RegistrationStatus.PENDING
    ).order_by("created_at", "pk")
    pending_count = pending.count()
    listed = list(pending.select_related("participant", "meeting", "sme")[:PENDING_LISTED])
    context = {
        "bounced": focal_point,
        "administration": administration,
        "registrations": listed,
        "pending_count": pending_count,
        "more": max(pending_count - len(listed), 0),
    }
    for recipient in recipients:
        mail_queue(
            to=recipient.email,
            template=BOUNCE_TEMPLATE,
            context={
                **context,
                "recipient_name": recipient.name,
                "for_secretariat": False,
                "pending_url": settings.SITE_URL + reverse("focalpoints:pending"),
            },
            language=recipient.language,
        )
    registrations_url = settings.SITE_URL + reverse("admin:registration_registration_changelist")
    mail_queue(
        to=settings.SECRETARIAT_EMAIL,
        template=BOUNCE_TEMPLATE,
        context={
            **context,
            "recipient_name": "",
            "for_secretariat": True,
            "nobody_else": not recipients,
            "focal_point_url": settings.SITE_URL
            + reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk]),
            "pending_url": f"{registrations_url}?status__exact={RegistrationStatus.PENDING}"
            f"&sme__administration__id__exact={administration.pk}",
        },
        language=settings.LANGUAGE_CODE,
    )


@receiver(address_refused, sender=OutgoingMessage, dispatch_uid="focalpoints.address_refused")
def focal_point_address_refused_on_bounce(sender, address, message, error, **kwargs):
    focal_point_address_refused(address=address, error=error)
