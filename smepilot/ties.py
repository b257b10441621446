"""The ITU account (TIES) sign-in, an OpenID Connect provider: its server failing, and signing out.

allauth's OpenID Connect views fetch the provider's discovery document on the way out (the
login POST) and on the way back (the callback), outside the error handling of its callback:
a provider down, answering with an error or not answering (SOCIALACCOUNT_REQUESTS_TIMEOUT)
raised a server error. People are told instead that the ITU account cannot be reached, with
status 503, and offered the site's own sign-in by email address.

Signing out of the site also ends the session at the provider (OpenID Connect RP-initiated
logout), when its discovery document has an end_session_endpoint: otherwise anyone pressing
"ITU account" on the same browser afterwards would be signed in again without a password. The
ID token of the sign-in (the id_token_hint) and that endpoint are kept in the session from the
callback; the provider sends the browser back to the home page (the post-logout redirect
address registered with it).
"""

import logging
from urllib.parse import urlencode

import requests
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from allauth.utils import build_absolute_uri
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

logger = logging.getLogger(__name__)

# The session's record of the provider's session: {"provider_id", "uid", "id_token", "end_session_endpoint"}.
PROVIDER_SESSION_KEY = "ties_provider_session"

# How long a browser should wait before trying again (seconds), as Retry-After says.
RETRY_AFTER_SECONDS = 60


def provider_unavailable(request, error: Exception):
    """The page that says the ITU account cannot be reached and how to sign in instead (503)."""
    # The kind of failure only: the provider's address and the request are in the access log.
    logger.warning("ITU account provider unreachable: %s", type(error).__name__)
    response = render(request, "socialaccount/provider_unavailable.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def login(request, provider_id):
    """allauth's login view (a GET only asks to confirm: SOCIALACCOUNT_LOGIN_ON_GET is off), the
    provider's failures answered."""
    try:
        return openid_connect_views.login(request, provider_id)
    except requests.RequestException as error:
        return provider_unavailable(request, error)


class ProviderSessionAdapter(openid_connect_views.OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, remembering in the session what signing out needs."""

    def complete_login(self, request, app, token, **kwargs):
        sociallogin = super().complete_login(request, app, token, **kwargs)
        id_token = kwargs["response"].get("id_token")
        end_session_endpoint = self.openid_config.get("end_session_endpoint")
        if id_token and end_session_endpoint:
            request.session[PROVIDER_SESSION_KEY] = {
                "provider_id": self.provider_id,
                "uid": sociallogin.account.uid,
                "id_token": id_token,
                "end_session_endpoint": end_session_endpoint,
            }
        else:
            request.session.pop(PROVIDER_SESSION_KEY, None)
        return sociallogin


@login_not_required
def callback(request, provider_id):
    """allauth's callback view (its openid_connect_views.callback, with ProviderSessionAdapter), the
    provider's failures answered (those inside allauth's own error handling are turned into the
    same page by SocialAccountAdapter.on_authentication_error)."""
    try:
        return OAuth2CallbackView.adapter_view(ProviderSessionAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error
    except requests.RequestException as error:
        return provider_unavailable(request, error)


def end_session_url(request) -> str | None:
    """Where signing out sends the browser: the provider's end-session endpoint, when the signed-in
    person came in with the ITU account they still have linked; else None (the site's own page)."""
    record = request.session.get(PROVIDER_SESSION_KEY)
    if not record or not request.user.is_authenticated:
        return None
    linked = SocialAccount.objects.filter(user=request.user, provider=record["provider_id"], uid=record["uid"])
    if not linked.exists():
        return None
    query = urlencode(
        {
            "id_token_hint": record["id_token"],
            "post_logout_redirect_uri": build_absolute_uri(request, reverse("home")),
        }
    )
    separator = "&" if "?" in record["end_session_endpoint"] else "?"
    return f"{record['end_session_endpoint']}{separator}{query}"
