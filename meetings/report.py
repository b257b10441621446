"""The pilot report's figures (terms of reference, point 5).

"The secretariat will provide a progress report to the next Council, with a view towards
presenting a full report for PP-18, including the benefits experienced, financial implications,
and challenges to be addressed." The figures come from the data when the report is shown; the
narrative is written by the secretariat and kept on ``PilotReport``.

Scope: the registrations for meetings of the pilot's study groups that were *made* during the
report's period (Geneva dates, inclusive). An SME "asked to take part" when it has such a
registration, and "takes part" when at least one of them is validated.

Every figure is computed in a fixed number of queries (see ``REPORT_QUERIES``), however many
registrations there are: grouping and percentiles run in the database, PostgreSQL in production
and SQLite for ``make run``, with the same results.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DurationField, Exists, F, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries as country_names

from focalpoints.models import Administration, ItuRegion
from registration.models import SME, AttendanceMode, Eligibility, Registration, RegistrationStatus
from smepilot.l10n import sorted_by_name

from .models import Pilot
from .percentile import PercentileCont
from .report_metrics import COUNCIL_METRIC_QUERIES, Metric, council_metrics, days, metric_figure_rows
from .translated import in_reader_language


@dataclass
class SMECount:
    label: str
    asked: int = 0
    taking_part: int = 0
    key: str = ""
    region: str = ""


@dataclass
class RegistrationCount:
    label: str
    study_group: str = ""
    starts_on: datetime.date | None = None
    total: int = 0
    pending: int = 0
    validated: int = 0
    rejected: int = 0
    cancelled: int = 0
    in_person: int = 0  # validated, in person
    remote: int = 0  # validated, remote

    def add(self, other: "RegistrationCount"):
        for name in ("total", "pending", "validated", "rejected", "cancelled", "in_person", "remote"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class AttendanceCount:
    label: str
    requested: int
    validated: int


@dataclass
class OutcomeCount:
    status: str
    label: str
    count: int


@dataclass
class FocalPointCount:
    administration: str
    region: str
    active: int
    inactive: int


@dataclass
class PilotReportFigures:
    pilot: Pilot
    period_start: datetime.date
    period_end: datetime.date
    overdue_after_days: int
    smes_asked: int = 0
    smes_taking_part: int = 0
    people_taking_part: int = 0
    countries_taking_part: int = 0
    registrations_total: int = 0
    smes_by_country: list[SMECount] = field(default_factory=list)
    smes_by_region: list[SMECount] = field(default_factory=list)
    smes_by_eligibility: list[SMECount] = field(default_factory=list)
    registrations_by_meeting: list[RegistrationCount] = field(default_factory=list)
    registrations_by_study_group: list[RegistrationCount] = field(default_factory=list)
    attendance: list[AttendanceCount] = field(default_factory=list)
    outcome: list[OutcomeCount] = field(default_factory=list)
    validated_count: int = 0
    time_to_validation_median: datetime.timedelta | None = None
    time_to_validation_p90: datetime.timedelta | None = None
    decided_on_behalf: int = 0
    decided_late: int = 0
    overdue_now: int = 0
    focal_points: list[FocalPointCount] = field(default_factory=list)
    administrations_without_focal_point: int = 0
    council_metrics: list[Metric] = field(default_factory=list)


# The number of queries pilot_report_figures makes, whatever the data (tests hold it to this).
REPORT_QUERIES = 4 + COUNCIL_METRIC_QUERIES


def pilot_report_registrations(*, pilot: Pilot, period_start: datetime.date, period_end: datetime.date):
    """The registrations a report counts: the pilot's study groups, made during the period (Geneva dates)."""
    return Registration.objects.filter(
        meeting__study_group__in=pilot.study_groups.all(),
        created_at__date__gte=period_start,
        created_at__date__lte=period_end,
    )


def _overdue_after_days() -> int:
    return settings.VALIDATION_REMINDER_AFTER_DAYS


def _overdue_registrations():
    """Registrations still pending past the reminder delay: one definition, the focal-point selector's."""
    from focalpoints.selectors import registrations_overdue

    return registrations_overdue()


def pilot_report_figures(
    *, pilot: Pilot, period_start: datetime.date, period_end: datetime.date
) -> PilotReportFigures:
    """Every figure of the pilot report, in ``REPORT_QUERIES`` queries (terms of reference, point 5)."""
    figures = PilotReportFigures(
        pilot=pilot, period_start=period_start, period_end=period_end, overdue_after_days=_overdue_after_days()
    )
    scope = pilot_report_registrations(pilot=pilot, period_start=period_start, period_end=period_end)
    _smes(figures, scope)
    _registrations(figures, scope)
    _timing(figures, scope)
    _focal_points(figures)
    figures.council_metrics = council_metrics(scope, figures)
    return figures


def _smes(figures: PilotReportFigures, scope):
    """SMEs asking and taking part, by country, ITU region and eligibility (query 1)."""
    grouped = (
        SME.objects.annotate(
            asked=Exists(scope.filter(sme=OuterRef("pk"))),
            taking_part=Exists(scope.filter(sme=OuterRef("pk"), status=RegistrationStatus.VALIDATED)),
        )
        .filter(asked=True)
        .values("administration__country", "administration__itu_region", "eligibility", "taking_part")
        .annotate(smes=Count("pk"))
        .order_by()
    )
    regions = {value: SMECount(label=str(label), key=value) for value, label in ItuRegion.choices}
    eligibility = {value: SMECount(label=str(label), key=value) for value, label in Eligibility.choices}
    countries: dict[str, SMECount] = {}
    for row in grouped:
        code = row["administration__country"]
        region = row["administration__itu_region"]
        if code not in countries:
            countries[code] = SMECount(
                label=str(country_names.name(code)),
                key=code,
                region=str(ItuRegion(region).label) if region in ItuRegion.values else region,
            )
        for counter in (countries[code], regions.get(region), eligibility.get(row["eligibility"])):
            if counter is None:
                continue
            counter.asked += row["smes"]
            if row["taking_part"]:
                counter.taking_part += row["smes"]
    figures.smes_by_country = sorted_by_name(countries.values(), key=lambda count: count.label)
    figures.smes_by_region = list(regions.values())
    figures.smes_by_eligibility = list(eligibility.values())
    figures.smes_asked = sum(count.asked for count in figures.smes_by_country)
    figures.smes_taking_part = sum(count.taking_part for count in figures.smes_by_country)
    figures.countries_taking_part = sum(1 for count in figures.smes_by_country if count.taking_part)


def _status_count(status):
    return Count("pk", filter=Q(status=status))


def _registrations(figures: PilotReportFigures, scope):
    """Registrations by meeting (query 2); by study group, attendance and outcome follow from it."""
    validated = Q(status=RegistrationStatus.VALIDATED)
    rows = (
        scope.values(
            "meeting_id",
            "meeting__starts_on",
            "meeting__study_group_id",
            "meeting__study_group__sector",
            "meeting__study_group__number",
            meeting_title=in_reader_language("meeting__title"),
        )
        .annotate(
            total=Count("pk"),
            pending=_status_count(RegistrationStatus.PENDING),
            validated=_status_count(RegistrationStatus.VALIDATED),
            rejected=_status_count(RegistrationStatus.REJECTED),
            cancelled=_status_count(RegistrationStatus.CANCELLED),
            in_person=Count("pk", filter=validated & Q(attendance_mode=AttendanceMode.IN_PERSON)),
            remote=Count("pk", filter=validated & Q(attendance_mode=AttendanceMode.REMOTE)),
            requested_in_person=Count("pk", filter=Q(attendance_mode=AttendanceMode.IN_PERSON)),
            requested_remote=Count("pk", filter=Q(attendance_mode=AttendanceMode.REMOTE)),
        )
        .order_by("meeting__starts_on", "meeting_title", "meeting_id")
    )
    by_study_group: dict[int, RegistrationCount] = {}
    requested = {AttendanceMode.IN_PERSON: 0, AttendanceMode.REMOTE: 0}
    totals = RegistrationCount(label="")
    for row in rows:
        study_group = f"{row['meeting__study_group__sector']} SG{row['meeting__study_group__number']}"
        meeting = RegistrationCount(
            label=row["meeting_title"],
            study_group=study_group,
            starts_on=row["meeting__starts_on"],
            **{name: row[name] for name in ("total", "pending", "validated", "rejected", "cancelled")},
            in_person=row["in_person"],
            remote=row["remote"],
        )
        figures.registrations_by_meeting.append(meeting)
        group = by_study_group.setdefault(
            row["meeting__study_group_id"], RegistrationCount(label=study_group, study_group=study_group)
        )
        group.add(meeting)
        totals.add(meeting)
        requested[AttendanceMode.IN_PERSON] += row["requested_in_person"]
        requested[AttendanceMode.REMOTE] += row["requested_remote"]
    figures.registrations_by_study_group = sorted(by_study_group.values(), key=lambda count: count.label)
    figures.registrations_total = totals.total
    figures.attendance = [
        AttendanceCount(label=str(AttendanceMode.IN_PERSON.label), requested=requested[AttendanceMode.IN_PERSON],
                        validated=totals.in_person),
        AttendanceCount(label=str(AttendanceMode.REMOTE.label), requested=requested[AttendanceMode.REMOTE],
                        validated=totals.remote),
    ]  # fmt: skip
    figures.outcome = [
        OutcomeCount(status=status, label=str(label), count=getattr(totals, status))
        for status, label in RegistrationStatus.choices
    ]


def _timing(figures: PilotReportFigures, scope):
    """Time to validation (median, 90th percentile), late and overdue requests (query 3)."""
    validated = Q(status=RegistrationStatus.VALIDATED)
    decided = Q(status__in=[RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED])
    waited = F("decided_at") - F("created_at")
    late = datetime.timedelta(days=figures.overdue_after_days)
    result = scope.aggregate(
        validated_count=Count("pk", filter=validated),
        median=PercentileCont(waited, 0.5, filter=validated, output_field=DurationField()),
        p90=PercentileCont(waited, 0.9, filter=validated, output_field=DurationField()),
        on_behalf=Count("pk", filter=decided & Q(decided_on_behalf=True)),
        late=Count("pk", filter=decided & Q(decided_at__gt=F("created_at") + late)),
        people=Count("participant", filter=validated, distinct=True),
        overdue=Count("pk", filter=Q(pk__in=_overdue_registrations().values("pk"))),
    )
    figures.validated_count = result["validated_count"]
    figures.time_to_validation_median = result["median"]
    figures.time_to_validation_p90 = result["p90"]
    figures.decided_on_behalf = result["on_behalf"]
    figures.decided_late = result["late"]
    figures.people_taking_part = result["people"]
    figures.overdue_now = result["overdue"]


def _focal_points(figures: PilotReportFigures):
    """Focal points designated by each Administration taking part in the pilot (query 4)."""
    administrations = Administration.objects.filter(in_pilot=True).annotate(
        active=Count("focal_points", filter=Q(focal_points__is_active=True)),
        inactive=Count("focal_points", filter=Q(focal_points__is_active=False)),
    )
    rows = [
        FocalPointCount(
            administration=str(country_names.name(administration.country.code)),
            region=administration.get_itu_region_display(),
            active=administration.active,
            inactive=administration.inactive,
        )
        for administration in administrations
    ]
    figures.focal_points = sorted_by_name(rows, key=lambda row: row.administration)
    figures.administrations_without_focal_point = sum(1 for row in rows if not row.active)


def pilot_report_figure_rows(figures: PilotReportFigures) -> list[list]:
    """The figures flattened to (section, item, measure, value) rows, for the CSV export."""
    rows: list[list] = [[_("Section"), _("Item"), _("Measure"), _("Value")]]

    def add(section, item, measure, value):
        rows.append([section, item, measure, "" if value is None else value])

    summary = _("Summary")
    add(summary, _("Period"), _("from"), figures.period_start.isoformat())
    add(summary, _("Period"), pgettext("end of a period", "to"), figures.period_end.isoformat())
    add(summary, _("SMEs"), _("asked to take part"), figures.smes_asked)
    add(summary, _("SMEs"), _("taking part"), figures.smes_taking_part)
    add(summary, _("SME representatives"), _("taking part"), figures.people_taking_part)
    add(summary, _("Countries"), _("with an SME taking part"), figures.countries_taking_part)
    add(summary, _("Registrations"), _("total"), figures.registrations_total)
    for section, counts in (
        (_("SMEs by country"), figures.smes_by_country),
        (_("SMEs by ITU region"), figures.smes_by_region),
        (_("SMEs by eligibility"), figures.smes_by_eligibility),
    ):
        for count in counts:
            add(section, count.label, _("asked to take part"), count.asked)
            add(section, count.label, _("taking part"), count.taking_part)
    measures = (
        ("total", _("registrations")),
        ("pending", RegistrationStatus.PENDING.label),
        ("validated", RegistrationStatus.VALIDATED.label),
        ("rejected", RegistrationStatus.REJECTED.label),
        ("cancelled", RegistrationStatus.CANCELLED.label),
        ("in_person", _("validated, in person")),
        ("remote", _("validated, remote")),
    )
    for count in figures.registrations_by_meeting:
        item = f"{count.study_group} — {count.label} ({count.starts_on.isoformat()})"
        for name, measure in measures:
            add(_("Registrations by meeting"), item, str(measure), getattr(count, name))
    for count in figures.registrations_by_study_group:
        for name, measure in measures:
            add(_("Registrations by study group"), count.label, str(measure), getattr(count, name))
    for count in figures.outcome:
        add(_("Validation outcome"), count.label, _("registrations"), count.count)
    timing = _("Time to validation")
    add(timing, _("Validated registrations"), _("count"), figures.validated_count)
    add(timing, _("Median"), _("days"), days(figures.time_to_validation_median))
    add(timing, _("90th percentile"), _("days"), days(figures.time_to_validation_p90))
    add(timing, _("Decided by the secretariat on behalf of an Administration"), _("count"), figures.decided_on_behalf)
    add(timing, _("Decided after the reminder delay"), _("count"), figures.decided_late)
    add(_("Overdue requests"), _("Pending past the reminder delay"), _("count"), figures.overdue_now)
    for row in figures.focal_points:
        add(_("Focal points"), row.administration, _("active"), row.active)
        add(_("Focal points"), row.administration, _("inactive"), row.inactive)
    for metric in figures.council_metrics:
        rows.extend(metric_figure_rows(metric))
    return rows
