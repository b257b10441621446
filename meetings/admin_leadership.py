"""Secretariat admin for leadership appointments and decisions (terms of reference, point 3).

Every write goes through meetings.leadership_services, which checks the rule (meetings.rules)
before writing; the database's triggers stand behind it. The choosers offer only people eligible
for a decision-making role, but validate against every active account, so that a forged or
stale choice reads the rule's message beside the field rather than a generic choice error.

Imported from meetings/admin.py so that the admin registers it.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smepilot.admin_base import HistoryReadOnlyAdmin, ServiceWriteAdminMixin

from .admin_search import StudyGroupSearchAdminMixin
from .leadership_services import appointment_end, appointment_save, decision_participants_set, decision_save
from .models import Appointment, Decision, DecisionParticipant
from .rules import decision_making_eligible_people
from .translated import in_every_language


def _person_label(user):
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else (user.email or user.get_username())


def _eligible_person_field(field):
    """Offer active people eligible for a decision-making role; accept any active account.

    The service refuses an SME representative with the rule's message (terms of reference, point
    3); a chooser that only accepted what it offers would answer "Select a valid choice" instead.
    """
    field.queryset = get_user_model().objects.filter(is_active=True).order_by("email")
    field.label_from_instance = _person_label
    eligible = decision_making_eligible_people().filter(is_active=True).order_by("email")
    # Evaluated once per form: a formset's rows then share the list instead of a query each.
    field.choices = [("", field.empty_label), *((user.pk, _person_label(user)) for user in eligible)]
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
class AppointmentAdmin(
    StudyGroupSearchAdminMixin, EligiblePersonAdminMixin, ServiceWriteAdminMixin, HistoryReadOnlyAdmin
):
    list_display = ["person_label", "role", "study_group", "question", "starts_on", "ends_on"]
    list_filter = [CurrentAppointmentFilter, "role", "study_group"]
    list_select_related = ["person", "study_group"]
    search_fields = ["person__email", "person__first_name", "person__last_name", "question", "notes"]
    study_group_path = "study_group"
    date_hierarchy = "starts_on"
    autocomplete_fields = ["study_group"]
    fields = ["person", "study_group", "question", "role", "starts_on", "ends_on", "notes"]
    actions = ["end_today"]

    def save_model(self, request, obj, form, change):
        appointment_save(appointment=obj)

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
    """The people taking part in a decision; saved together through decision_participants_set."""

    model = DecisionParticipant
    fields = ["person"]
    extra = 3
    verbose_name = _("person taking part in the decision")
    verbose_name_plural = _("people taking part in the decision")

    def get_queryset(self, request):
        # Each row's title is "person — decision".
        return super().get_queryset(request).select_related("person", "decision")


@admin.register(Decision)
class DecisionAdmin(StudyGroupSearchAdminMixin, ServiceWriteAdminMixin, HistoryReadOnlyAdmin):
    list_display = ["reference", "title", "kind", "meeting", "adopted_on", "approval_procedure"]
    list_filter = ["kind", "meeting__study_group", "adopted_on"]
    list_select_related = ["meeting"]
    search_fields = ["reference", "title", "approval_procedure", *in_every_language("meeting__title")]
    study_group_path = "meeting__study_group"
    date_hierarchy = "adopted_on"
    autocomplete_fields = ["meeting"]
    fields = ["meeting", "kind", "reference", "title", "adopted_on", "approval_procedure"]
    inlines = [DecisionParticipantInline]

    def has_delete_permission(self, request, obj=None):
        # A decision is part of the record the secretariat reports on: it is corrected, not deleted.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        decision_save(decision=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not DecisionParticipant:
            return super().save_formset(request, form, formset, change)
        # The whole list in one call, so the rule is checked for everyone before anything is written.
        people = [
            row.cleaned_data["person"]
            for row in formset.forms
            if row.cleaned_data.get("person") and not formset._should_delete_form(row)
        ]
        decision_participants_set(decision=form.instance, people=people)
        # What the admin's change message reads (formset.save() would have set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(DecisionParticipant)
class DecisionParticipantAdmin(EligiblePersonAdminMixin, HistoryReadOnlyAdmin):
    """Listed for its history and search; people are recorded on their decision's page, where the
    whole list is checked against the rule at once."""

    list_display = ["person_label", "decision"]
    list_select_related = ["person", "decision"]
    search_fields = ["person__email", "person__first_name", "person__last_name", "decision__reference"]
    fields = ["decision", "person"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
