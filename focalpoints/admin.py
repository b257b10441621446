"""Secretariat admin for Administrations and the focal points they designate."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from smepilot.admin_base import HistoryReadOnlyAdmin

from .accounts import focal_point_save
from .models import Administration, FocalPoint


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
    fields = ["name", "email", "language", "account", "is_active", "created_at"]
    readonly_fields = ["account", "created_at"]
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


@admin.register(FocalPoint)
class FocalPointAdmin(FocalPointAccountMixin, HistoryReadOnlyAdmin):
    list_display = ["name", "email", "administration", "itu_region", "language", "account", "is_active", "created_at"]
    list_filter = ["is_active", "language", "administration__itu_region", "administration"]
    list_select_related = ["administration", "user"]
    search_fields = ["name", "email", "user__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["administration"]
    # The language of the focal point's emails until they choose their own (FocalPoint's docstring).
    fields = ["administration", "name", "email", "language", "account", "is_active", "created_at"]
    readonly_fields = ["account", "created_at"]

    def save_model(self, request, obj, form, change):
        focal_point_save(focal_point=obj, email_changed="email" in form.changed_data)

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()
