"""Two-factor authentication in tests: an authenticator app for a user, its codes, and a session that
passed it, recorded exactly as allauth records a sign-in with the app's code (smepilot.second_factor).

Secretariat staff and focal points need it before they decide, export or open the admin, so tests
that sign them in with ``force_login`` use ``sign_in_with_second_factor`` (or the
``officer_client`` fixture) instead.
"""

import time

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.test import RequestFactory


def authenticator_app_give(user, *, secret: str | None = None) -> Authenticator:
    """The user's authenticator app (made if missing), with recovery codes as allauth makes them."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    authenticator = TOTP.activate(user, secret or generate_totp_secret()).instance
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return authenticator


def secret_of(authenticator: Authenticator) -> str:
    return decrypt(authenticator.data["secret"])


def totp_code(secret_or_authenticator, *, steps: int = 0) -> str:
    """The code the app shows now (``steps`` periods later or earlier: codes are accepted once each)."""
    secret = secret_or_authenticator
    if isinstance(secret, Authenticator):
        secret = secret_of(secret)
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter + steps))


def recovery_codes_of(user) -> list[str]:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()


def second_factor_pass(client, user) -> Authenticator:
    """The client's session has passed the second factor: allauth's own record of a code entered."""
    authenticator = authenticator_app_give(user)
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    request.user = user
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    session.save()
    return authenticator


def sign_in_with_second_factor(client, user):
    """``force_login``, then the second factor passed in that session; the client, for chaining."""
    client.force_login(user)
    second_factor_pass(client, user)
    return client
