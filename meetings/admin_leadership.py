"""Secretariat admin for leadership appointments and decisions, and who may reach the admin.

The choosers offer only people eligible for a decision-making role, model validation shows the
rule's message on the person field, the actions go through meetings.leadership_services and the
database triggers stand behind all of it (terms of reference, point 3; see meetings.rules).

Imported from meetings/admin.py so that the admin registers it.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .leadership_services import appointment_end
from .models import Appointment, Decision, DecisionParticipant
from .rules import decision_making_eligible_people, is_sme_representative


def _person_label(user):
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else (user.email or user.get_username())


def _eligible_person_field(field):
    """Limit a person chooser to active people eligible for a decision-making role (ToR point 3)."""
    field.queryset = decision_making_eligible_people().filter(is_active=True).order_by("email")
    field.label_from_instance = _person_label
    field.help_text = _("SME representatives are not offered: they cannot hold a decision-making role.")
    return field


class EligiblePersonAdminMixin:
    """The "person" chooser offers only people eligible for a decision-making role (ToR point 3)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "person":
            _eligible_person_field(field)
        return field

    @admin.display(description=_("person"), ordering="person__email")
    def person_label(self, obj):
        return _person_label(obj.person)


class CurrentAppointmentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        current = Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(current)
        if self.value() == "no":
            return queryset.exclude(current)
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(EligiblePersonAdminMixin, SimpleHistoryAdmin):
    list_display = ["person_label", "role", "study_group", "question", "starts_on", "ends_on"]
    list_filter = [CurrentAppointmentFilter, "role", "study_group"]
    list_select_related = ["person", "study_group"]
    search_fields = ["person__email", "person__first_name", "person__last_name", "question", "notes"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["study_group"]
    fields = ["person", "study_group", "question", "role", "starts_on", "ends_on", "notes"]
    actions = ["end_today"]

    @admin.action(description=_("End the selected appointments today"), permissions=["change"])
    def end_today(self, request, queryset):
        today = timezone.localdate()
        ended = 0
        for appointment in queryset.select_related("person", "study_group"):
            if appointment.ends_on is not None and appointment.ends_on <= today:
                continue
            try:
                appointment_end(appointment=appointment, ends_on=max(today, appointment.starts_on))
            except ValidationError as error:
                self.message_user(request, f"{appointment}: {' '.join(error.messages)}", messages.ERROR)
            else:
                ended += 1
        self.message_user(
            request,
            ngettext("%(count)d appointment ended.", "%(count)d appointments ended.", ended) % {"count": ended},
            messages.SUCCESS,
        )


class DecisionParticipantInline(EligiblePersonAdminMixin, admin.TabularInline):
    model = DecisionParticipant
    fields = ["person"]
    extra = 3
    verbose_name = _("person taking part in the decision")
    verbose_name_plural = _("people taking part in the decision")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "person":
            # Evaluate the choices once for the whole formset: otherwise every row's select runs its
            # own query and the page grows with the number of participants. Validation still uses
            # the queryset, so a person who became ineligible meanwhile is refused.
            field.choices = list(field.choices)
        return field

    def get_queryset(self, request):
        # Each row's title is "person — decision".
        return super().get_queryset(request).select_related("person", "decision")


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "kind", "meeting", "adopted_on", "approval_procedure"]
    list_filter = ["kind", "meeting__study_group", "adopted_on"]
    list_select_related = ["meeting"]
    search_fields = ["reference", "title", "approval_procedure", "meeting__title"]
    date_hierarchy = "adopted_on"
    autocomplete_fields = ["meeting"]
    fields = ["meeting", "kind", "reference", "title", "adopted_on", "approval_procedure"]
    inlines = [DecisionParticipantInline]

    def has_delete_permission(self, request, obj=None):
        # A decision is part of the record the secretariat reports on: it is corrected, not deleted.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(DecisionParticipant)
class DecisionParticipantAdmin(EligiblePersonAdminMixin, SimpleHistoryAdmin):
    """Listed for its history and search; rows are added through a decision's page."""

    list_display = ["person_label", "decision"]
    list_select_related = ["person", "decision"]
    search_fields = ["person__email", "person__first_name", "person__last_name", "decision__reference"]
    fields = ["decision", "person"]
    autocomplete_fields = ["decision"]


# --- Who reaches the admin -------------------------------------------------------------------


def secretariat_may_use_admin(request):
    """Active staff only, and never an SME representative or a focal point, even if flagged staff.

    DESIGN.md: the admin is the secretariat's; focal points work from their own pages and SME
    representatives from the public site.
    """
    from focalpoints.models import FocalPoint

    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if is_sme_representative(user):
        return False
    return not FocalPoint.objects.filter(user_id=user.pk).exists()


def admin_login(request, extra_context=None):
    """Send admin sign-in through allauth's login, so its rate limits and login-by-code apply.

    Keeps `next`. A signed-in user without admin access gets 403 instead of a redirect loop
    (allauth would send them straight back to the admin).
    """
    if request.user.is_authenticated:
        if secretariat_may_use_admin(request):
            return HttpResponseRedirect(reverse("admin:index"))
        raise PermissionDenied(_("Your account has no access to the secretariat admin."))
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


admin.site.has_permission = secretariat_may_use_admin
admin.site.login = admin_login
