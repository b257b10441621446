"""Secretariat admin for Administrations and the focal points they designate."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from simple_history.admin import SimpleHistoryAdmin

from .models import Administration, FocalPoint


class FocalPointInline(admin.TabularInline):
    model = FocalPoint
    fields = ["name", "email", "user", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["country", "country_code", "itu_region", "in_pilot", "active_focal_points", "smes"]
    list_filter = ["itu_region", "in_pilot"]
    search_fields = ["country"]
    inlines = [FocalPointInline]

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
class FocalPointAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "administration", "itu_region", "user", "is_active", "created_at"]
    list_filter = ["is_active", "administration__itu_region", "administration"]
    list_select_related = ["administration", "user"]
    search_fields = ["name", "email", "user__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["administration", "user"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("ITU region"), ordering="administration__itu_region")
    def itu_region(self, obj):
        return obj.administration.get_itu_region_display()
