"""A person's language: stored with their account, shown on the site, used for every email they get.

Stored (smepilot.models.AccountPreferences) when the person signs up (the language they signed
up in), and changed by them on their profile page or with the footer's language switcher while
signed in. Nothing else writes it: a row is always the person's own choice.

Signed in, the site shows it (``AccountLanguageMiddleware``). The language is read once, at
sign-in, into the session, and every change made through the site updates the session at once;
so a page costs no query for it, and a change made elsewhere (another browser) shows at the next
sign-in. A middleware rather than a language cookie set at sign-in: every way of signing in
(password, emailed code, TIES, a confirmation link, the admin's redirect, the tests' force_login)
sends Django's ``user_logged_in`` with the request, where the session is at hand, while a cookie
needs the response, which only some of those ways let us touch. The language cookie stays the
switcher's, as Django has it: signed out, the site follows the browser again (the cookie, else
its Accept-Language).

Every email is written in its recipient's language, whoever's action sends it: ``recipient_language``
is the one rule, used by the outbox's callers (focalpoints.notifications, registration.services)
and allauth's emails (smepilot.accounts).
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

# Where the session keeps the signed-in person's stored language (read at sign-in).
SESSION_KEY = "smepilot_language"


def language_supported(code: str | None) -> str | None:
    """The site's own code for ``code`` ("fr" for "fr-ch"), or None when the site does not offer it."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def stored_language(user) -> str | None:
    """The language the person chose for their account, None when they never chose one.

    Reads ``user.preferences``: free when the user was loaded with ``select_related("…preferences")``
    (its absence is remembered too), one query otherwise.
    """
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return user.preferences.language
    except ObjectDoesNotExist:
        return None


def _account_of_address(email: str):
    """The account that owns ``email`` (an allauth address, else the account's own), its preferences read."""
    from django.contrib.auth import get_user_model

    if not email:
        return None
    return (
        get_user_model()
        .objects.filter(Q(emailaddress__email__iexact=email.strip()) | Q(email__iexact=email.strip()))
        .select_related("preferences")
        .order_by("pk")
        .first()
    )


def recipient_language(*, user=None, email: str = "", designated: str = "", fallback: str = "") -> str:
    """The language an email to this recipient is written in: the one rule every email follows.

    1. The language the person chose for their account (``user``, else the account owning ``email``):
       their own choice wins over anyone else's.
    2. ``designated``: the language the secretariat gave a focal point (focalpoints.models.FocalPoint).
    3. ``fallback``: the language in use, for an email the recipient asked for themselves (allauth's
       sign-in codes, confirmations, password resets) or caused by their own action.
    4. The site's default language (settings.LANGUAGE_CODE): someone else's action (a focal point's
       decision, the secretariat's) never lends the email its own language.
    """
    if user is None and email:
        user = _account_of_address(email)
    for language in (stored_language(user), designated, fallback):
        supported = language_supported(language)
        if supported:
            return supported
    return settings.LANGUAGE_CODE


def account_language_save(*, user, language: str) -> str:
    """Store the language the person chose for their account (profile page, language switcher, sign-up)."""
    from .models import AccountPreferences

    supported = language_supported(language)
    if supported is None:
        raise ValidationError({"language": _("Choose one of the site's languages.")}, code="invalid_language")
    preferences, _created = AccountPreferences.objects.update_or_create(user=user, defaults={"language": supported})
    user.preferences = preferences  # read from this object from now on
    return supported


def session_language_use(request, language: str | None) -> None:
    """Show the site in ``language`` to the signed-in person from their next page on (None: the browser's)."""
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


# --- Signals (connected in smepilot.apps) -------------------------------------------------------------


def language_store_at_signup(sender, request, user, **kwargs) -> None:
    """allauth's ``user_signed_up``: the language the person signed up in is theirs (the site's or a TIES
    sign-up alike), unless they already chose one."""
    from .models import AccountPreferences

    language = language_supported(translation.get_language())
    if language:
        AccountPreferences.objects.get_or_create(user=user, defaults={"language": language})


def language_use_at_sign_in(sender, request, user, **kwargs) -> None:
    """Django's ``user_logged_in`` (every way of signing in): the stored language, read once per sign-in."""
    if request is not None and hasattr(request, "session"):
        session_language_use(request, stored_language(user))


# --- The site in the signed-in person's language --------------------------------------------------


class AccountLanguageMiddleware:
    """Signed in with a stored language, the site is in it, whatever the cookie or the browser says.

    After LocaleMiddleware (which chose the browser's language) and AuthenticationMiddleware: it
    activates the language the session holds for the signed-in person (``language_use_at_sign_in``)
    for this request, so Content-Language and every page follow it. Signed out, nothing changes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_supported(request.session.get(SESSION_KEY)) if hasattr(request, "session") else None
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
