"""The secretariat's admin site, installed as Django's default one (smepilot.apps.SecretariatAdminConfig).

The admin is the ITU-D Study Groups Secretariat's: focal points work from their own pages and SME
representatives from the public site, even if someone flags their account as staff. Sign-in goes
through allauth (its rate limits, sign-in by code), and every admin page asks for a second factor
passed in this session (smepilot.second_factor): a staff member without one is sent to set it up or
enter its code, and comes back. The pages' write paths: smepilot.admin_base.
"""

from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from focalpoints.models import FocalPoint
from meetings.rules import is_sme_representative
from smepilot.second_factor import second_factor_passed, second_factor_refusal
from smepilot.text import ascii_id


def secretariat_may_use_admin(request) -> bool:
    """Active staff only, and never an SME representative or a focal point, even if flagged staff."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if is_sme_representative(user):
        return False
    return not FocalPoint.objects.filter(user_id=user.pk).exists()


class SecretariatAdminSite(admin.AdminSite):
    site_header = _("ITU-D SME pilot — secretariat")
    site_title = _("SME pilot admin")
    index_title = _("Pilot administration")

    def has_permission(self, request):
        return secretariat_may_use_admin(request) and second_factor_passed(request)

    def admin_view(self, view, cacheable=False):
        """Every admin page, with the ids an action posts kept only when they are ids (ASCII digits
        in a primary key's range): "²" or a 30-digit number is dropped, not a server error; with none
        left, the admin says that items must be selected."""
        inner = super().admin_view(view, cacheable)

        def ids_checked(request, *args, **kwargs):
            if secretariat_may_use_admin(request) and not second_factor_passed(request):
                # Before anything runs: a POST without the second factor changes nothing.
                return second_factor_refusal(request)
            if request.method == "POST" and helpers.ACTION_CHECKBOX_NAME in request.POST:
                selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
                kept = [value for value in selected if ascii_id(value) is not None]
                if kept != selected:
                    post = request.POST.copy()
                    post.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
                    request.POST = post
            return inner(request, *args, **kwargs)

        return update_wrapper(ids_checked, inner)

    def login(self, request, extra_context=None):
        """Send admin sign-in through allauth's sign-in page, keeping `next`.

        A signed-in user without admin access gets 403 instead of a redirect loop (allauth would
        send them straight back to the admin); a secretariat member who has not passed a second factor
        in this session is sent to the page that asks for it, and comes back.
        """
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            if secretariat_may_use_admin(request):
                return second_factor_refusal(request, back_to=self._next_url(request))
            raise PermissionDenied(_("Your account has no access to the secretariat admin."))
        next_url = self._next_url(request)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")

    def _next_url(self, request) -> str:
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        return next_url
