"""The secretariat's queue "Due for a decision on behalf of the Administration".

Pending requests whose approve-by date is near and which the secretariat has taken up
(focalpoints.escalation), the most urgent first. They are decided here through the same actions,
and the same service (focalpoints.decisions.registration_decide), as on the registrations' list;
nothing else is written from this list.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smepilot.admin_base import PlainActionCheckboxMixin

from .admin_actions import approve_on_behalf, reject_on_behalf
from .models import RegistrationDueForDecision


@admin.register(RegistrationDueForDecision)
class RegistrationDueForDecisionAdmin(PlainActionCheckboxMixin, admin.ModelAdmin):
    # A registration's history (its escalation included) is read on its own page, in the registrations' list.
    list_display = [
        "participant_name",
        "sme_name",
        "administration",
        "meeting",
        "attendance_mode",
        "decide_by",
        "escalated_at",
    ]
    list_display_links = None
    list_select_related = ["participant", "sme", "sme__administration", "meeting"]
    list_filter = ["sme__administration__itu_region", "attendance_mode"]
    actions = [approve_on_behalf, reject_on_behalf]
    show_full_result_count = False

    def get_queryset(self, request):
        # The proxy's manager holds the queue's definition (TAKEN_UP_BY_SECRETARIAT).
        return super().get_queryset(request).order_by("decide_by", "created_at", "pk")

    def get_ordering(self, request):
        return ["decide_by", "created_at", "pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The actions need the change permission, asked without an object; no row is edited here.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("participant"), ordering="participant__family_name")
    def participant_name(self, obj):
        return obj.participant.full_name

    @admin.display(description=_("SME"), ordering="sme__name")
    def sme_name(self, obj):
        return obj.sme.name

    @admin.display(description=_("Administration"), ordering="sme__administration__country")
    def administration(self, obj):
        return obj.sme.administration
