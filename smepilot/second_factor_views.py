"""The page that says why a second factor is asked for and how to give it (smepilot.second_factor).

Reached by a redirect from the pages that require it, with ``next`` the page to come back to. Two
cases: the account has no authenticator app yet (set it up: allauth's own pages, then back here
through the recovery codes page), or it has one but this session has not used it (enter its
code: allauth's mfa_reauthenticate, which records it as allauth does and goes on to ``next``).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .second_factor import (
    NEXT_SESSION_KEY,
    has_authenticator_app,
    safe_next,
    second_factor_passed,
    second_factor_required_of,
)


@login_required
@require_http_methods(["GET", "HEAD"])
def second_factor(request):
    next_url = safe_next(request, request.GET.get("next"))
    if second_factor_passed(request):
        request.session.pop(NEXT_SESSION_KEY, None)
        return HttpResponseRedirect(next_url)
    if request.session.get(NEXT_SESSION_KEY) != next_url:
        request.session[NEXT_SESSION_KEY] = next_url
    return render(
        request,
        "account/second_factor.html",
        {
            "next_url": next_url,
            "has_authenticator_app": has_authenticator_app(request.user),
            "required": second_factor_required_of(request.user),
        },
    )
