"""The pilot report in the admin: the secretariat's narrative, and a page of figures from the data.

Imported from meetings/admin.py so that the admin registers it.
"""

from functools import partial

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from smepilot.admin_base import HistoryReadOnlyAdmin

from .models import PilotReport
from .report_views import pilot_report_csv_view, pilot_report_view


@admin.register(PilotReport)
class PilotReportAdmin(HistoryReadOnlyAdmin):
    list_display = ("title", "addressed_to", "pilot", "period_start", "period_end", "updated_at", "report_link")
    list_filter = ("pilot", "addressed_to")
    search_fields = ("title", "addressed_to")
    date_hierarchy = "period_end"
    list_select_related = ("pilot",)
    change_form_template = "admin/meetings/pilotreport/change_form.html"
    fieldsets = (
        (None, {"fields": ("pilot", "title", "addressed_to", ("period_start", "period_end"))}),
        (
            _("Narrative, written by the secretariat (terms of reference, point 5)"),
            {"fields": ("benefits", "financial_implications", "challenges")},
        ),
    )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/report/",
                view(partial(pilot_report_view, model_admin=self)),
                name="{}_{}_report".format(*info),
            ),
            path(
                "<path:object_id>/report.csv",
                view(partial(pilot_report_csv_view, model_admin=self)),
                name="{}_{}_report_csv".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("report"))
    def report_link(self, obj):
        url = reverse("admin:meetings_pilotreport_report", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("View the report"))
