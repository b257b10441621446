import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import PilotReport
from meetings.report_views import bar_chart
from registration.models import Registration, RegistrationStatus
from tests.factories import PilotFactory, RegistrationFactory, StudyGroupFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


@pytest.fixture
def report():
    study_group = StudyGroupFactory(number=1)
    pilot = PilotFactory(study_groups=[study_group])
    registration = RegistrationFactory(
        meeting__study_group=study_group, participant__sme__administration__country="KE"
    )
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.VALIDATED, decided_at=registration.created_at + datetime.timedelta(days=2)
    )
    return PilotReport.objects.create(
        pilot=pilot,
        title="Progress report to Council 2018",
        addressed_to="Council 2018",
        period_start=datetime.date(2000, 1, 1),
        period_end=datetime.date(2100, 12, 31),
        benefits="SMEs brought <new> perspectives.",
        financial_implications="No extra cost for the pilot.",
        challenges="",
    )


def _staff(*permissions):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def _urls(report):
    return (
        reverse("admin:meetings_pilotreport_report", args=[report.pk]),
        reverse("admin:meetings_pilotreport_report_csv", args=[report.pk]),
    )


def test_report_page_shows_figures_charts_and_narrative(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    response = client.get(_urls(report)[0])

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Progress report to Council 2018</h1>" in html
    # The narrative is the secretariat's text, escaped, with the figures around it.
    assert "SMEs brought &lt;new&gt; perspectives." in html
    assert "No extra cost for the pilot." in html
    assert "The secretariat has not written this section yet." in html  # challenges left empty
    # Accessible inline SVG charts, each with its title and description, followed by the data.
    # Four charts of the registrations, ten of the figures for Council (one per charted column).
    assert html.count('<svg role="img"') == 14
    assert '<title id="chart-regions-title">SMEs taking part, by ITU region</title>' in html
    assert '<desc id="chart-regions-desc">Africa: 1; Americas: 0;' in html
    assert "<caption>SMEs by ITU region</caption>" in html
    assert "pilot_report.css" in html  # the print stylesheet
    figures = response.context["figures"]
    assert (figures.smes_taking_part, figures.validated_count) == (1, 1)
    assert response.context["median_days"] == 2.0


def test_report_page_shows_each_figure_for_council_as_table_and_chart(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    html = client.get(_urls(report)[0]).content.decode()
    assert '<h3 id="decision-time">Time from registration to decision, per Administration</h3>' in html
    assert "<caption>Time from registration to decision, per Administration</caption>" in html
    assert '<th scope="col" class="num">90th percentile (days)</th>' in html
    assert '<th scope="row">Kenya</th><td class="num" data-label="decided">1</td>' in html
    # The chart reads out its numbers, and names itself from its title and description.
    assert 'aria-labelledby="chart-decision-time-median-title chart-decision-time-median-desc"' in html
    assert '<desc id="chart-decision-time-median-desc">Kenya: 2.0</desc>' in html
    assert "<caption>Approval and rejection rates</caption>" in html
    assert '<th scope="row">All Administrations</th>' in html
    for key in ("decided-on-behalf", "regions", "attendance-mode", "repeat-participation"):
        assert f'<h3 id="{key}">' in html
    assert '<desc id="chart-regions-people-desc">Africa: 1; Americas: 0; Arab States: 0;' in html
    assert '<desc id="chart-repeat-participation-people-desc">1 meeting: 1; 2 meetings: 0;' in html
    # A figure with nothing to measure shows a dash, not a zero.
    assert '<td class="num" data-label="rejected (%)">—</td>' not in html
    assert '<td class="num" data-label="rejected (%)">0.0</td>' in html


def test_charts_run_right_to_left_in_arabic(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    html = client.get(_urls(report)[0], headers={"accept-language": "ar"}).content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    # Labels on the right, bars growing from the right towards the left, values at their end.
    assert 'x="418" y="14.0" text-anchor="start"' in html
    assert '<rect x="50.0" y="5.0" width="360.0"' in html
    assert 'x="44.0" y="14.0" text-anchor="end" dominant-baseline="middle" class="chart-value"' in html


def test_bar_chart_mirrored_right_to_left():
    chart = bar_chart(chart_id="c", title="T", items=[("a", 2), ("b", 4)], rtl=True)
    assert (chart.label_x, chart.label_anchor, chart.value_anchor) == (418, "start", "end")
    assert [(bar.x, bar.width, bar.value_x) for bar in chart.bars] == [(230.0, 180.0, 224.0), (50.0, 360.0, 44.0)]
    left_to_right = bar_chart(chart_id="c", title="T", items=[("a", 2), ("b", 4)])
    assert (left_to_right.label_x, left_to_right.label_anchor, left_to_right.value_anchor) == (222, "end", "start")
    assert [(bar.x, bar.value_x) for bar in left_to_right.bars] == [(230, 416.0), (230, 596.0)]


def test_chart_coordinates_are_not_localised(client, report, settings):
    # French writes 8,5 for 8.5: SVG coordinates must stay in the C locale.
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    response = client.get(_urls(report)[0], headers={"accept-language": "fr"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert 'y="5.0"' in html
    assert 'y="5,0"' not in html


def test_report_csv_export(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    response = client.get(_urls(report)[1])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="progress-report-to-council-2018-2000-01-01-2100-12-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Item", "Measure", "Value"]
    assert ["SMEs by country", "Kenya", "taking part", "1"] in rows
    assert ["Time to validation", "Median", "days", "2.0"] in rows
    assert ["Time from registration to decision, per Administration", "Kenya", "median (days)", "2.0"] in rows
    assert ["Repeat participation across meetings", "People taking part", "people", "1"] in rows


@pytest.mark.parametrize("which", [0, 1])
def test_anonymous_and_non_staff_are_sent_to_sign_in(client, report, which):
    url = _urls(report)[which]
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())  # an SME representative or focal point: never the admin
    response = client.get(url)
    assert response.status_code == 302
    assert "report" not in response.get("Location", "").split("?")[0]


@pytest.mark.parametrize("which", [0, 1])
def test_staff_without_the_view_permission_is_refused(client, report, which):
    sign_in_with_second_factor(client, _staff("view_meeting"))
    assert client.get(_urls(report)[which]).status_code == 403


@pytest.mark.parametrize("which", [0, 1])
def test_superuser_sees_the_report(client, report, which):
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    assert client.get(_urls(report)[which]).status_code == 200


def test_missing_report_is_404(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:meetings_pilotreport_report", args=[999999])).status_code == 404


def test_change_form_links_to_the_report(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport", "change_pilotreport"))
    response = client.get(reverse("admin:meetings_pilotreport_change", args=[report.pk]))
    assert response.status_code == 200
    assert _urls(report)[0] in response.content.decode()


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart(chart_id="c", title="T", items=[("a", 2), ("b", 4), ("c", 0)])
    assert [bar.width for bar in chart.bars] == [180.0, 360.0, 0]
    assert chart.height == 84
    assert chart.description == "a: 2; b: 4; c: 0"
    empty = bar_chart(chart_id="e", title="T", items=[])
    assert empty.bars == []
    assert empty.description == "No data for this period."


def test_report_page_query_count_does_not_grow_with_the_data(client, report):
    sign_in_with_second_factor(client, _staff("view_pilotreport"))
    url = _urls(report)[0]

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    small = count()
    study_group = report.pilot.study_groups.get()
    for index in range(20):
        RegistrationFactory(
            meeting__study_group=study_group,
            participant__sme__administration__country=["SN", "BR", "IN", "DE"][index % 4],
        )
    assert count() == small
