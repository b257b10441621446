"""The pilot report page and its CSV export, in the admin (terms of reference, point 5).

Charts are inline SVG drawn on the server: no JavaScript, printable, and accessible — each has
a <title> and <desc> and is followed by the table of the same figures.
"""

import csv
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .report import PilotReportFigures, days, pilot_report_figure_rows, pilot_report_figures

# Chart geometry, in SVG user units (the chart scales to the page width).
CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 50
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_MAX_CHARS = 34


@dataclass
class Bar:
    label: str
    short_label: str
    value: int | float
    y: float
    text_y: float
    width: float
    value_x: float


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_x: int
    bar_x: int


def bar_chart(*, chart_id: str, title: str, items: list[tuple[str, int | float]], unit: str = "") -> BarChart:
    """A horizontal bar chart's geometry; the template only draws it."""
    largest = max((value for _label, value in items), default=0)
    bar_area = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        width = round(bar_area * value / largest, 1) if largest else 0
        short = label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"
        bars.append(
            Bar(
                label=label,
                short_label=short,
                value=value,
                y=y,
                text_y=index * ROW_HEIGHT + ROW_HEIGHT / 2,
                width=width,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    # The description reads the whole chart out, for screen readers and text-only printing.
    description = "; ".join(f"{label}: {value}{unit}" for label, value in items) or _("No data for this period.")
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        width=CHART_WIDTH,
        height=max(len(items), 1) * ROW_HEIGHT,
        label_x=LABEL_WIDTH - 8,
        bar_x=LABEL_WIDTH,
    )


def report_charts(figures: PilotReportFigures) -> dict[str, BarChart]:
    return {
        "regions": bar_chart(
            chart_id="chart-regions",
            title=_("SMEs taking part, by ITU region"),
            items=[(count.label, count.taking_part) for count in figures.smes_by_region],
        ),
        "countries": bar_chart(
            chart_id="chart-countries",
            title=_("SMEs taking part, by country"),
            items=[(count.label, count.taking_part) for count in figures.smes_by_country],
        ),
        "meetings": bar_chart(
            chart_id="chart-meetings",
            title=_("Validated registrations, by meeting"),
            items=[
                (f"{count.study_group} — {count.label}", count.validated) for count in figures.registrations_by_meeting
            ],
        ),
        "attendance": bar_chart(
            chart_id="chart-attendance",
            title=_("Validated registrations, in person and remote"),
            items=[(count.label, count.validated) for count in figures.attendance],
        ),
        "outcome": bar_chart(
            chart_id="chart-outcome",
            title=_("Validation outcome of the registrations"),
            items=[(count.label, count.count) for count in figures.outcome],
        ),
    }


def _report_or_denied(request, object_id, model_admin):
    """The report, for staff allowed to view it; 404 for one that does not exist."""
    report = model_admin.get_object(request, unquote(object_id))
    if report is None:
        raise Http404(_("This pilot report does not exist."))
    if not model_admin.has_view_permission(request, report):
        raise PermissionDenied
    return report


def _figures(report) -> PilotReportFigures:
    return pilot_report_figures(pilot=report.pilot, period_start=report.period_start, period_end=report.period_end)


def pilot_report_view(request, object_id, *, model_admin):
    report = _report_or_denied(request, object_id, model_admin)
    figures = _figures(report)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": report.title,
        "report": report,
        "figures": figures,
        "charts": report_charts(figures),
        "median_days": days(figures.time_to_validation_median),
        "p90_days": days(figures.time_to_validation_p90),
        "generated_at": timezone.localtime(),
    }
    return TemplateResponse(request, "admin/meetings/pilotreport/report.html", context)


def pilot_report_csv_view(request, object_id, *, model_admin):
    report = _report_or_denied(request, object_id, model_admin)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = slugify(f"{report.title} {report.period_start} {report.period_end}") or "pilot-report"
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # so that Excel reads the UTF-8 country names correctly
    writer = csv.writer(response)
    writer.writerows(pilot_report_figure_rows(_figures(report)))
    return response
