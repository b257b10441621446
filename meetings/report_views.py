"""The pilot report page and its CSV export, in the admin (terms of reference, point 5).

Charts are inline SVG drawn on the server: no JavaScript, printable, and accessible — each has
a <title> and <desc> that read its numbers out, and is followed by the table of the same figures.
In a right-to-left language (Arabic) the chart is mirrored: labels on the right, bars growing
towards the left.
"""

import csv
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.text import slugify
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from .report import PilotReportFigures, days, pilot_report_figure_rows, pilot_report_figures
from .report_metrics import Column, Metric

# Chart geometry, in SVG user units (the chart scales to the page width).
CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 50
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_MAX_CHARS = 30  # about what 13 px text fits in LABEL_WIDTH


@dataclass
class Bar:
    label: str
    short_label: str
    value: int | float
    value_text: str
    x: float
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
    label_anchor: str
    value_anchor: str


def bar_chart(
    *, chart_id: str, title: str, items: list[tuple[str, int | float]], unit: str = "", rtl: bool = False
) -> BarChart:
    """A horizontal bar chart's geometry; the template only draws it.

    The SVG is always laid out left to right (the stylesheet says so); ``rtl`` mirrors the geometry.
    """
    largest = max((value for _label, value in items), default=0)
    bar_area = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        width = round(bar_area * value / largest, 1) if largest else 0
        short = label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"
        if rtl:
            x = CHART_WIDTH - LABEL_WIDTH - width
            value_x = x - 6
        else:
            x, value_x = LABEL_WIDTH, LABEL_WIDTH + width + 6
        bars.append(
            Bar(
                label=label,
                short_label=short,
                value=value,
                value_text=localize(value),
                x=x,
                y=y,
                text_y=index * ROW_HEIGHT + ROW_HEIGHT / 2,
                width=width,
                value_x=value_x,
            )
        )
    # The description reads the whole chart out, for screen readers and text-only printing.
    description = "; ".join(f"{label}: {localize(value)}{unit}" for label, value in items) or _(
        "No data for this period."
    )
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        width=CHART_WIDTH,
        height=max(len(items), 1) * ROW_HEIGHT,
        label_x=CHART_WIDTH - LABEL_WIDTH + 8 if rtl else LABEL_WIDTH - 8,
        label_anchor="start" if rtl else "end",
        value_anchor="end" if rtl else "start",
    )


@dataclass
class TableRow:
    label: str
    cells: list[tuple[Column, object]]


@dataclass
class MetricSection:
    metric: Metric
    charts: list[BarChart]
    rows: list[TableRow]
    totals: list[TableRow]


def metric_sections(figures: PilotReportFigures, *, rtl: bool) -> list[MetricSection]:
    """Each figure for Council with a chart of each of its charted columns (rows without a value left out)."""
    sections = []
    for metric in figures.council_metrics:
        charts = []
        for index, column in enumerate(metric.columns):
            if not column.chart:
                continue
            items = [(row.label, row.values[index]) for row in metric.rows if row.values[index] is not None]
            charts.append(
                bar_chart(
                    chart_id=f"chart-{metric.key}-{column.key}",
                    title=f"{metric.title}: {column.label}",
                    items=items,
                    rtl=rtl,
                )
            )
        sections.append(
            MetricSection(
                metric=metric,
                charts=charts,
                rows=[TableRow(row.label, list(zip(metric.columns, row.values, strict=True))) for row in metric.rows],
                totals=[
                    TableRow(row.label, list(zip(metric.columns, row.values, strict=True))) for row in metric.totals
                ],
            )
        )
    return sections


def report_charts(figures: PilotReportFigures, *, rtl: bool) -> dict[str, BarChart]:
    return {
        "regions": bar_chart(
            chart_id="chart-regions",
            title=_("SMEs taking part, by ITU region"),
            rtl=rtl,
            items=[(count.label, count.taking_part) for count in figures.smes_by_region],
        ),
        "countries": bar_chart(
            chart_id="chart-countries",
            title=_("SMEs taking part, by country"),
            rtl=rtl,
            items=[(count.label, count.taking_part) for count in figures.smes_by_country],
        ),
        "meetings": bar_chart(
            chart_id="chart-meetings",
            title=_("Validated registrations, by meeting"),
            rtl=rtl,
            items=[
                (f"{count.study_group} — {count.label}", count.validated) for count in figures.registrations_by_meeting
            ],
        ),
        "outcome": bar_chart(
            chart_id="chart-outcome",
            title=_("Validation outcome of the registrations"),
            rtl=rtl,
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
        "charts": report_charts(figures, rtl=get_language_bidi()),
        "metric_sections": metric_sections(figures, rtl=get_language_bidi()),
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
