"""The pilot report's figures, checked against numbers worked out by hand (terms of reference, point 5).

The data set (period 1 January – 30 June 2018; the pilot covers ITU-D SG1 and SG2, not SG3):

    #  SME (country, eligibility)   person  meeting       attendance  created          status     waited
    1  A (Kenya, confirmed)         p1      M1 SG1        in person   2018-02-01 10:00 validated  1 day
    2  A                            p1      M3 SG2        remote      2018-02-01 10:00 validated  2 days
    3  A                            p2      M1 SG1        in person   2018-02-05 12:00 validated  10 days
    4  B (Kenya, pending)           p3      M1 SG1        remote      2018-03-01 09:00 pending    -
    5  C (Senegal, confirmed)       p4      M2 SG1 (RG)   in person   2018-03-02 09:00 rejected   4 days, on behalf
    6  D (Brazil, refused)          p5      M3 SG2        in person   2018-03-10 09:00 cancelled  -
    7  C                            p6      M3 SG2        remote      2018-04-01 09:00 validated  4 days
  out of scope:
    8  E (Brazil, confirmed)        p7      M1            in person   2017-12-20 (before the period)
    9  F (Kenya, confirmed)         p8      M4 SG3        in person   2018-02-01 (SG3 is not in the pilot)
   10  E                            p7      M3            remote      2018-07-15 pending (after the period)

Worked out by hand:
- SMEs asked: A, B, C, D = 4; taking part (a validated registration): A, C = 2; people: p1, p2, p6 = 3.
- Time to validation over 1, 2, 4, 10 days: median = (2 + 4) / 2 = 3 days; 90th percentile
  (percentile_cont: position 0.9 × (4 − 1) = 2.7, between 4 and 10) = 4 + 0.7 × 6 = 8.2 days
  = 8 days 4 h 48 min.
- Decided after the 3-day reminder delay: #3, #5, #7 = 3. Overdue now: #4 (pending since 2018).

The figures for Council, worked out by hand ("decided" = validated or rejected, by the SME's
Administration or by the secretariat on its behalf):
- Time from registration to decision, per Administration (every Administration with a request):
    Brazil   0 decided (#6 was cancelled before a decision)       median —       90th percentile —
    Kenya    3 decided over 1, 2, 10 days                          median 2 days  90th percentile:
             position 0.9 × (3 − 1) = 1.8, between 2 and 10: 2 + 0.8 × 8 = 8.4 days = 8 days 9 h 36 min
    Senegal  2 decided over 4, 4 days (#5 rejected, #7 validated)  median 4 days  90th percentile 4 days
- Approval and rejection rates (of the decided requests): Brazil —; Kenya 3 validated, 0 rejected
  = 100.0 % and 0.0 %; Senegal 1 and 1 = 50.0 % and 50.0 %; all: 4 and 1 of 5 = 80.0 % and 20.0 %.
- Decided on behalf by the secretariat: Brazil 0 of 0; Kenya 0 of 3 (0.0 %); Senegal 1 of 2 (#5,
  50.0 %); all 1 of 5 (20.0 %).
- Per ITU region (the SME's Administration's): Africa: SMEs asked A, B, C = 3, taking part A, C = 2;
  people asked p1, p2, p3, p4, p6 = 5, taking part p1, p2, p6 = 3. Americas: SME D asked, none taking
  part; p5 asked, nobody taking part. The four other regions: zeros.
- In person and remote: requested 4 (#1, #3, #5, #6) and 3 (#2, #4, #7); validated 2 (#1, #3) and
  2 (#2, #7): 50.0 % each of the 4 validated.
- Repeat participation (distinct meetings with a validated registration): p1 M1 and M3 = 2; p2 M1 = 1;
  p6 M3 = 1. So 1 meeting: 2 people (66.7 %), 2 meetings: 1 person (33.3 %); 1 of 3 came back.
- Attendance (meetings that have begun; validated in person against checked in at the desk): M1 has
  #1 and #3 validated in person, p1 (#1) checked in: 1 attended, 1 no-show, 50.0 %. M2's (#5) was
  rejected and M3's (#6) cancelled; out of scope #8 (M1) was checked in too and is not counted.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from focalpoints.models import ItuRegion
from meetings.models import MeetingKind
from meetings.percentile import SQLitePercentileCont
from meetings.report import (
    REPORT_QUERIES,
    PilotReportFigures,
    days,
    pilot_report_figure_rows,
    pilot_report_figures,
)
from registration.models import Attendance, AttendanceMode, Eligibility, Registration, RegistrationStatus
from tests.factories import (
    AdministrationFactory,
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

PERIOD = (datetime.date(2018, 1, 1), datetime.date(2018, 6, 30))
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _reminder_after_three_days(settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3


def _meeting(study_group, starts_on, kind=MeetingKind.STUDY_GROUP, title=None):
    return MeetingFactory(
        study_group=study_group,
        kind=kind,
        title=title or f"{study_group.short_name} {kind}",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=4),
        registration_opens_on=datetime.date(2018, 1, 18),
        registration_closes_on=starts_on - datetime.timedelta(days=7),
    )


def _register(participant, meeting, attendance, created, status=RegistrationStatus.PENDING, waited_days=None, **extra):
    decided_at = created + datetime.timedelta(days=waited_days) if waited_days is not None else None
    if status == RegistrationStatus.REJECTED:
        extra.setdefault("reason", "Not recognised as an SME.")
    if status == RegistrationStatus.CANCELLED:
        extra["cancelled_at"] = created + datetime.timedelta(days=1)
    registration = Registration.objects.create(
        participant=participant,
        sme=participant.sme,
        meeting=meeting,
        attendance_mode=attendance,
        status=status,
        decided_at=decided_at,
        decided_by=UserFactory() if decided_at else None,
        **extra,
    )
    # created_at is auto_now_add: set the historical creation time afterwards.
    Registration.objects.filter(pk=registration.pk).update(created_at=created)
    return registration


@pytest.fixture
def data_set():
    sg1 = StudyGroupFactory(number=1, title="Enabling environment")
    sg2 = StudyGroupFactory(number=2, title="ICT services and applications")
    sg3 = StudyGroupFactory(number=3, title="Not in the pilot")
    pilot = PilotFactory(
        starts_on=datetime.date(2018, 1, 1), ends_on=datetime.date(2018, 10, 28), study_groups=[sg1, sg2]
    )
    m1 = _meeting(sg1, datetime.date(2018, 4, 30), title="SG1 meeting")
    m2 = _meeting(sg1, datetime.date(2018, 4, 23), MeetingKind.RAPPORTEUR_GROUP, title="SG1 rapporteur group")
    m3 = _meeting(sg2, datetime.date(2018, 5, 7), title="SG2 meeting")
    m4 = _meeting(sg3, datetime.date(2018, 5, 14), title="SG3 meeting")

    kenya = AdministrationFactory(country="KE", itu_region=ItuRegion.AFRICA)
    senegal = AdministrationFactory(country="SN", itu_region=ItuRegion.AFRICA)
    brazil = AdministrationFactory(country="BR", itu_region=ItuRegion.AMERICAS)
    AdministrationFactory(country="DE", itu_region=ItuRegion.EUROPE)  # in the pilot, no focal point yet
    switzerland = AdministrationFactory(country="CH", itu_region=ItuRegion.EUROPE, in_pilot=False)
    FocalPointFactory.create_batch(2, administration=kenya)
    FocalPointFactory(administration=kenya, is_active=False)
    FocalPointFactory(administration=senegal)
    FocalPointFactory(administration=brazil)
    FocalPointFactory(administration=switzerland)  # not in the pilot: not in the report

    sme_a = SMEFactory(administration=kenya, eligibility=Eligibility.CONFIRMED)
    sme_b = SMEFactory(administration=kenya, eligibility=Eligibility.PENDING)
    sme_c = SMEFactory(administration=senegal, eligibility=Eligibility.CONFIRMED)
    sme_d = SMEFactory(administration=brazil, eligibility=Eligibility.REFUSED)
    sme_e = SMEFactory(administration=brazil, eligibility=Eligibility.CONFIRMED)
    sme_f = SMEFactory(administration=kenya, eligibility=Eligibility.CONFIRMED)
    p1, p2, p3, p4, p5, p6, p7, p8 = (
        ParticipantProfileFactory(sme=sme) for sme in (sme_a, sme_a, sme_b, sme_c, sme_d, sme_c, sme_e, sme_f)
    )

    def at(day, hour):
        return datetime.datetime(2018, *day, hour, 0, tzinfo=UTC)

    validated, pending = RegistrationStatus.VALIDATED, RegistrationStatus.PENDING
    in_person, remote = AttendanceMode.IN_PERSON, AttendanceMode.REMOTE
    checked_in = _register(p1, m1, in_person, at((2, 1), 10), validated, 1)
    _register(p1, m3, remote, at((2, 1), 10), validated, 2)
    _register(p2, m1, in_person, at((2, 5), 12), validated, 10)
    _register(p3, m1, remote, at((3, 1), 9), pending)
    _register(p4, m2, in_person, at((3, 2), 9), RegistrationStatus.REJECTED, 4, decided_on_behalf=True)
    _register(p5, m3, in_person, at((3, 10), 9), RegistrationStatus.CANCELLED)
    _register(p6, m3, remote, at((4, 1), 9), validated, 4)
    # Out of scope: before the period, a study group outside the pilot, after the period.
    before_the_period = _register(p7, m1, in_person, datetime.datetime(2017, 12, 20, 9, tzinfo=UTC), validated, 1)
    _register(p8, m4, in_person, at((2, 1), 10), validated, 1)
    _register(p7, m3, remote, at((7, 15), 9), pending)
    for registration in (checked_in, before_the_period):
        Attendance.objects.create(registration=registration, checked_in_at=at((4, 30), 8))
    return pilot


def _figures(pilot) -> PilotReportFigures:
    return pilot_report_figures(pilot=pilot, period_start=PERIOD[0], period_end=PERIOD[1])


def test_headline_figures(data_set):
    figures = _figures(data_set)
    assert figures.smes_asked == 4
    assert figures.smes_taking_part == 2
    assert figures.people_taking_part == 3
    assert figures.countries_taking_part == 2
    assert figures.registrations_total == 7


def test_smes_by_country_region_and_eligibility(data_set):
    figures = _figures(data_set)
    assert [(c.label, c.region, c.asked, c.taking_part) for c in figures.smes_by_country] == [
        ("Brazil", "Americas", 1, 0),
        ("Kenya", "Africa", 2, 1),
        ("Senegal", "Africa", 1, 1),
    ]
    # Every region is listed, with zeros, so the chart compares like with like.
    assert [(c.key, c.asked, c.taking_part) for c in figures.smes_by_region] == [
        ("africa", 3, 2),
        ("americas", 1, 0),
        ("arab_states", 0, 0),
        ("asia_pacific", 0, 0),
        ("cis", 0, 0),
        ("europe", 0, 0),
    ]
    assert [(c.key, c.asked, c.taking_part) for c in figures.smes_by_eligibility] == [
        ("pending", 1, 0),
        ("confirmed", 2, 2),
        ("refused", 1, 0),
    ]


def test_registrations_by_meeting_and_study_group(data_set):
    figures = _figures(data_set)
    fields = ("total", "pending", "validated", "rejected", "cancelled", "in_person", "remote")
    assert [(c.label, c.study_group, *(getattr(c, f) for f in fields)) for c in figures.registrations_by_meeting] == [
        ("SG1 rapporteur group", "ITU-D SG1", 1, 0, 0, 1, 0, 0, 0),
        ("SG1 meeting", "ITU-D SG1", 3, 1, 2, 0, 0, 2, 0),
        ("SG2 meeting", "ITU-D SG2", 3, 0, 2, 0, 1, 0, 2),
    ]
    assert [(c.label, *(getattr(c, f) for f in fields)) for c in figures.registrations_by_study_group] == [
        ("ITU-D SG1", 4, 1, 2, 1, 0, 2, 0),
        ("ITU-D SG2", 3, 0, 2, 0, 1, 0, 2),
    ]


def test_attendance_and_validation_outcome(data_set):
    figures = _figures(data_set)
    assert [(a.label, a.requested, a.validated) for a in figures.attendance] == [
        ("In person", 4, 2),
        ("Remote", 3, 2),
    ]
    assert [(o.status, o.count) for o in figures.outcome] == [
        ("pending", 1),
        ("validated", 4),
        ("rejected", 1),
        ("cancelled", 1),
    ]


def test_time_to_validation_median_and_90th_percentile(data_set):
    figures = _figures(data_set)
    assert figures.validated_count == 4
    assert figures.time_to_validation_median == datetime.timedelta(days=3)
    assert figures.time_to_validation_p90 == datetime.timedelta(days=8, hours=4, minutes=48)
    assert days(figures.time_to_validation_p90) == 8.2


def _sqlite_percentile(values, fraction):
    aggregate = SQLitePercentileCont()
    for value in values:
        aggregate.step(value, fraction)
    return aggregate.finalize()


def test_sqlite_percentile_interpolates_as_postgresql_percentile_cont():
    # What PostgreSQL answers for percentile_cont over the same values, in any order.
    assert _sqlite_percentile([10, 1, 4, 2], 0.5) == 3
    assert _sqlite_percentile([10, 1, 4, 2], 0.9) == pytest.approx(8.2)
    assert _sqlite_percentile([10, 1, 4, 2], 0) == 1
    assert _sqlite_percentile([10, 1, 4, 2], 1) == 10
    assert _sqlite_percentile([7], 0.9) == 7
    assert _sqlite_percentile([None, 5, None, 1], 0.5) == 3  # NULLs left out
    assert _sqlite_percentile([], 0.5) is None
    assert _sqlite_percentile([None], 0.5) is None


def test_figures_while_another_query_is_still_being_read(data_set):
    # A streamed read (an export) holds a statement open on the connection; on SQLite the
    # percentile aggregate must not be defined again then, which SQLite would refuse.
    first = _figures(data_set)
    rows = Registration.objects.order_by("pk").iterator(chunk_size=1)
    next(rows)
    again = _figures(data_set)
    assert list(rows)
    assert again.time_to_validation_p90 == first.time_to_validation_p90 == datetime.timedelta(days=8.2)


def _metric(figures, key):
    return next(metric for metric in figures.council_metrics if metric.key == key)


def _table(metric):
    """The metric's rows and summary rows, as (label, *values) tuples."""
    return [(row.label, *row.values) for row in metric.rows], [(row.label, *row.values) for row in metric.totals]


def test_council_metrics_are_listed_in_order(data_set):
    assert [metric.key for metric in _figures(data_set).council_metrics] == [
        "decision-time",
        "decision-outcome",
        "decided-on-behalf",
        "regions",
        "attendance-mode",
        "attendance",
        "repeat-participation",
    ]


def test_time_from_registration_to_decision_per_administration(data_set):
    metric = _metric(_figures(data_set), "decision-time")
    assert [column.key for column in metric.columns] == ["decided", "median", "p90"]
    rows, totals = _table(metric)
    assert rows == [("Brazil", 0, None, None), ("Kenya", 3, 2.0, 8.4), ("Senegal", 2, 4.0, 4.0)]
    assert totals == []


def test_approval_and_rejection_rates(data_set):
    metric = _metric(_figures(data_set), "decision-outcome")
    assert [column.key for column in metric.columns] == [
        "decided",
        "validated",
        "rejected",
        "approval_rate",
        "rejection_rate",
    ]
    rows, totals = _table(metric)
    assert rows == [("Brazil", 0, 0, 0, None, None), ("Kenya", 3, 3, 0, 100.0, 0.0), ("Senegal", 2, 1, 1, 50.0, 50.0)]
    assert totals == [("All Administrations", 5, 4, 1, 80.0, 20.0)]


def test_requests_decided_on_behalf_by_the_secretariat(data_set):
    rows, totals = _table(_metric(_figures(data_set), "decided-on-behalf"))
    assert rows == [("Brazil", 0, 0, None), ("Kenya", 3, 0, 0.0), ("Senegal", 2, 1, 50.0)]
    assert totals == [("All Administrations", 5, 1, 20.0)]


def test_smes_and_people_per_itu_region(data_set):
    metric = _metric(_figures(data_set), "regions")
    assert [column.key for column in metric.columns] == ["smes_asked", "smes_taking_part", "people_asked", "people"]
    rows, totals = _table(metric)
    # Every region is listed, with zeros, so that the regions compare like with like.
    assert rows == [
        ("Africa", 3, 2, 5, 3),
        ("Americas", 1, 0, 1, 0),
        ("Arab States", 0, 0, 0, 0),
        ("Asia and the Pacific", 0, 0, 0, 0),
        ("Commonwealth of Independent States", 0, 0, 0, 0),
        ("Europe", 0, 0, 0, 0),
    ]
    # No total: a person may have registered for SMEs of two regions; the summary counts them once.
    assert totals == []


def test_in_person_and_remote(data_set):
    rows, totals = _table(_metric(_figures(data_set), "attendance-mode"))
    assert rows == [("In person", 4, 2, 50.0), ("Remote", 3, 2, 50.0)]
    assert totals == [("Both", 7, 4, 100.0)]


def test_repeat_participation_across_meetings(data_set):
    rows, totals = _table(_metric(_figures(data_set), "repeat-participation"))
    # Fixed rows, zeros included, so that two periods compare like with like.
    assert rows == [
        ("1 meeting", 2, 66.7),
        ("2 meetings", 1, 33.3),
        ("3 meetings", 0, 0.0),
        ("4 meetings or more", 0, 0.0),
    ]
    assert totals == [("More than one meeting", 1, 33.3), ("People taking part", 3, 100.0)]


def test_attendance_against_validated_registrations(data_set):
    rows, totals = _table(_metric(_figures(data_set), "attendance"))
    assert rows == [("SG1 meeting", 2, 1, 1, 50.0)]
    assert totals == [("All meetings that have begun", 2, 1, 1, 50.0)]


def test_a_meeting_yet_to_begin_has_no_no_shows(data_set):
    study_group = data_set.study_groups.order_by("number").first()
    coming = _meeting(study_group, timezone.localdate() + datetime.timedelta(days=30), title="A coming meeting")
    person = ParticipantProfileFactory(sme=Registration.objects.filter(status="validated").first().sme)
    _register(person, coming, AttendanceMode.IN_PERSON, datetime.datetime(2018, 3, 1, 9, tzinfo=UTC), "validated", 1)

    rows, _totals = _table(_metric(_figures(data_set), "attendance"))

    assert [row[0] for row in rows] == ["SG1 meeting"]


def test_council_metrics_of_an_empty_period(data_set):
    figures = pilot_report_figures(
        pilot=data_set, period_start=datetime.date(2016, 1, 1), period_end=datetime.date(2016, 12, 31)
    )
    assert _table(_metric(figures, "decision-time")) == ([], [])
    assert _table(_metric(figures, "decision-outcome"))[1] == [("All Administrations", 0, 0, 0, None, None)]
    assert [row.values for row in _metric(figures, "regions").rows] == [[0, 0, 0, 0]] * 6
    assert _table(_metric(figures, "repeat-participation")) == (
        [("1 meeting", 0, None), ("2 meetings", 0, None), ("3 meetings", 0, None), ("4 meetings or more", 0, None)],
        [("More than one meeting", 0, None), ("People taking part", 0, None)],
    )
    assert _table(_metric(figures, "attendance")) == ([], [("All meetings that have begun", 0, 0, 0, None)])


def test_late_decisions_on_behalf_and_overdue_requests(data_set):
    figures = _figures(data_set)
    assert figures.decided_late == 3
    assert figures.decided_on_behalf == 1
    assert figures.overdue_now == 1


def test_focal_points_per_administration_in_the_pilot(data_set):
    figures = _figures(data_set)
    assert [(f.administration, f.region, f.active, f.inactive) for f in figures.focal_points] == [
        ("Brazil", "Americas", 1, 0),
        ("Germany", "Europe", 0, 0),
        ("Kenya", "Africa", 2, 1),
        ("Senegal", "Africa", 1, 0),
    ]
    assert figures.administrations_without_focal_point == 1


def test_an_empty_period_gives_zeros_not_errors(data_set):
    figures = pilot_report_figures(
        pilot=data_set, period_start=datetime.date(2016, 1, 1), period_end=datetime.date(2016, 12, 31)
    )
    assert figures.smes_asked == 0
    assert figures.registrations_by_meeting == []
    assert figures.time_to_validation_median is None
    assert [o.count for o in figures.outcome] == [0, 0, 0, 0]
    assert figures.focal_points  # the Administrations are listed whatever the period


def test_csv_rows_carry_the_figures(data_set):
    rows = pilot_report_figure_rows(_figures(data_set))
    assert rows[0] == ["Section", "Item", "Measure", "Value"]
    assert ["Summary", "SMEs", "taking part", 2] in rows
    assert ["SMEs by country", "Kenya", "asked to take part", 2] in rows
    assert ["Time to validation", "Median", "days", 3.0] in rows
    assert ["Time to validation", "90th percentile", "days", 8.2] in rows
    assert ["Overdue requests", "Pending past the reminder delay", "count", 1] in rows
    assert ["Focal points", "Germany", "active", 0] in rows
    per_administration = "Time from registration to decision, per Administration"
    assert [per_administration, "Kenya", "90th percentile (days)", 8.4] in rows
    assert [per_administration, "Brazil", "median (days)", ""] in rows
    assert ["Approval and rejection rates", "All Administrations", "approved (%)", 80.0] in rows
    assert ["SMEs and people per ITU region", "Africa", "people taking part", 3] in rows
    assert ["Repeat participation across meetings", "2 meetings", "people", 1] in rows


def test_query_count_does_not_grow_with_the_data(data_set):
    def count():
        with CaptureQueriesContext(connection) as context:
            _figures(data_set)
        return len(context.captured_queries)

    small = count()
    # Ten times the registrations: 63 more, over new SMEs, countries, meetings and statuses.
    study_group = data_set.study_groups.get(number=2)
    meetings = [_meeting(study_group, datetime.date(2018, 6, day), title=f"RG {day}") for day in (4, 11, 18)]
    statuses = [RegistrationStatus.VALIDATED, RegistrationStatus.PENDING, RegistrationStatus.REJECTED]
    for index in range(63):
        administration = AdministrationFactory(country=["IN", "VN", "EG", "MX", "KZ", "JO"][index % 6])
        participant = ParticipantProfileFactory(sme=SMEFactory(administration=administration))
        status = statuses[index % 3]
        _register(
            participant,
            meetings[index % 3],
            AttendanceMode.REMOTE if index % 2 else AttendanceMode.IN_PERSON,
            datetime.datetime(2018, 2, 1 + index % 20, 9, tzinfo=UTC),
            status,
            None if status == RegistrationStatus.PENDING else index % 7,
        )
    large = count()
    assert _figures(data_set).registrations_total == 70
    assert small == large == REPORT_QUERIES
