"""Focal points' accounts: the designated email address decides which account acts for an Administration.

The secretariat designates a focal point by name and email address; the account that owns that
address (verified) is the one that decides for the Administration, and one is created when there
is none, so that the focal point can sign in with a code emailed to that address.
"""

import logging

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Deputyship, DeputyshipStatus, FocalPoint

logger = logging.getLogger(__name__)


def _unverified_claims_remove(*, email: str, log_label: str) -> None:
    """Take a designated address away from the accounts that claimed it without ever verifying it."""
    for claim in EmailAddress.objects.filter(email__iexact=email, verified=False).select_related("user"):
        # Ids only in logs: never the address itself.
        logger.warning("%s: removing the designated address, unverified, from account %s.", log_label, claim.user_id)
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
    with transaction.atomic():
        locked = FocalPoint.objects.select_for_update().get(pk=focal_point.pk)
        if locked.user_id is None:
            user = designated_account_find_or_create(
                email=locked.email, name=locked.name, log_label=f"Focal point {locked.pk}"
            )
            if user is None:
                return None
            locked.user = user
            locked.save(update_fields=["user"])
        focal_point.user = locked.user
    return focal_point.user


def designated_account_find_or_create(*, email: str, name: str, log_label: str):
    """The account that owns a designated address (verified), made when there is none; None if unsure.

    Run inside the caller's transaction, with the designating row (a focal point, a deputyship) locked.
    ``log_label`` names that row in the logs, which never name the address.
    """
    email = email.strip()
    _unverified_claims_remove(email=email, log_label=log_label)
    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    user_model = get_user_model()
    if address is None and user_model.objects.filter(email__iexact=email).exists():
        logger.warning("%s: an account has the address without an allauth address.", log_label)
        return None
    if address is not None:
        return address.user
    user = user_model(username=generate_unique_username([email, name]), email=email)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def focal_point_save(*, focal_point: FocalPoint, email_changed: bool) -> FocalPoint:
    """Save a focal point as the secretariat designated it, and link its account.

    The designation is the email address: the account linked to a focal point is the one that
    owns that address. When the secretariat changes the address (a typo corrected, a successor
    named), the previously linked account no longer decides for the Administration unless it
    owns the new address too; the account of the new address is linked, or created, at once.
    """
    with transaction.atomic():
        if email_changed:
            # Another address: the mail server's refusal of the previous one no longer holds.
            focal_point.email_bounced_at = None
            focal_point.email_bounce_error = ""
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
    """Link the active focal points and confirmed deputies whose email is one of the user's verified addresses
    (at sign-in)."""
    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    linked = 0
    for email in emails:
        linked += FocalPoint.objects.filter(user__isnull=True, is_active=True, email__iexact=email).update(user=user)
        # A deputy the secretariat confirmed before their account could be made (focalpoints.deputies).
        linked += Deputyship.objects.filter(
            user__isnull=True, status=DeputyshipStatus.CONFIRMED, email__iexact=email
        ).update(user=user)
    return linked
