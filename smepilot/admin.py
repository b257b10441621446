"""The admin of people's authenticators (allauth.mfa): seen and reset, never read or made here.

Resetting someone's two-factor authentication (they lost their phone and their recovery codes) is
deleting their authenticator app: their recovery codes go with it, and they set the app up again
at their next sign-in. Only people holding allauth's mfa permissions do it (superusers; the
Secretariat group manages no accounts, meetings.secretariat); Django's admin log records who did it,
and the site's log says so by ids. The secret is never shown: the list and the page show who, what
kind and when.
"""

import logging

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes
from allauth.mfa.models import Authenticator
from django.contrib import admin

logger = logging.getLogger(__name__)

if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    list_display = ("user", "type", "created_at", "last_used_at")
    search_fields = ("user__email",)
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self._reset(request, [obj])

    def delete_queryset(self, request, queryset):
        self._reset(request, list(queryset))

    def _reset(self, request, authenticators):
        for authenticator in authenticators:
            user = authenticator.user
            authenticator.delete()
            delete_dangling_recovery_codes(user)
            logger.warning(
                "User %s reset the %s authenticator of user %s.", request.user.pk, authenticator.type, user.pk
            )
