import datetime

import pytest

from focalpoints.ics import ics_escape, ics_fold, meeting_ics
from registration.models import AttendanceMode
from tests.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_ics_is_one_all_day_event_with_crlf_lines(settings):
    settings.SITE_URL = "https://smepilot.example"
    meeting = MeetingFactory(
        title="ITU-D Study Group 1; Rapporteur, Q1/1",
        starts_on=datetime.date(2018, 4, 30),
        ends_on=datetime.date(2018, 5, 4),
        registration_opens_on=datetime.date(2018, 1, 18),
        registration_closes_on=datetime.date(2018, 4, 23),
        place="Geneva, Switzerland",
    )
    registration = RegistrationFactory(meeting=meeting)
    now = datetime.datetime(2018, 2, 1, 9, 30, tzinfo=datetime.UTC)

    ics = meeting_ics(registration=registration, now=now)

    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    unfolded = ics.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    assert "METHOD:PUBLISH" in lines
    assert "DTSTART;VALUE=DATE:20180430" in lines
    # DTEND of an all-day event is exclusive: the day after the last day (RFC 5545, 3.6.1).
    assert "DTEND;VALUE=DATE:20180505" in lines
    assert "DTSTAMP:20180201T093000Z" in lines
    assert f"UID:registration-{registration.pk}-meeting-{meeting.pk}@smepilot.example" in lines
    assert "SUMMARY:ITU-D Study Group 1\\; Rapporteur\\, Q1/1" in lines
    assert "LOCATION:Geneva\\, Switzerland" in lines
    assert any(line.startswith("DESCRIPTION:") and "no decision-making role" in line for line in lines)
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_remote_attendance_location():
    registration = RegistrationFactory(attendance_mode=AttendanceMode.REMOTE, meeting__place="Geneva")
    assert "LOCATION:Remote participation (Geneva)" in meeting_ics(registration=registration)


def test_escape_and_fold_keep_multibyte_characters_whole():
    assert ics_escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    line = "SUMMARY:" + "اجتماع لجنة الدراسات " * 10
    folded = ics_fold(line)
    pieces = folded.split("\r\n ")
    assert len(pieces) > 1
    assert all(len(piece.encode()) <= 74 for piece in pieces[1:])
    assert len(pieces[0].encode()) <= 75
    assert "".join(pieces) == line
