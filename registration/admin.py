"""Secretariat admin for SMEs, the people who represent them and their registrations.

Decisions (a registration's status, an SME's eligibility) are read-only here: they change only
through the services, which record who decided and when and tell the people concerned. Every
participant listed here represents an SME and is marked as such (terms of reference, point 3).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_actions import RegistrationActionsAdminMixin, confirm_eligibility_on_behalf, refuse_eligibility_on_behalf
from .models import SME, ParticipantProfile, Registration

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
class SMEAdmin(SimpleHistoryAdmin):
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

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()

    @admin.display(description=_("annual revenue"), ordering="annual_revenue")
    def annual_revenue_display(self, obj):
        return f"{obj.annual_revenue:,.0f} {obj.revenue_currency}"


@admin.register(ParticipantProfile)
class ParticipantProfileAdmin(SimpleHistoryAdmin):
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
        return [*self.readonly_fields, "email"] if obj is not None else self.readonly_fields

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
    """The SME defaults to the one the participant represents, so the secretariat picks two things, not three."""

    class Meta:
        model = Registration
        # The admin narrows these to its fieldsets and read-only fields.
        fields = ["participant", "sme", "meeting", "attendance"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sme" in self.fields:
            self.fields["sme"].required = False
            self.fields["sme"].help_text = _("Leave empty for the SME the participant represents.")

    def clean(self):
        cleaned_data = super().clean()
        participant = cleaned_data.get("participant")
        if "sme" in self.fields and not cleaned_data.get("sme") and participant is not None:
            if participant.sme_id:
                cleaned_data["sme"] = participant.sme
            else:
                self.add_error("sme", _("This person has not said which SME they represent: choose the SME."))
        return cleaned_data


@admin.register(Registration)
class RegistrationAdmin(RegistrationActionsAdminMixin, SimpleHistoryAdmin):
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
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["participant", "role_in_pilot", "sme", "meeting", "attendance"]}),
        (
            _("Status"),
            {"fields": ["status", "decided_by", "decided_at", "decided_on_behalf", "reason", "cancelled_at"]},
        ),
        (_("Audit"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.audit_fields
        # Who registered, for which SME and meeting, is what the focal point validated: fixed once made.
        return [*self.audit_fields, "participant", "sme", "meeting"]

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
