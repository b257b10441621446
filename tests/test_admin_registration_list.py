"""The registrations changelist fits a laptop screen: short columns, the SME-pilot rule said once.

Every registration is an SME representative's, so the changelist says it once, above the list,
instead of a badge on every row; the columns are the ones the secretariat acts on, each short
(the person, the SME, the country's code, a short meeting label, the status, the day it was
made, whether it is overdue). Lists that mix SME representatives with other people (participant
profiles) mark the representatives, compactly.
"""

import datetime
import html
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from meetings.models import MeetingKind
from registration.models import ParticipantProfile, Registration
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

RULE = "no decision-making role"
LONG_TITLE = "ITU-D Study Group 1, first meeting of the 2018-2021 study period"
# The checkbox, then the columns the secretariat acts on.
HEADERS = ["", "Participant", "SME", "Country", "Meeting", "Status", "Created", "Overdue"]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _table(page: str) -> str:
    table = re.search(r'<table id="result_list">.*?</table>', page, flags=re.S)
    assert table, "the changelist shows its rows"
    return table.group(0)


def _headers(page: str) -> list[str]:
    head = _table(page).split("</thead>")[0]
    return [_text(cell) for cell in re.findall(r"<th\b.*?</th>", head, flags=re.S)]


def _cells(page: str) -> list[list[str]]:
    body = _table(page).split("</thead>")[1]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd]\b.*?</t[hd]>", row, flags=re.S)]
        for row in re.findall(r"<tr\b.*?</tr>", body, flags=re.S)
    ]


@pytest.fixture
def registrations():
    study_group = factories.StudyGroupFactory(number=1, title="Enabling environment")
    meeting = factories.MeetingFactory(study_group=study_group, title=LONG_TITLE)
    rapporteurs = factories.MeetingFactory(
        study_group=study_group,
        kind=MeetingKind.RAPPORTEUR_GROUP,
        title="Rapporteur Group meeting, Question 1/1: broadband deployment in developing countries",
    )
    kenya = factories.AdministrationFactory(country="KE")
    made = [
        factories.RegistrationFactory(
            meeting=meeting,
            participant__sme__administration=kenya,
            participant__sme__name="Savannah Fibre Ltd",
            participant__given_name="Wanjiru",
            participant__family_name="Otieno",
        ),
        factories.RegistrationFactory(meeting=meeting),
        factories.RegistrationFactory(meeting=rapporteurs),
    ]
    return made


def test_list_display_has_no_badge_column():
    request = RequestFactory().get("/admin/")
    request.user = factories.UserFactory.build(is_staff=True, is_superuser=True)
    columns = admin.site._registry[Registration].get_list_display(request)
    assert "role_in_pilot" not in columns
    assert len(columns) <= 7


def test_changelist_columns_are_a_short_bounded_set(admin_client, registrations):
    page = admin_client.get(reverse("admin:registration_registration_changelist")).content.decode()

    assert _headers(page) == HEADERS
    rows = {row[1]: row for row in _cells(page)}
    assert len(rows) == 3
    wanjiru = rows["Wanjiru Otieno"]
    created = registrations[0].created_at
    assert wanjiru[2:] == [
        "Savannah Fibre Ltd",
        "KE",
        f"ITU-D SG1, {date_format(registrations[0].meeting.starts_on, 'DATE_FORMAT')}",
        "Pending validation",
        date_format(timezone.localtime(created).date(), "DATE_FORMAT"),
        "",  # not overdue: the admin's "no" icon
    ]
    rapporteur_row = next(row for row in rows.values() if "RGM" in row[4])
    assert rapporteur_row[4].startswith("ITU-D SG1 RGM, ")
    # The long titles are kept for the pointer and for screen readers, not as the cell's text.
    assert LONG_TITLE not in _text(_table(page))
    assert f'title="{html.escape(str(registrations[0].meeting), quote=True)}"' in page


def test_the_rule_is_said_once_above_the_list_not_on_every_row(admin_client, registrations):
    page = admin_client.get(reverse("admin:registration_registration_changelist")).content.decode()

    assert RULE not in _table(page)
    assert page.count(RULE) == 1
    assert "sme-badge" not in page


def test_the_registration_page_still_marks_its_registrant(admin_client, registrations):
    page = admin_client.get(
        reverse("admin:registration_registration_change", args=[registrations[0].pk])
    ).content.decode()
    assert RULE in page


def test_participant_profiles_mark_only_the_sme_representatives_compactly(admin_client):
    factories.ParticipantProfileFactory(sme=None, administration=None, family_name="Delegate")
    factories.ParticipantProfileFactory(family_name="Representative")
    factories.ParticipantProfileFactory(family_name="Another")

    page = admin_client.get(reverse("admin:registration_participantprofile_changelist")).content.decode()

    rows = _cells(page)
    marked = sorted(row[1].split()[-1] for row in rows if "SME pilot" in " ".join(row))
    assert marked == ["Another", "Representative"]
    # Compact: the mark in the list, the rule said once above it.
    assert _table(page).count('class="sme-mark"') == 2
    assert RULE not in _table(page)
    assert page.count(RULE) == 1
    assert ParticipantProfile.objects.count() == 3


def test_changelist_of_a_day_long_past_reads_its_date_not_its_time(admin_client, registrations):
    moment = timezone.make_aware(datetime.datetime(2026, 3, 29, 0, 30))  # 28 March in UTC
    Registration.objects.filter(pk=registrations[0].pk).update(created_at=moment)

    page = admin_client.get(reverse("admin:registration_registration_changelist")).content.decode()

    row = next(row for row in _cells(page) if row[1] == "Wanjiru Otieno")
    assert row[6] == date_format(datetime.date(2026, 3, 29), "DATE_FORMAT")
