"""The ITU account (TIES) sign-in, an OpenID Connect provider, when its server fails.

allauth's OpenID Connect views fetch the provider's discovery document on the way out (the
login POST) and on the way back (the callback), outside the error handling of its callback:
a provider down, answering with an error or not answering (SOCIALACCOUNT_REQUESTS_TIMEOUT)
raised a server error. People are told instead that the ITU account cannot be reached, with
status 503, and offered the site's own sign-in by email address.
"""

import logging

import requests
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from django.shortcuts import render

logger = logging.getLogger(__name__)

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


def callback(request, provider_id):
    """allauth's callback view, the provider's failures answered (those inside allauth's own
    error handling are turned into the same page by SocialAccountAdapter.on_authentication_error)."""
    try:
        return openid_connect_views.callback(request, provider_id)
    except requests.RequestException as error:
        return provider_unavailable(request, error)
