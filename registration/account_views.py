"""A person's own data, from their profile: download it, or close the account (registration.retention)."""

import json
from http import HTTPStatus

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import retention, selectors
from .data_export import personal_data_export
from .forms import AccountCloseForm


@login_required
@require_safe
def data_download(request):
    """Everything we hold about the signed-in person, as a JSON file. Reading only: a GET."""
    data = personal_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"smepilot-my-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, no_store=True, private=True)
    return response


def _reauthenticate_without_password(request) -> bool:
    # An account with a password types it on the form; one without (a sign-in code, the ITU
    # account) proves it is them through allauth's reauthentication, then comes back here.
    return request.user.is_authenticated and not request.user.has_usable_password()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reauthentication_required(allow_get=True, enabled=_reauthenticate_without_password)
def account_close(request):
    """GET says what closing does; the POST, with the password, closes the account and signs out."""
    can_close = retention.account_can_close(user=request.user)
    form = AccountCloseForm(request.POST if request.method == "POST" else None, user=request.user)
    status = HTTPStatus.OK
    if request.method == "POST":
        if not can_close:
            raise PermissionDenied(_("Focal points and the secretariat's staff cannot close their accounts here."))
        if form.fields and not ratelimit.consume(request, action="reauthenticate", user=request.user):
            form.add_error(None, _("Too many attempts. Wait a minute, then enter your password again."))
            status = HTTPStatus.TOO_MANY_REQUESTS
        elif form.is_valid():
            try:
                retention.account_close(user=request.user)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                logout(request)
                return redirect("registration:account_closed")
        if status == HTTPStatus.OK:
            status = HTTPStatus.BAD_REQUEST  # as every other form of the site answers a refused post
    profile = selectors.profile_of(user=request.user)
    coming = []
    if profile is not None:
        coming = [
            registration
            for registration in selectors.registrations_of(user=request.user)
            if registration.is_active and registration.meeting.starts_on > timezone.localdate()
        ]
    return render(
        request,
        "registration/account_close.html",
        {"form": form, "can_close": can_close, "coming": coming, "profile": profile},
        status=status,
    )


@require_safe
def account_closed(request):
    # Public: the person has just been signed out.
    return render(request, "registration/account_closed.html")
