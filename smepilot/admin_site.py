"""The secretariat's admin site, installed as Django's default one (smepilot.apps.SecretariatAdminConfig).

The admin is the ITU-D Study Groups Secretariat's: focal points work from their own pages and SME
representatives from the public site, even if someone flags their account as staff. Sign-in goes
through allauth (its rate limits, sign-in by code). The pages' write paths: smepilot.admin_base.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from focalpoints.models import FocalPoint
from meetings.rules import is_sme_representative


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
        return secretariat_may_use_admin(request)

    def login(self, request, extra_context=None):
        """Send admin sign-in through allauth's sign-in page, keeping `next`.

        A signed-in user without admin access gets 403 instead of a redirect loop (allauth would
        send them straight back to the admin).
        """
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            raise PermissionDenied(_("Your account has no access to the secretariat admin."))
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
