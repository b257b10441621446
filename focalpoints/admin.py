"""Secretariat admin for Administrations, the focal points they designate and the deputies focal points name."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries import countries

from smepilot.admin_base import HistoryReadOnlyAdmin
from smepilot.text import validate_multiline

from .accounts import focal_point_save
from .deputies import deputyship_confirm, deputyship_decline, deputyship_end
from .models import Administration, Deputyship, DeputyshipStatus, FocalPoint


class FocalPointAccountMixin:
    """The account is shown, never chosen by hand: it is the one owning the designated address.

    focalpoints.accounts.focal_point_save links it; choosing another account would hand that
    account the Administration's decisions.
    """

    @admin.display(description=_("user account"), ordering="user__email")
    def account(self, obj):
        if obj.user_id is None:
            return _("none yet: created when the focal point is saved active, or at their first sign-in")
        return obj.user.email or obj.user.get_username()


class FocalPointInline(FocalPointAccountMixin, admin.TabularInline):
    model = FocalPoint
    fields = ["name", "email", "email_bounced_at", "language", "account", "is_active", "created_at"]
    readonly_fields = ["account", "email_bounced_at", "created_at"]
    extra = 0

    def get_queryset(self, request):
        # Each row shows its account, and names its Administration (FocalPoint.__str__): no query per row.
        return super().get_queryset(request).select_related("user", "administration")


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["country", "country_code", "itu_region", "in_pilot", "active_focal_points", "smes"]
    list_filter = ["itu_region", "in_pilot"]
    search_fields = ["country"]
    inlines = [FocalPointInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not FocalPoint:
            return super().save_formset(request, form, formset, change)
        to_save = {id(focal_point) for focal_point in formset.save(commit=False)}
        for focal_point in formset.deleted_objects:
            focal_point.delete()
        for focal_point_form in formset.forms:
            if id(focal_point_form.instance) in to_save:
                focal_point_save(
                    focal_point=focal_point_form.instance, email_changed="email" in focal_point_form.changed_data
                )

    def get_queryset(self, request):
        # distinct: two counts over two joins would otherwise multiply each other.
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_focal_point_count=Count("focal_points", filter=Q(focal_points__is_active=True), distinct=True),
                sme_count=Count("smes", distinct=True),
            )
            # Aggregating drops the model's default ordering; the autocomplete's paginator needs one.
            .order_by(*Administration._meta.ordering)
        )

    def get_search_results(self, request, queryset, search_term):
        # The database holds ISO codes; people search by the country's name ("kenya") or its code.
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        codes = {code for code, name in countries if term in str(name).lower() or term == code.lower()}
        return queryset.filter(country__in=codes), False

    @admin.display(description=_("code"), ordering="country")
    def country_code(self, obj):
        return obj.country.code

    @admin.display(description=_("active focal points"), ordering="active_focal_point_count")
    def active_focal_points(self, obj):
        return obj.active_focal_point_count

    @admin.display(description=_("SMEs"), ordering="sme_count")
    def smes(self, obj):
        return obj.sme_count


class BouncedAddressFilter(admin.SimpleListFilter):
    title = _("address refused by the mail server")
    parameter_name = "address_refused"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(email_bounced_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(email_bounced_at__isnull=True)
        return queryset


@admin.register(FocalPoint)
class FocalPointAdmin(FocalPointAccountMixin, HistoryReadOnlyAdmin):
    list_display = [
        "name",
        "email",
        "address_refused",
        "administration",
        "itu_region",
        "language",
        "account",
        "is_active",
        "created_at",
    ]
    list_filter = [BouncedAddressFilter, "is_active", "language", "administration__itu_region", "administration"]
    list_select_related = ["administration", "user"]
    search_fields = ["name", "email", "user__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["administration"]
    # The language of the focal point's emails until they choose their own (FocalPoint's docstring).
    fields = [
        "administration",
        "name",
        "email",
        "email_bounced_at",
        "email_bounce_error",
        "language",
        "account",
        "is_active",
        "created_at",
    ]
    # Marked by the outbox's bounce (focalpoints.bounces); cleared by recording another address.
    readonly_fields = ["account", "email_bounced_at", "email_bounce_error", "created_at"]

    @admin.display(description=_("address refused"), boolean=True, ordering="email_bounced_at")
    def address_refused(self, obj):
        return obj.email_bounced_at is not None

    def save_model(self, request, obj, form, change):
        focal_point_save(focal_point=obj, email_changed="email" in form.changed_data)

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Why the secretariat declines this deputy. The focal point who named them reads it."),
        error_messages={"required": _("Give the reason; the focal point reads it.")},
    )


def _each(modeladmin, request, queryset, *, service, done_message):
    """Run ``service`` on each selected deputyship; each refusal is listed with its reason."""
    done = 0
    for deputyship in queryset.select_related("administration").order_by("pk"):
        try:
            service(deputyship)
        except ValidationError as error:
            modeladmin.message_user(request, f"{deputyship}: {' '.join(error.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.action(description=_("Confirm the selected deputies"), permissions=["change"])
def confirm_deputies(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        service=lambda deputyship: deputyship_confirm(deputyship=deputyship, confirmed_by=request.user),
        done_message=ngettext_lazy(
            "%(count)d deputy confirmed; they and their focal point are told by email.",
            "%(count)d deputies confirmed; they and their focal points are told by email.",
            "count",
        ),
    )


@admin.action(description=_("Decline the selected deputies…"), permissions=["change"])
def decline_deputies(modeladmin, request, queryset):
    from registration.admin_actions import _decide_on_behalf

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="decline_deputies",
        decide=lambda deputyship, *, decided_by, reason: deputyship_decline(
            deputyship=deputyship, declined_by=decided_by, reason=reason
        ),
        select_related=("administration", "focal_point"),
        title=_("Decline deputies"),
        decided_message=ngettext_lazy(
            "%(count)d deputy declined; the focal point is told by email.",
            "%(count)d deputies declined; their focal points are told by email.",
            "count",
        ),
        template="admin/focalpoints/deputyship/decline.html",
        form_class=DeclineForm,
        extra_context={"proposed": DeputyshipStatus.PROPOSED},
    )


@admin.action(description=_("End the selected deputyships now"), permissions=["change"])
def end_deputyships(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        service=lambda deputyship: deputyship_end(deputyship=deputyship, ended_by=request.user),
        done_message=ngettext_lazy(
            "%(count)d deputyship ended.",
            "%(count)d deputyships ended.",
            "count",
        ),
    )


@admin.register(Deputyship)
class DeputyshipAdmin(HistoryReadOnlyAdmin):
    """The deputies focal points named: confirmed, declined or ended through focalpoints.deputies only.

    Nobody adds or edits one by hand: a focal point names their deputy from their own pages
    (/focal-point/deputies/), and the secretariat's part is to confirm or decline it.
    """

    list_display = ["name", "email", "administration", "named_by", "starts_on", "ends_on", "status", "created_at"]
    list_filter = ["status", "administration__itu_region", "administration"]
    list_select_related = ["administration", "focal_point"]
    search_fields = ["name", "email", "focal_point__name", "focal_point__email"]
    date_hierarchy = "starts_on"
    actions = [confirm_deputies, decline_deputies, end_deputyships]
    fields = [
        "administration",
        "focal_point",
        "name",
        "email",
        "account",
        "language",
        "starts_on",
        "ends_on",
        "status",
        "reviewed_by",
        "reviewed_at",
        "decline_reason",
        "ended_at",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("named by"), ordering="focal_point__name")
    def named_by(self, obj):
        return obj.focal_point.name

    @admin.display(description=_("deputy's account"))
    def account(self, obj):
        if obj.user_id is None:
            return _("none yet: linked, or created, when the secretariat confirms the deputy")
        return obj.user.email or obj.user.get_username()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "reviewed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only pages; the actions (confirm, decline, end) need the change permission, asked without an object.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
