"""Secretariat admin for SMEs, the people who represent them and their registrations.

Every write goes through registration.services or focalpoints' decision services, as on the site:
a registration added here is registered on the person's behalf by registration_create (same
checks, same emails, recorded as added by the secretariat); once made, a registration changes only
through the actions (decide or reopen on the Administration's behalf), never on its form, and is
never deleted; a profile's SME changes under the same rules as on the site (registration
services' profile_secretariat_save).

Every registration is an SME representative's, so its changelist says so once, above the list,
and its columns stay few and short enough for a laptop screen; the participant profiles, which
mix SME representatives with people who represent none, mark the representatives compactly
(terms of reference, point 3). A registration's or a profile's own page shows the full badge.

The lists that grow all pilot long (100,000 registrations and their people by its end) cost about
the same at any size (bench/bench_admin.py measures them at 100 and 100,000): a filtered or searched
list says how many rows it found without counting the whole table a second time
(``show_full_result_count``); registrations and people are filtered by their date of creation with
links that need no query ("today", "past 7 days", "this month"...), where a date hierarchy reads
every row's date to draw its years or months (37 ms of the registrations' page at 100,000); the
search reads each table through its own indexes (smepilot.admin_search).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.admin_search import StudyGroupSearchAdminMixin
from meetings.models import MeetingKind
from meetings.translated import in_every_language
from smepilot.admin_base import HistoryReadOnlyAdmin, PlainActionCheckboxMixin, ServiceWriteAdminMixin
from smepilot.admin_search import TableByTableSearchAdminMixin
from smepilot.l10n import format_money

from .admin_actions import RegistrationActionsAdminMixin, confirm_eligibility_on_behalf, refuse_eligibility_on_behalf
from .forms import CurrencyField
from .models import SME, ParticipantProfile, Registration
from .services import profile_secretariat_save, registration_create, sme_secretariat_save

SME_ROLE_LABEL = _("SME pilot — no decision-making role")
SME_ROLE_TITLE = _(
    "SME representative: may participate fully except in any role in decision-making, including leadership "
    "roles and the adoption of resolutions or recommendations (terms of reference, point 3)."
)


# Said once above a list, instead of on each row.
REGISTRATIONS_NOTE = _(
    "Every registration listed here is an SME representative's, through the SME pilot: no decision-making "
    "role. They take part fully, except in any leadership role or in adopting resolutions, recommendations "
    "or other decisions (terms of reference, point 3)."
)
PROFILES_NOTE = _(
    "People marked “SME pilot” represent an SME: no decision-making role. They take part fully, except in "
    "any leadership role or in adopting resolutions, recommendations or other decisions (terms of "
    "reference, point 3)."
)
SME_MARK_LABEL = _("SME pilot")
# The admin's changelist template, with the list's note under its title.
CHANGE_LIST_WITH_NOTE = "admin/registration/change_list_with_note.html"


def sme_badge():
    """The full badge, on the page of one person or one registration."""
    return format_html(
        '<span class="sme-badge" title="{}" style="white-space:nowrap;padding:1px 6px;border-radius:3px;'
        'background:#fff3cd;color:#664d03;border:1px solid #ffe69c">{}</span>',
        SME_ROLE_TITLE,
        SME_ROLE_LABEL,
    )


def sme_mark():
    """The compact mark of an SME representative in a list that also holds other people."""
    return format_html(
        '<span class="sme-mark" title="{}" style="white-space:nowrap;padding:0 4px;border-radius:3px;'
        'background:#fff3cd;color:#664d03;border:1px solid #ffe69c">{}</span>',
        SME_ROLE_TITLE,
        SME_MARK_LABEL,
    )


def meeting_short_label(meeting) -> str:
    """The study group, the kind and the first day: "ITU-D SG1, 30 April 2018", "ITU-D SG1 RGM, 24 September 2018"."""
    kind = "" if meeting.kind == MeetingKind.STUDY_GROUP else f" {gettext('RGM')}"
    return f"{meeting.study_group.short_name}{kind}, {date_format(meeting.starts_on, 'DATE_FORMAT')}"


def country_code(country):
    """The country's ISO code, named in full for the pointer: a short column."""
    return format_html('<abbr title="{}">{}</abbr>', country.name, country.code)


def local_date(moment) -> str:
    """The day of ``moment`` in Geneva (TIME_ZONE), in the language's date format: a short column."""
    return date_format(timezone.localtime(moment).date(), "DATE_FORMAT")


class ChangeListNoteMixin:
    """Shows ``changelist_note`` once, under the changelist's title."""

    change_list_template = CHANGE_LIST_WITH_NOTE
    changelist_note = ""

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"changelist_note": self.changelist_note, **(extra_context or {})})


@admin.register(SME)
class SMEAdmin(PlainActionCheckboxMixin, TableByTableSearchAdminMixin, ServiceWriteAdminMixin, HistoryReadOnlyAdmin):
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
    show_full_result_count = False  # the table is counted once (module docstring)
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
        "anonymised_at",
    ]
    fieldsets = [
        (None, {"fields": ["administration", "name", "website", "address"]}),
        (_("National criteria"), {"fields": ["employees", "annual_revenue", "revenue_currency"]}),
        (
            _("Eligibility (confirmed by the Administration)"),
            {"fields": ["eligibility", "eligibility_decided_by", "eligibility_decided_at", "eligibility_reason"]},
        ),
        (_("Audit"), {"fields": ["created_by", "created_at", "updated_at", "anonymised_at"]}),
    ]
    # Eligibility changes only through the service, here on behalf of the Administration.
    actions = [confirm_eligibility_on_behalf, refuse_eligibility_on_behalf]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # Its Administration validates its registrations and confirms it: fixed once declared.
        return [*readonly, "administration"] if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "revenue_currency" in form.base_fields:
            # The site's choice of ISO 4217 currencies, named in the officer's language.
            model_field = SME._meta.get_field("revenue_currency")
            form.base_fields["revenue_currency"] = CurrencyField(
                label=capfirst(model_field.verbose_name),
                help_text=_("The currency of the annual revenue."),
                kept=obj.revenue_currency if obj is not None else "",
            )
        return form

    def save_model(self, request, obj, form, change):
        sme_secretariat_save(sme=obj, saved_by=request.user)

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()

    @admin.display(description=_("annual revenue"), ordering="annual_revenue")
    def annual_revenue_display(self, obj):
        return format_money(obj.annual_revenue, obj.revenue_currency)


@admin.register(ParticipantProfile)
class ParticipantProfileAdmin(
    PlainActionCheckboxMixin,
    TableByTableSearchAdminMixin,
    ChangeListNoteMixin,
    ServiceWriteAdminMixin,
    HistoryReadOnlyAdmin,
):
    # Short columns, so that the mark and the date stay on a laptop's screen beside the filters.
    list_display = ["full_name", "email", "sme_name", "country", "sme_representative", "created_on"]
    changelist_note = PROFILES_NOTE
    list_filter = [
        "administration__itu_region",
        "administration",
        "sme__eligibility",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user", "sme", "administration"]
    search_fields = ["given_name", "family_name", "user__email", "job_title", "sme__name"]
    show_full_result_count = False  # the table is counted once (module docstring)
    autocomplete_fields = ["administration", "sme"]
    readonly_fields = ["role_in_pilot", "privacy_consent_at", "created_at", "updated_at", "anonymised_at"]
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
        "anonymised_at",
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

    @admin.display(description=_("role in the pilot"), ordering="sme_id")
    def sme_representative(self, obj):
        return sme_mark() if obj.sme_id else None

    @admin.display(description=_("SME"), ordering="sme__name")
    def sme_name(self, obj):
        return obj.sme.name if obj.sme_id else None

    @admin.display(description=_("country"), ordering="administration__country")
    def country(self, obj):
        return country_code(obj.administration.country) if obj.administration_id else None

    @admin.display(description=_("created"), ordering="created_at")
    def created_on(self, obj):
        return local_date(obj.created_at)


class RegistrationAdminForm(forms.ModelForm):
    """Register a person on their behalf: for the SME their profile names, as on the site."""

    class Meta:
        model = Registration
        fields = ["participant", "meeting", "attendance_mode"]


@admin.register(Registration)
class RegistrationAdmin(
    PlainActionCheckboxMixin,
    StudyGroupSearchAdminMixin,
    TableByTableSearchAdminMixin,
    ChangeListNoteMixin,
    RegistrationActionsAdminMixin,
    ServiceWriteAdminMixin,
    HistoryReadOnlyAdmin,
):
    form = RegistrationAdminForm
    # Few short columns, so that the status and the overdue flag stay on a laptop's screen; the
    # attendance and the decision are filters here and shown on the registration's own page.
    list_display = ["participant_name", "sme_name", "country", "meeting_label", "status", "created_on"]
    changelist_note = REGISTRATIONS_NOTE
    list_filter = [
        "status",
        ("created_at", admin.DateFieldListFilter),
        "attendance_mode",
        "meeting__study_group",
        "meeting",
        "sme__administration__itu_region",
        "sme__administration",
        "decided_on_behalf",
    ]
    list_select_related = ["participant", "sme", "sme__administration", "meeting__study_group"]
    search_fields = [
        "participant__given_name",
        "participant__family_name",
        "participant__user__email",
        "sme__name",
        *in_every_language("meeting__title"),
    ]
    study_group_path = "meeting__study_group"
    show_full_result_count = False  # the table is counted once (module docstring)
    # A pilot has a few dozen meetings, each with up to thousands of registrations (smepilot.admin_search).
    search_small_relations = ("meeting",)
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
        "decide_by",
        "escalated_at",
        "focal_points_reminded_at",
        "added_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = audit_fields
    fieldsets = [
        (None, {"fields": ["participant", "role_in_pilot", "sme", "meeting", "attendance_mode"]}),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "decide_by",
                    "focal_points_reminded_at",
                    "escalated_at",
                    "decided_by",
                    "decided_at",
                    "decided_on_behalf",
                    "reason",
                    "cancelled_at",
                ]
            },
        ),
        (_("Audit"), {"fields": ["added_by", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["participant", "meeting", "attendance_mode"]})]

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
            participant=obj.participant, choices=[(obj.meeting, obj.attendance_mode)], added_by=request.user
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

    @admin.display(description=_("SME"), ordering="sme__name")
    def sme_name(self, obj):
        return obj.sme.name

    @admin.display(description=_("country"), ordering="sme__administration__country")
    def country(self, obj):
        return country_code(obj.sme.administration.country)

    @admin.display(description=_("meeting"), ordering="meeting__starts_on")
    def meeting_label(self, obj):
        return format_html('<span title="{}">{}</span>', str(obj.meeting), meeting_short_label(obj.meeting))

    @admin.display(description=_("created"), ordering="created_at")
    def created_on(self, obj):
        return local_date(obj.created_at)


# Admins of their own modules, on the same admin site (registered on import): the secretariat's queue
# of requests due for a decision, the visa support letter requests, and the check-in desk with the
# attendances it records.
from . import admin_due, admin_visas  # noqa: E402, F401
from .admin_checkin import AttendanceAdmin  # noqa: E402, F401
