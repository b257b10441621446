"""Two-factor authentication: who must pass a second factor, whether this session has, and the guard.

The people who decide for an Administration (its focal points) and the ITU-D Study Groups
Secretariat, who sees every registration, decides on an Administration's behalf and exports the
participants' personal data (terms of reference, point 5), confirm who they are with a second
factor before they decide, export or open the admin: a code from an authenticator app (allauth.mfa),
or one of their recovery codes. Everyone else may set one up too (the profile's security link);
SME representatives are never forced to.

One rule, read in one place (``second_factor_missing``): the signed-in person is secretariat staff
(``is_staff``) or an active focal point, and this session holds no record of a second factor
passed (allauth's authentication records: signing in with the app's code, confirming with it
later, or setting the app up) while the account has an authenticator app. ``second_factor_required``
guards views; the admin site asks the same rule (smepilot.admin_site).
"""

import logging
import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.internal.flows import post_authentication
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

# Where to go back to once the second factor is set up (the recovery codes page offers the way back).
NEXT_SESSION_KEY = "second_factor_next"


def second_factor_required_of(user) -> bool:
    """Secretariat staff and active focal points; never someone signed out."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    from focalpoints.selectors import is_focal_point

    return is_focal_point(user=user)


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def second_factor_passed(request) -> bool:
    """This session passed a second factor (allauth's records of it) and the account has an authenticator app.

    Answered once per request: the admin asks it for every permission check of a page (three times
    for a changelist).
    """
    try:
        return request._second_factor_passed
    except AttributeError:
        request._second_factor_passed = _second_factor_passed(request)
        return request._second_factor_passed


def _second_factor_passed(request) -> bool:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    records = get_authentication_records(request, user)
    if not any(record.get("method") == "mfa" for record in records):
        return False
    return has_authenticator_app(user)


def second_factor_missing(request) -> bool:
    """The rule: this person must pass a second factor and this session has not."""
    return second_factor_required_of(request.user) and not second_factor_passed(request)


def safe_next(request, url: str | None) -> str:
    """``url`` when it is a path on this site, else the home page."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return reverse("home")


def second_factor_page_url(next_url: str) -> str:
    return f"{reverse('second_factor')}?{urlencode({'next': next_url})}"


def second_factor_refusal(request, *, back_to: str | None = None) -> HttpResponseRedirect:
    """To the page that says why and how, coming back to ``back_to`` (else this page) afterwards.

    A POST changes nothing: it is answered with the same way (303, so the browser asks with GET),
    and a message saying that nothing was done.
    """
    next_url = resolve_url(back_to) if back_to else request.get_full_path()
    if request.method not in ("GET", "HEAD"):
        messages.error(
            request,
            _(
                "Nothing was changed: confirm who you are with your authenticator app first, then do it again. "
                "This page says how."
            ),
        )
        logger.info("User %s: a POST refused, no second factor passed in this session.", request.user.pk)
        response = HttpResponseRedirect(second_factor_page_url(next_url))
        response.status_code = 303
        return response
    return HttpResponseRedirect(second_factor_page_url(next_url))


def second_factor_required(view=None, *, back_to: str | None = None):
    """Guard a view with the rule: people who must pass a second factor and have not are sent to set it up.

    ``back_to`` (a URL or a URL name) is where they come back to when the view itself answers POSTs
    only (bulk approve: the pending list).
    """

    def decorator(view_func):
        @wraps(view_func)
        def guarded(request, *args, **kwargs):
            if second_factor_missing(request):
                return second_factor_refusal(request, back_to=back_to)
            return view_func(request, *args, **kwargs)

        return guarded

    if view is not None:
        return decorator(view)
    return decorator


class SignInCountsAsConfirming:
    """An account adapter mixin: signing in counts as confirming who one is, for allauth.mfa's pages.

    allauth asks for the password (or an emailed code) again before the authenticator app is set up,
    turned off or its recovery codes shown, unless the person did so in the last
    ACCOUNT_REAUTHENTICATION_TIMEOUT seconds; a sign-in that recent (by password, emailed code or the
    ITU account) proves as much. A focal point who just signed in by code sets the app up at once,
    without a second emailed code.
    """

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = allauth_context.request
        if not required or app != "allauth.mfa" or request is None or not request.user.is_authenticated:
            return required
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        recent = [
            record
            for record in get_authentication_records(request, request.user)
            if time.time() - record.get("at", 0) < timeout
        ]
        return not recent


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa with the site's words: a wrong code says what to do next."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy(
            "That code is not right. Enter the 6-digit code your authenticator app shows now (it changes every "
            "30 seconds), or one of your recovery codes."
        ),
    }


def authenticator_app_counts_as_passed(sender, request, user, authenticator, **kwargs):
    """Setting up the app is passing it: its first code was just checked (allauth.mfa's authenticator_added).

    Recorded as allauth records a sign-in with the app, so the person goes back to what they were
    doing without signing in again.
    """
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    post_authentication(request, authenticator)
    logger.info("User %s set up an authenticator app.", user.pk)


@receiver(post_delete, sender=Authenticator, dispatch_uid="smepilot_recovery_codes_go_with_the_app")
def recovery_codes_go_with_the_app(sender, instance, **kwargs):
    """An authenticator app deleted (turned off by its owner, or reset by a superuser in the admin): the
    recovery codes that stood in for it go too, so that the person sets both up again."""
    if instance.type != Authenticator.Type.TOTP:
        return
    others = Authenticator.objects.filter(user_id=instance.user_id)
    if not others.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
        others.delete()
    logger.warning("The authenticator app of user %s was removed.", instance.user_id)
