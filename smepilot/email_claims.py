"""Whose email address it is: the account that proved it, by following a link or code sent there.

Anyone can type an address on a form: the sign-up form, the ITU account's sign-up form (which
offers the provider's address but lets it be changed), or the email addresses page. allauth keeps
such an address unverified until the link sent to it is followed. A claim nobody proved must not
stand in the owner's way, nor lead the owner into the claimant's account (a pre-registered
account waiting for its victim):

- at sign-up, only an account that verified the address counts as "an account exists"; the owner
  signs up as anyone new would, and confirms the address;
- a password reset or a sign-in code goes only to an account that verified the address;
- once an account verifies an address, every other account's unverified claim to it is removed.

Accounts made by the secretariat outside allauth (no allauth address at all) own the address of
their user record.
"""

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

logger = logging.getLogger(__name__)


def email_owners(email: str):
    """The accounts that own ``email``: verified it, or were given it without allauth."""
    user_model = get_user_model()
    has_any_address = Exists(EmailAddress.objects.filter(user=OuterRef("pk")))
    verified = Exists(EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=email, verified=True))
    return user_model.objects.filter(Q(verified) | (Q(email__iexact=email) & ~has_any_address))


def email_owned(email: str) -> bool:
    return email_owners(email).exists()


def owners_only(email: str, users) -> list:
    """Of the accounts allauth found for ``email``, those that own it (email_owners)."""
    owner_ids = set(email_owners(email).filter(pk__in=[user.pk for user in users]).values_list("pk", flat=True))
    return [user for user in users if user.pk in owner_ids]


def unverified_claims_release(*, email: str, owner_id: int | None) -> None:
    """Remove ``email`` from every account but its owner's (None: an account not made yet) where it
    was never verified."""
    for claim in EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user_id=owner_id):
        # Ids only in logs: never the address itself.
        logger.warning(
            "An address account %s claimed unverified was removed from it: verified elsewhere (account %s).",
            claim.user_id,
            owner_id or "signing up",
        )
        claim.remove()  # allauth's: the user record's address follows (another of theirs, or none)


def unverified_claims_release_on_verified(sender, instance, **kwargs) -> None:
    """post_save of allauth's EmailAddress: a verified address is its account's alone."""
    if instance.verified:
        unverified_claims_release(email=instance.email, owner_id=instance.user_id)
