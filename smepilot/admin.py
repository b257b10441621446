"""The admin of people's authenticators (allauth.mfa): seen and reset, never read or made here.

Resetting someone's two-factor authentication (they lost their phone and their recovery codes) is
deleting their authenticator app: their recovery codes go with it (smepilot.second_factor), and they
set the app up again before they decide, export or open the admin. Only people holding allauth's mfa
permissions do it (superusers; the Secretariat group manages no accounts, meetings.secretariat);
Django's admin log records who did it, and the site's log whose app went, by id. The secret is
never shown: the list and the page show who, what kind and when.
"""

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin

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
