"""The pilot report's figures for Council: each one a table, its charts and its CSV rows.

The Council asked for "a progress report ... including the benefits experienced, financial
implications, and challenges to be addressed" (terms of reference, point 5). Each figure here is
one entry of ``COUNCIL_METRICS``: a function of ``MetricData`` (the report's registrations, the
figures already counted, and reads several figures share, each made once) that makes a fixed
number of queries of its own (declared with ``@council_metric``) and returns a ``Metric`` — its
rows, the columns drawn as charts, and summary rows. The page, the charts and the CSV are drawn
from the ``Metric`` alone, so a new figure is one more function in the tuple.

"Decided" means validated or rejected (the request's status now, with the moment of its
decision) by the SME's Administration, or by the secretariat on its behalf; a request cancelled
after its decision is no longer counted. Counts and percentiles are computed in the database; a
rate is a ratio of two counts.
Nothing reads a person's name or address: the figures stay the same after the personal-data purge.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Count, DurationField, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries as country_names

from focalpoints.models import ItuRegion
from registration.models import AttendanceMode, RegistrationStatus
from smepilot.l10n import sorted_by_name

from .percentile import PercentileCont
from .translated import in_reader_language

if TYPE_CHECKING:
    from .report import PilotReportFigures


@dataclass
class Column:
    key: str
    label: str
    chart: bool = False  # also drawn as a bar chart of the rows


@dataclass
class MetricRow:
    label: str
    values: list  # in the order of the metric's columns; None where there is nothing to measure


@dataclass
class Metric:
    key: str
    title: str
    definition: str
    item_label: str  # the heading of the rows' label column
    columns: list[Column]
    rows: list[MetricRow]
    totals: list[MetricRow] = field(default_factory=list)


def council_metric(*, queries: int = 0, reads: tuple[str, ...] = ()):
    """Declare what a figure costs: ``queries`` of its own, and the shared ``MetricData`` reads it uses.

    ``REPORT_QUERIES`` adds them up (each shared read once), and the tests hold the report to it.
    """

    def declare(function):
        function.queries = queries
        function.reads = reads
        return function

    return declare


DECIDED = Q(status__in=[RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED], decided_at__isnull=False)
VALIDATED = Q(status=RegistrationStatus.VALIDATED)


class MetricData:
    """What the figures for Council read: the report's registrations (``scope``), the figures
    already counted, and the reads several figures share, each made once (one query each)."""

    def __init__(self, scope, figures: "PilotReportFigures"):
        self.scope = scope
        self.figures = figures

    @cached_property
    def per_administration(self) -> list[tuple[str, dict]]:
        """Decisions for each Administration with a request, sorted by country name (one query)."""
        waited = F("decided_at") - F("created_at")
        rows = (
            self.scope.values("sme__administration__country")
            .annotate(
                decided=Count("pk", filter=DECIDED),
                validated=Count("pk", filter=DECIDED & VALIDATED),
                rejected=Count("pk", filter=DECIDED & Q(status=RegistrationStatus.REJECTED)),
                on_behalf=Count("pk", filter=DECIDED & Q(decided_on_behalf=True)),
                median=PercentileCont(waited, 0.5, filter=DECIDED, output_field=DurationField()),
                p90=PercentileCont(waited, 0.9, filter=DECIDED, output_field=DurationField()),
            )
            .order_by()
        )
        named = [(str(country_names.name(row["sme__administration__country"])), row) for row in rows]
        return sorted_by_name(named, key=lambda item: item[0])


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, to one decimal place; None when there is no whole."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def days(value) -> float | None:
    """A duration in days, to one decimal place (how the report shows waiting times)."""
    if value is None:
        return None
    return round(value.total_seconds() / 86400, 1)


def _all_administrations() -> str:
    return _("All Administrations")


@council_metric(reads=("per_administration",))
def decision_time(data: MetricData) -> Metric:
    rows = data.per_administration
    return Metric(
        key="decision-time",
        title=_("Time from registration to decision, per Administration"),
        definition=_(
            "Days from the registration to the decision (validated or rejected), by the Administration "
            "or by the secretariat on its behalf: the median, and the 90th percentile, which only one "
            "request in ten exceeded."
        ),
        item_label=_("Administration"),
        columns=[
            Column("decided", _("decided")),
            Column("median", _("median (days)"), chart=True),
            Column("p90", _("90th percentile (days)"), chart=True),
        ],
        rows=[MetricRow(label, [row["decided"], days(row["median"]), days(row["p90"])]) for label, row in rows],
    )


@council_metric(reads=("per_administration",))
def decision_outcome(data: MetricData) -> Metric:
    rows = data.per_administration

    def row(label, validated, rejected):
        decided = validated + rejected
        return MetricRow(label, [decided, validated, rejected, share(validated, decided), share(rejected, decided)])

    return Metric(
        key="decision-outcome",
        title=_("Approval and rejection rates"),
        definition=_("Of the requests decided, the share validated and the share rejected."),
        item_label=_("Administration"),
        columns=[
            Column("decided", _("decided")),
            Column("validated", _("validated")),
            Column("rejected", _("rejected")),
            Column("approval_rate", _("approved (%)"), chart=True),
            Column("rejection_rate", _("rejected (%)")),
        ],
        rows=[row(label, counts["validated"], counts["rejected"]) for label, counts in rows],
        totals=[
            row(
                _all_administrations(),
                sum(counts["validated"] for _label, counts in rows),
                sum(counts["rejected"] for _label, counts in rows),
            )
        ],
    )


@council_metric(reads=("per_administration",))
def decided_on_behalf(data: MetricData) -> Metric:
    rows = data.per_administration

    def row(label, decided, on_behalf):
        return MetricRow(label, [decided, on_behalf, share(on_behalf, decided)])

    return Metric(
        key="decided-on-behalf",
        title=_("Requests decided by the secretariat on behalf of an Administration"),
        definition=_("Requests the secretariat decided because the Administration's focal points had not."),
        item_label=_("Administration"),
        columns=[
            Column("decided", _("decided")),
            Column("on_behalf", _("decided by the secretariat"), chart=True),
            Column("share", _("of the decided (%)")),
        ],
        rows=[row(label, counts["decided"], counts["on_behalf"]) for label, counts in rows],
        totals=[
            row(
                _all_administrations(),
                sum(counts["decided"] for _label, counts in rows),
                sum(counts["on_behalf"] for _label, counts in rows),
            )
        ],
    )


@council_metric(queries=1)
def participation_by_region(data: MetricData) -> Metric:
    """SMEs and people per ITU region: the region of the SME's Administration (``Administration.itu_region``)."""
    grouped = {
        row["sme__administration__itu_region"]: row
        for row in data.scope.values("sme__administration__itu_region")
        .annotate(
            smes_asked=Count("sme", distinct=True),
            smes_taking_part=Count("sme", filter=VALIDATED, distinct=True),
            people_asked=Count("participant", distinct=True),
            people=Count("participant", filter=VALIDATED, distinct=True),
        )
        .order_by()
    }
    columns = [
        Column("smes_asked", _("SMEs asking to take part")),
        Column("smes_taking_part", _("SMEs taking part"), chart=True),
        Column("people_asked", _("people registered")),
        Column("people", _("people taking part"), chart=True),
    ]
    # Every region, zeros included, so that the regions compare like with like.
    rows = [
        MetricRow(str(label), [grouped.get(region, {}).get(column.key, 0) for column in columns])
        for region, label in ItuRegion.choices
    ]
    return Metric(
        key="regions",
        title=_("SMEs and people per ITU region"),
        definition=_(
            "An SME is counted in its Administration's region. Taking part: at least one validated registration."
        ),
        item_label=_("ITU region"),
        columns=columns,
        rows=rows,
    )


@council_metric()
def attendance_mode(data: MetricData) -> Metric:
    """In person and remote: from the registrations by meeting, already counted."""
    figures = data.figures
    validated = sum(count.validated for count in figures.attendance)
    requested = sum(count.requested for count in figures.attendance)
    return Metric(
        key="attendance-mode",
        title=_("In person and remote"),
        definition=_("How people asked to attend, and how those validated will attend."),
        item_label=_("Attendance"),
        columns=[
            Column("requested", _("requested")),
            Column("validated", _("validated"), chart=True),
            Column("share", _("of the validated (%)")),
        ],
        rows=[
            MetricRow(count.label, [count.requested, count.validated, share(count.validated, validated)])
            for count in figures.attendance
        ],
        totals=[MetricRow(_("Both"), [requested, validated, share(validated, validated)])],
    )


@council_metric(queries=1)
def attendance_at_meetings(data: MetricData) -> Metric:
    """Meetings that have begun: validated in-person registrations against check-ins at the desk
    (registration.checkin); the difference is the no-shows. Remote participants are not checked in."""
    rows = (
        data.scope.filter(
            VALIDATED, attendance_mode=AttendanceMode.IN_PERSON, meeting__starts_on__lte=timezone.localdate()
        )
        .values("meeting_id", "meeting__starts_on", meeting_title=in_reader_language("meeting__title"))
        .annotate(validated=Count("pk"), attended=Count("attendance"))
        .order_by("meeting__starts_on", "meeting_title", "meeting_id")
    )

    def figures(validated: int, attended: int) -> list:
        return [validated, attended, validated - attended, share(attended, validated)]

    rows = list(rows)
    validated = sum(row["validated"] for row in rows)
    attended = sum(row["attended"] for row in rows)
    return Metric(
        key="attendance",
        title=_("Attendance and no-shows"),
        definition=_(
            "Meetings that have begun: the people validated to attend in person, those checked in at the "
            "meeting's desk, and those who did not come (no-shows)."
        ),
        item_label=_("Meeting"),
        columns=[
            Column("validated", _("validated in person")),
            Column("attended", _("checked in"), chart=True),
            Column("no_shows", _("no-shows"), chart=True),
            Column("attended_share", _("attended (%)")),
        ],
        rows=[MetricRow(row["meeting_title"], figures(row["validated"], row["attended"])) for row in rows],
        totals=[MetricRow(_("All meetings that have begun"), figures(validated, attended))],
    )


# The rows of repeat participation: 1, 2, 3 meetings, and this many or more.
REPEAT_MEETINGS_OR_MORE = 4


@council_metric(queries=1)
def repeat_participation(data: MetricData) -> Metric:
    """People by the number of meetings of the period they took part in (a validated registration)."""
    per_person = data.scope.filter(VALIDATED).values("participant").annotate(meetings=Count("meeting", distinct=True))
    buckets = {
        f"m{number}": Count("participant", filter=Q(meetings=number)) for number in range(1, REPEAT_MEETINGS_OR_MORE)
    }
    counted = per_person.aggregate(
        **buckets,
        more=Count("participant", filter=Q(meetings__gte=REPEAT_MEETINGS_OR_MORE)),
        people=Count("participant"),
        returning=Count("participant", filter=Q(meetings__gt=1)),
    )
    people = counted["people"]
    rows = [
        MetricRow(
            ngettext("%(count)d meeting", "%(count)d meetings", number) % {"count": number},
            [counted[f"m{number}"], share(counted[f"m{number}"], people)],
        )
        for number in range(1, REPEAT_MEETINGS_OR_MORE)
    ]
    rows.append(
        MetricRow(
            ngettext("%(count)d meeting or more", "%(count)d meetings or more", REPEAT_MEETINGS_OR_MORE)
            % {"count": REPEAT_MEETINGS_OR_MORE},
            [counted["more"], share(counted["more"], people)],
        )
    )
    return Metric(
        key="repeat-participation",
        title=_("Repeat participation across meetings"),
        definition=_("People taking part, by the number of the period's meetings they took part in."),
        item_label=_("Meetings"),
        columns=[Column("people", _("people"), chart=True), Column("share", _("of the people taking part (%)"))],
        rows=rows,
        totals=[
            MetricRow(_("More than one meeting"), [counted["returning"], share(counted["returning"], people)]),
            MetricRow(_("People taking part"), [people, share(people, people)]),
        ],
    )


# The figures for Council, in the order of the page and the CSV.
COUNCIL_METRICS = (
    decision_time,
    decision_outcome,
    decided_on_behalf,
    participation_by_region,
    attendance_mode,
    attendance_at_meetings,
    repeat_participation,
)

COUNCIL_METRIC_QUERIES = sum(metric.queries for metric in COUNCIL_METRICS) + len(
    {read for metric in COUNCIL_METRICS for read in metric.reads}
)


def council_metrics(scope, figures: "PilotReportFigures") -> list[Metric]:
    data = MetricData(scope, figures)
    return [metric(data) for metric in COUNCIL_METRICS]


def metric_figure_rows(metric: Metric):
    """The metric as (section, item, measure, value) rows, for the CSV export."""
    for row in [*metric.rows, *metric.totals]:
        for column, value in zip(metric.columns, row.values, strict=True):
            yield [metric.title, row.label, column.label, "" if value is None else value]
