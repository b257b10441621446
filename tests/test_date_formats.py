"""One date style per language everywhere: pages, emails, the calendar file and messages built in Python.

Dates are shown with the locale's DATE_FORMAT and date-times with its DATETIME_FORMAT (Geneva time),
never with a pattern written into a template or a Python string: the project's choice per language
lives in smepilot/formats (English: "8 February 2027", "8 February 2027, 14:30"; the other languages
use Django's, with a 24-hour clock). Machine formats are the only exceptions, listed below.
"""

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format, get_format

from focalpoints.ics import meeting_ics
from focalpoints.notifications import registration_outcome_queue
from registration.models import RegistrationStatus
from tests.factories import (
    AccountPreferencesFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    StudyGroupFactory,
)

ROOT = Path(settings.BASE_DIR)
PYTHON_PACKAGES = ["meetings", "focalpoints", "registration", "smepilot"]
FORMAT_NAMES = {"DATE_FORMAT", "DATETIME_FORMAT"}

# Machine formats, read by programs rather than people: (file, pattern) -> why.
MACHINE_FORMATS = {
    ("focalpoints/ics.py", "%Y%m%d"): "iCalendar DATE value of DTSTART/DTEND (RFC 5545, 3.3.4)",
    ("focalpoints/ics.py", "%Y%m%dT%H%M%SZ"): "iCalendar UTC DATE-TIME of DTSTAMP (RFC 5545, 3.3.5)",
    ("registration/exports.py", "%Y%m%d-%H%M"): "time stamp in an export's file name",
}
# Inside an HTML datetime="" attribute a template may write the machine format (HTML, 4.5.14).
HTML_DATETIME_PATTERNS = {"c", "Y-m-d", "Y-m-d H:i", r"Y-m-d\TH:i:sO"}

# Other ways of writing a date than the locale's: none of them may appear next to it.
OTHER_DATE_STYLES = ["N j, Y", "F j, Y", "M j, Y", "j M Y", "d M Y", "d/m/Y", "m/d/Y", "Y-m-d", "d.m.Y"]


# --- No hard-coded pattern in templates or Python --------------------------------------------------

TEMPLATE_FILTER = re.compile(r"""\|\s*(?P<filter>date|time)\s*:\s*(?P<quote>["'])(?P<pattern>.*?)(?P=quote)""")
NOW_TAG = re.compile(r"""\{%\s*now\s+(?P<quote>["'])(?P<pattern>.*?)(?P=quote)""")
FORMAT_SPEC_IN_STRING = re.compile(r"\{[^{}]*:[^{}]*%[a-zA-Z][^{}]*\}")
DATE_DIRECTIVE = re.compile(r"%[a-zA-Z]")  # strftime's %d, %b, %Y...; not a percentage's ".1%"


def template_date_patterns(text: str):
    """(line, pattern) of every |date:"..."/|time:"..." or {% now "..." %} not using a format name."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in TEMPLATE_FILTER.finditer(line):
            pattern = match["pattern"]
            if pattern in FORMAT_NAMES:
                continue
            in_datetime_attribute = re.search(r'datetime="[^"]*$', line[: match.start()])
            if in_datetime_attribute and pattern in HTML_DATETIME_PATTERNS:
                continue
            found.append((number, pattern))
        found.extend((number, match["pattern"]) for match in NOW_TAG.finditer(line))
    return found


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(func) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def python_date_patterns(source: str):
    """(line, pattern) of every date pattern written in Python: strftime, f-string or format() specs
    with %, and date_format/time_format/dateformat.format given a pattern instead of a format name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            arguments = list(node.args) + [keyword.value for keyword in node.keywords if keyword.arg == "format"]
            if name == "strftime":
                found.append((node.lineno, _literal(node.args[0]) if node.args else "<no pattern>"))
            elif name in ("date_format", "time_format") and len(arguments) > 1:
                pattern = _literal(arguments[1])
                if pattern is None or pattern not in FORMAT_NAMES:
                    found.append((node.lineno, pattern or "<not a literal>"))
            elif (
                name == "format"
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) in ("dateformat", "DateFormat")
            ):
                found.append((node.lineno, _literal(arguments[1]) if len(arguments) > 1 else "<no pattern>"))
            elif name == "format" and isinstance(node.func, ast.Name) and len(arguments) > 1:
                pattern = _literal(arguments[1])
                if pattern and DATE_DIRECTIVE.search(pattern):
                    found.append((node.lineno, pattern))
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(_literal(part) or "" for part in node.format_spec.values)
            if DATE_DIRECTIVE.search(spec):
                found.append((node.lineno, spec))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.extend((node.lineno, match) for match in FORMAT_SPEC_IN_STRING.findall(node.value))
    return sorted(found)


def test_the_scanners_find_what_they_look_for():
    template = '{{ a|date:"j M Y" }} {{ b|date:"DATE_FORMAT" }} {{ c|time:"H:i" }} {% now "Y" %}\n'
    template += '<time datetime="{{ d|date:"c" }}">{{ d|date:"DATETIME_FORMAT" }}</time> {{ e|date:"c" }}'
    assert template_date_patterns(template) == [(1, "j M Y"), (1, "H:i"), (1, "Y"), (2, "c")]
    source = "\n".join(
        [
            'a = f"{day:%d %b %Y}"',
            'b = day.strftime("%d %B")',
            'c = date_format(day, "j M Y")',
            'd = date_format(day, "DATE_FORMAT") + date_format(day)',
            'e = formats.date_format(moment, format="DATETIME_FORMAT")',
            'f = dateformat.format(day, "F j, Y")',
            'g = "{0:%Y}".format(day)',
            'h = format(day, "%d/%m")',
            'i = f"{count:5d} {ratio:.1%}"',
        ]
    )
    assert python_date_patterns(source) == [
        (1, "%d %b %Y"),
        (2, "%d %B"),
        (3, "j M Y"),
        (6, "F j, Y"),
        (7, "{0:%Y}"),
        (8, "%d/%m"),
    ]


def test_templates_show_dates_only_through_the_locale_formats():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {pattern!r}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.suffix in (".html", ".txt")
        for line, pattern in template_date_patterns(path.read_text(encoding="utf-8"))
    ]
    assert found == [], (
        'Write |date:"DATE_FORMAT" (a day) or |date:"DATETIME_FORMAT" (a moment), not a pattern:\n' + "\n".join(found)
    )


def _python_files():
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_python_writes_dates_only_through_the_locale_formats():
    found = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        for line, pattern in python_date_patterns(path.read_text(encoding="utf-8")):
            if (relative, pattern) not in MACHINE_FORMATS:
                found.append(f"{relative}:{line}: {pattern!r}")
    assert found == [], (
        'Use date_format(value, "DATE_FORMAT") or date_format(localtime(moment), "DATETIME_FORMAT"), or list a '
        "machine format (calendar files, exports) in MACHINE_FORMATS with its reason:\n" + "\n".join(found)
    )


def test_the_machine_formats_listed_are_still_used():
    """An exception that no longer matches anything is removed from the list, not kept for the next one."""
    used = {
        (path.relative_to(ROOT).as_posix(), pattern)
        for path in _python_files()
        for _line, pattern in python_date_patterns(path.read_text(encoding="utf-8"))
    }
    assert set(MACHINE_FORMATS) <= used


# --- The formats: one style per language -----------------------------------------------------------


def _letters(pattern: str) -> str:
    """The format characters of a Django date pattern, without the backslash-escaped literals."""
    return re.sub(r"\\.", "", pattern)


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_language_writes_a_date_time_as_its_date_and_a_24_hour_time(language):
    with translation.override(language):
        date_pattern, datetime_pattern = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    assert datetime_pattern.startswith(date_pattern), (language, date_pattern, datetime_pattern)
    assert {"j", "Y"} <= set(_letters(date_pattern)), (language, date_pattern)
    time_part = _letters(datetime_pattern[len(date_pattern) :])
    assert set(time_part) & {"H", "G"} and not set(time_part) & set("aAPgh"), (language, datetime_pattern)


def test_english_and_french_styles():
    day = datetime.date(2027, 2, 8)
    moment = timezone.make_aware(datetime.datetime(2027, 2, 8, 14, 30), timezone.get_default_timezone())
    with translation.override("en"):
        assert (date_format(day, "DATE_FORMAT"), date_format(moment, "DATETIME_FORMAT")) == (
            "8 February 2027",
            "8 February 2027, 14:30",
        )
    with translation.override("fr"):
        assert (date_format(day, "DATE_FORMAT"), date_format(moment, "DATETIME_FORMAT")) == (
            "8 février 2027",
            "8 février 2027 14:30",
        )


# --- A page, an email and the calendar file say the same, in English and in French --------------------


def assert_one_style(text: str, language: str, days=(), moments=()):
    """Every day is written in the language's DATE_FORMAT, every moment in its DATETIME_FORMAT (Geneva
    time), and none in another style."""
    with translation.override(language):
        for day in days:
            expected = date_format(day, "DATE_FORMAT")
            assert expected in text, (language, expected)
            for style in OTHER_DATE_STYLES:
                other = dateformat.format(day, style)
                if other != expected and other not in expected:
                    assert other not in text, (language, style, other)
        for moment in moments:
            expected = date_format(timezone.localtime(moment), "DATETIME_FORMAT")
            assert expected in text, (language, expected)


@pytest.fixture
def meeting(db):
    """A meeting in February (whose month has a different short name in English and in French)."""
    today = timezone.localdate()
    starts_on = datetime.date(today.year + 2, 2, 8)
    study_group = StudyGroupFactory(number=1)
    PilotFactory(study_groups=[study_group], ends_on=datetime.date(today.year + 2, 11, 16))
    return MeetingFactory(
        study_group=study_group,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=4),
        registration_opens_on=today - datetime.timedelta(days=3),
        registration_closes_on=datetime.date(today.year + 2, 1, 25),
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_meetings_page_in_one_style(client, meeting, language):
    response = client.get(reverse("meetings:list"), headers={"accept-language": language})
    assert response.status_code == 200
    pilot = meeting.study_group.pilots.get()
    days = [
        pilot.starts_on,
        pilot.ends_on,
        meeting.starts_on,
        meeting.ends_on,
        meeting.registration_opens_on,
        meeting.registration_closes_on,
    ]
    assert_one_style(response.content.decode(), language, days=days)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_my_registrations_page_in_one_style(client, meeting, language):
    decided_at = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 5), datetime.UTC)
    registration = RegistrationFactory(meeting=meeting, status=RegistrationStatus.VALIDATED, decided_at=decided_at)
    client.force_login(registration.participant.user)
    response = client.get(reverse("registration:list"), headers={"accept-language": language})
    assert response.status_code == 200
    assert_one_style(
        response.content.decode(), language, days=[meeting.starts_on, meeting.ends_on], moments=[decided_at]
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_outcome_email_and_its_calendar_file_in_one_style(meeting, language):
    participant = ParticipantProfileFactory()
    # The registrant's language is the one they chose for their account (smepilot.languages).
    AccountPreferencesFactory(user=participant.user, language=language)
    registration = RegistrationFactory(
        participant=participant, meeting=meeting, status=RegistrationStatus.VALIDATED, decided_at=timezone.now()
    )
    message = registration_outcome_queue(registration=registration)
    message.refresh_from_db()  # rendered from what was stored, as the worker sends it
    assert message.language == language
    days = [meeting.starts_on, meeting.ends_on]
    assert_one_style(message.body_text, language, days=days)
    assert_one_style(message.body_html, language, days=days)
    (attachment,) = message.attachments
    description = next(
        line for line in attachment["content"].replace("\r\n ", "").split("\r\n") if line.startswith("DESCRIPTION:")
    )
    assert_one_style(description.replace("\\,", ","), language, days=days)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_calendar_file_description_gives_the_dates(meeting, language):
    registration = RegistrationFactory(meeting=meeting)
    with translation.override(language):
        ics = meeting_ics(registration=registration)
    unfolded = ics.replace("\r\n ", "")
    description = next(line for line in unfolded.split("\r\n") if line.startswith("DESCRIPTION:"))
    assert_one_style(description.replace("\\,", ","), language, days=[meeting.starts_on, meeting.ends_on])
    # The machine values stay machine values.
    assert f"DTSTART;VALUE=DATE:{meeting.starts_on:%Y%m%d}" in unfolded


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_meeting_is_named_with_its_date_in_the_language(meeting, language):
    """Meeting labels (admin choices, messages built in Python) use the same style as the pages."""
    with translation.override(language):
        assert str(meeting) == f"{meeting.title} ({date_format(meeting.starts_on, 'DATE_FORMAT')})"
