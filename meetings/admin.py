"""Secretariat admin for the pilot, study groups and meetings.

Changelists select or prefetch what their columns show, so a page costs the same number of
queries whatever its number of rows (tests/test_admin.py measures it).

Study group titles, meeting titles and places are entered in each of the six languages (English
required) and listed in the officer's; a search finds them by any language's (meetings/translation.py).
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from registration.models import ACTIVE_STATUSES, Registration
from smepilot.admin_base import ServiceWriteAdminMixin

from .admin_participant_list import MeetingParticipantListExportsAdminMixin
from .admin_participants import MeetingParticipantsAdminMixin
from .admin_search import StudyGroupSearchAdminMixin
from .models import Meeting, Pilot, StudyGroup
from .services import meeting_save
from .translated import in_every_language, in_reader_language

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE]
OTHER_LANGUAGES_HELP = _(
    "Each language's readers see the text given here; where it is left empty, they see the English one."
)


def in_other_languages(*fields: str) -> list[tuple[str, ...]]:
    """One line per language other than English, with ``fields``' columns in that language side by side."""
    return [tuple(build_localized_fieldname(field, code) for field in fields) for code in OTHER_LANGUAGES]


class InLanguagesAdminMixin:
    """Each language's field says its language to browsers and screen readers, and Arabic is typed right
    to left, whatever the officer's own language."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = getattr(db_field, "language", None)  # a column of meetings/translation.py
        if formfield is not None and language:
            direction = "rtl" if get_language_info(language)["bidi"] else "ltr"
            formfield.widget.attrs.update({"lang": language, "dir": direction})
        return formfield


@admin.register(Pilot)
class PilotAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "is_running", "participating_study_groups"]
    search_fields = ["name", "terms"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["study_groups"]
    fieldsets = [
        (None, {"fields": ["name", "starts_on", "ends_on"]}),
        (_("Terms of reference (Council 2017)"), {"fields": ["terms"]}),
        (_("Participating study groups"), {"fields": ["study_groups"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("study_groups")

    @admin.display(description=_("running today"), boolean=True)
    def is_running(self, obj):
        return obj.starts_on <= timezone.localdate() <= obj.ends_on

    @admin.display(description=_("participating study groups"))
    def participating_study_groups(self, obj):
        return ", ".join(group.short_name for group in obj.study_groups.all())


class MeetingInline(admin.TabularInline):
    model = Meeting
    fields = ["title", "kind", "starts_on", "ends_on", "place", "remote_participation"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Meetings are added on their own page, where their registration window is checked.
        return False


@admin.register(StudyGroup)
class StudyGroupAdmin(StudyGroupSearchAdminMixin, InLanguagesAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "title", "study_period", "meeting_count"]
    list_display_links = ["short_name", "title"]
    list_filter = ["sector", "study_period_start"]
    # Also by the names people use, "SG1" or "Study Group 1" (StudyGroupSearchAdminMixin).
    search_fields = [*in_every_language("title"), "=number", "sector"]
    ordering = ["sector", "study_period_start", "number"]
    inlines = [MeetingInline]
    fieldsets = [
        (None, {"fields": ["sector", "number", "title_en", "study_period_start", "study_period_end"]}),
        (
            _("Titles in other languages"),
            {"fields": in_other_languages("title"), "description": OTHER_LANGUAGES_HELP},
        ),
    ]

    def get_queryset(self, request):
        # Aggregating drops the model's default ordering; the autocomplete's paginator needs one.
        return (
            super()
            .get_queryset(request)
            .annotate(meeting_count=Count("meetings"))
            .order_by(*StudyGroup._meta.ordering)
        )

    @admin.display(description=_("study group"), ordering="number")
    def short_name(self, obj):
        return obj.short_name

    @admin.display(description=_("study period"), ordering="study_period_start")
    def study_period(self, obj):
        return f"{obj.study_period_start}–{obj.study_period_end}"

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, obj):
        return obj.meeting_count


def _active_registration_count():
    """Each listed meeting's pending and validated registrations, counted in the (meeting, status) index alone.

    A join and GROUP BY would read every registration of the pilot to list a page of meetings (170 ms
    at 100,000); a count per meeting reads that meeting's active rows only, and only for the page's.
    """
    active = (
        Registration.objects.filter(meeting=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        .order_by()
        .values("meeting")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), 0)


@admin.register(Meeting)
class MeetingAdmin(
    StudyGroupSearchAdminMixin,
    MeetingParticipantListExportsAdminMixin,
    MeetingParticipantsAdminMixin,
    ServiceWriteAdminMixin,
    InLanguagesAdminMixin,
    admin.ModelAdmin,
):
    list_display = [
        "title",
        "study_group",
        "kind",
        "starts_on",
        "ends_on",
        "place",
        "remote_participation",
        "registration_opens_on",
        "registration_closes_on",
        "registration_open_today",
        "active_registrations",
    ]
    list_filter = ["kind", "study_group", "remote_participation", "starts_on"]
    list_select_related = ["study_group"]
    search_fields = [
        *in_every_language("title"),
        *in_every_language("place"),
        *in_every_language("study_group__title"),
    ]
    study_group_path = "study_group"
    date_hierarchy = "starts_on"
    autocomplete_fields = ["study_group"]
    fieldsets = [
        (None, {"fields": ["study_group", "kind", "title_en"]}),
        (_("Dates and place"), {"fields": ["starts_on", "ends_on", "place_en", "remote_participation"]}),
        (_("Registration window"), {"fields": ["registration_opens_on", "registration_closes_on"]}),
        (
            _("Titles and places in other languages"),
            {"fields": in_other_languages("title", "place"), "description": OTHER_LANGUAGES_HELP},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_registration_count=_active_registration_count())
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        # The model's ordering, with the titles in the officer's language (else English) rather than
        # that language's column alone, where meetings without one would come first or last.
        return ["starts_on", "study_group__number", "kind", in_reader_language("title")]

    def save_model(self, request, obj, form, change):
        meeting_save(meeting=obj)

    @admin.display(description=_("registration open today"), boolean=True)
    def registration_open_today(self, obj):
        return obj.registration_opens_on <= timezone.localdate() <= obj.registration_closes_on

    @admin.display(description=_("active registrations"), ordering="active_registration_count")
    def active_registrations(self, obj):
        return obj.active_registration_count


# Leadership appointments, decisions and pilot reports are registered below.
# admin_leadership: appointments, decisions, admin sign-in; admin_report: the pilot report page.
from . import admin_leadership, admin_report  # noqa: E402, F401
