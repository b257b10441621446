"""Secretariat admin for SMEs, the people who represent them and their registrations.

Every write goes through registration.services or focalpoints' decision services, as on the site:
a registration added here is registered on the person's behalf by registration_create (same
checks, same emails, recorded as added by the secretariat); once made, a registration changes only
through the actions (decide or reopen on the Administration's behalf), never on its form, and is
never deleted; a profile's SME changes under the same rules as on the site (registration
services' profile_secretariat_save). Every participant listed here represents an SME and is marked
as such (terms of reference, point 3).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from meetings.admin_search import StudyGroupSearchAdminMixin
from smepilot.admin_base import HistoryReadOnlyAdmin, ServiceWriteAdminMixin

from .admin_actions import RegistrationActionsAdminMixin, confirm_eligibility_on_behalf, refuse_eligibility_on_behalf
from .models import SME, ParticipantProfile, Registration
from .services import profile_secretariat_save, registration_create, sme_secretariat_save

SME_ROLE_LABEL = _("SME pilot — no decision-making role")
SME_ROLE_TITLE = _(
    "SME representative: may participate fully except in any role in decision-making, including leadership "
    "roles and the adoption of resolutions or recommendations (terms of reference, point 3)."
)


def sme_badge():
    return format_html(
        '<span class="sme-badge" title="{}" style="white-space:nowrap;padding:1px 6px;border-radius:3px;'
        'background:#fff3cd;color:#664d03;border:1px solid #ffe69c">{}</span>',
        SME_ROLE_TITLE,
        SME_ROLE_LABEL,
    )


@admin.register(SME)
class SMEAdmin(ServiceWriteAdminMixin, HistoryReadOnlyAdmin):
    list_display = [
        "name",
        "administration",
        "itu_region",
        "employees",
        "annual_revenue_display",
        "eligibility",
        "eligibility_decided_at",
        "created_at",
    ]
    list_filter = ["eligibility", "administration__itu_region", "administration"]
    list_select_related = ["administration"]
    search_fields = ["name", "website", "address"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["administration"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "eligibility",
        "eligibility_decided_by",
        "eligibility_decided_at",
        "eligibility_reason",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["administration", "name", "website", "address"]}),
        (_("National criteria"), {"fields": ["employees", "annual_revenue", "revenue_currency"]}),
        (
            _("Eligibility (confirmed by the Administration)"),
            {"fields": ["eligibility", "eligibility_decided_by", "eligibility_decided_at", "eligibility_reason"]},
        ),
        (_("Audit"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    # Eligibility changes only through the service, here on behalf of the Administration.
    actions = [confirm_eligibility_on_behalf, refuse_eligibility_on_behalf]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # Its Administration validates its registrations and confirms it: fixed once declared.
        return [*readonly, "administration"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        sme_secretariat_save(sme=obj, saved_by=request.user)

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()

    @admin.display(description=_("annual revenue"), ordering="annual_revenue")
    def annual_revenue_display(self, obj):
        return f"{obj.annual_revenue:,.0f} {obj.revenue_currency}"


@admin.register(ParticipantProfile)
class ParticipantProfileAdmin(ServiceWriteAdminMixin, HistoryReadOnlyAdmin):
    list_display = ["full_name", "email", "job_title", "sme", "administration", "role_in_pilot", "created_at"]
    list_filter = ["administration__itu_region", "administration", "sme__eligibility"]
    list_select_related = ["user", "sme", "administration"]
    search_fields = ["given_name", "family_name", "user__email", "job_title", "sme__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["administration", "sme"]
    readonly_fields = ["role_in_pilot", "privacy_consent_at", "created_at", "updated_at"]
    fields = [
        "user",
        "given_name",
        "family_name",
        "job_title",
        "administration",
        "sme",
        "role_in_pilot",
        "privacy_consent_at",
        "created_at",
        "updated_at",
    ]

    # A profile stays with its account, shown by its address; the secretariat manages no accounts.
    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["email" if name == "user" else name for name in fields] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "email"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        profile_secretariat_save(profile=obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # A plain chooser of the accounts without a profile yet (secretariat, focal points,
            # delegates: few), usable by staff who have no permissions on accounts.
            kwargs["queryset"] = get_user_model().objects.filter(participant__isnull=True).order_by("email")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda user: user.email or user.get_username()
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("name"), ordering="family_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("email address"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("role in the pilot"))
    def role_in_pilot(self, obj):
        return sme_badge() if obj.sme_id else "—"


class RegistrationAdminForm(forms.ModelForm):
    """Register a person on their behalf: for the SME their profile names, as on the site."""

    class Meta:
        model = Registration
        fields = ["participant", "meeting", "attendance"]


@admin.register(Registration)
class RegistrationAdmin(
    StudyGroupSearchAdminMixin, RegistrationActionsAdminMixin, ServiceWriteAdminMixin, HistoryReadOnlyAdmin
):
    form = RegistrationAdminForm
    list_display = [
        "participant_name",
        "role_in_pilot",
        "sme",
        "administration",
        "meeting",
        "attendance",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = [
        "status",
        "attendance",
        "meeting__study_group",
        "meeting",
        "sme__administration__itu_region",
        "sme__administration",
        "decided_on_behalf",
    ]
    list_select_related = ["participant", "sme", "sme__administration", "meeting", "decided_by"]
    search_fields = [
        "participant__given_name",
        "participant__family_name",
        "participant__user__email",
        "sme__name",
        "meeting__title",
    ]
    study_group_path = "meeting__study_group"
    date_hierarchy = "created_at"
    autocomplete_fields = ["participant", "sme", "meeting"]
    # The decision and its audit trail change through the services only (see the module docstring).
    audit_fields = [
        "role_in_pilot",
        "status",
        "decided_by",
        "decided_at",
        "decided_on_behalf",
        "reason",
        "cancelled_at",
        "added_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = audit_fields
    fieldsets = [
        (None, {"fields": ["participant", "role_in_pilot", "sme", "meeting", "attendance"]}),
        (
            _("Status"),
            {"fields": ["status", "decided_by", "decided_at", "decided_on_behalf", "reason", "cancelled_at"]},
        ),
        (_("Audit"), {"fields": ["added_by", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["participant", "meeting", "attendance"]})]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def has_change_permission(self, request, obj=None):
        # A registration is shown read-only: it changes through the actions (decide or reopen on
        # the Administration's behalf), which say why and tell the people concerned. The actions
        # themselves need the change permission, asked without an object.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # The record of who asked and who decided is what the secretariat reports on: never deleted.
        return False

    def save_model(self, request, obj, form, change):
        """Register the person on their behalf, through the site's service (its checks and emails)."""
        (created,) = registration_create(
            participant=obj.participant, choices=[(obj.meeting, obj.attendance)], added_by=request.user
        )
        obj.pk = created.pk
        obj.sme = created.sme
        obj._state.adding = False

    @admin.display(description=_("participant"), ordering="participant__family_name")
    def participant_name(self, obj):
        return obj.participant.full_name

    @admin.display(description=_("role in the pilot"))
    def role_in_pilot(self, obj):
        # Every registration is an SME representative's: the pilot registers no one else.
        return sme_badge()

    @admin.display(description=_("Administration"), ordering="sme__administration__country")
    def administration(self, obj):
        return obj.sme.administration
