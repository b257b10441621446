"""Registrations exported to CSV and XLSX for the secretariat, from the admin's registration list.

One function, ``registration_export_rows``, produces the rows; the CSV and XLSX writers only
encode them, so both formats always carry the same columns — including the "SME pilot — no
decision-making role" marker that terms of reference, point 3 asks for wherever participants
are listed.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from focalpoints.models import ItuRegion

from .models import AttendanceMode, Eligibility, RegistrationStatus

# Shown on every list, export and badge of an SME participant (terms of reference, point 3).
SME_MARKER = gettext_lazy("SME pilot — no decision-making role")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows are read from the database in chunks so that a large export never sits in memory whole.
CHUNK_SIZE = 2000

# A cell starting with one of these is run as a formula by spreadsheet programs; registrants
# type their own names and company names, so neutralise them (OWASP "CSV injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _local(value):
    """A stored UTC datetime as Geneva wall-clock time without tzinfo (what a spreadsheet shows)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def registration_export_headers() -> list[str]:
    return [
        _("Registration ID"),
        _("Given name"),
        _("Family name"),
        _("Email address"),
        _("Job title"),
        _("SME"),
        _("Country"),
        _("ITU region"),
        _("SME eligibility"),
        str(SME_MARKER),
        _("Study group"),
        _("Meeting"),
        _("Meeting starts on"),
        _("Attendance"),
        _("Status"),
        _("Registered at (Geneva time)"),
        _("Decided at (Geneva time)"),
        _("Decided by"),
        _("Decided by the secretariat on behalf of the Administration"),
        _("Reason"),
    ]


def registration_export_queryset(queryset):
    """Everything a row needs in the same query, whatever the size of the set."""
    return queryset.select_related(
        "participant__user",
        "sme__administration",
        "meeting__study_group",
        "decided_by",
    ).order_by("meeting__starts_on", "meeting_id", "participant__family_name", "participant__given_name", "pk")


def registration_export_rows(*, queryset) -> Iterator[list]:
    """The header row, then one row per registration, as Python values (dates stay dates).

    Every registration is made for an SME (``Registration.sme`` is required), so every row
    carries the marker: the system registers SME representatives only.
    """
    yes, no = _("Yes"), _("No")
    # Labels resolved once per export, not per row: get_FOO_display() and country names cost
    # about a millisecond a row in translations and lazy-string hashing.
    regions = _labels(ItuRegion.choices)
    eligibility = _labels(Eligibility.choices)
    attendance = _labels(AttendanceMode.choices)
    statuses = _labels(RegistrationStatus.choices)
    country_names: dict[str, str] = {}
    yield registration_export_headers()
    for registration in registration_export_queryset(queryset).iterator(chunk_size=CHUNK_SIZE):
        participant = registration.participant
        sme = registration.sme
        administration = sme.administration
        meeting = registration.meeting
        yield [
            registration.pk,
            participant.given_name,
            participant.family_name,
            participant.user.email,
            participant.job_title,
            sme.name,
            _country_name(country_names, administration.country.code),
            regions.get(administration.itu_region, administration.itu_region),
            eligibility.get(sme.eligibility, sme.eligibility),
            yes,
            meeting.study_group.short_name,
            meeting.title,
            meeting.starts_on,
            attendance.get(registration.attendance_mode, registration.attendance_mode),
            statuses.get(registration.status, registration.status),
            _local(registration.created_at),
            _local(registration.decided_at),
            registration.decided_by.email if registration.decided_by else "",
            yes if registration.decided_on_behalf else no,
            registration.reason,
        ]


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _country_name(cache: dict[str, str], code: str) -> str:
    if code not in cache:
        cache[code] = str(countries.name(code))
    return cache[code]


def _safe_cell(value):
    if isinstance(value, str):
        if value.startswith(_FORMULA_PREFIXES):
            return "'" + value
        return value
    if value is None:
        return ""
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def _csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark so that Excel opens the UTF-8 file with accents and Arabic intact.
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([_safe_cell(value) for value in row])


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def registrations_csv_response(*, queryset, filename_stem: str = "registrations") -> StreamingHttpResponse:
    """Stream the rows as CSV: memory and time to first byte do not grow with the set."""
    response = StreamingHttpResponse(
        _csv_lines(registration_export_rows(queryset=queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename_stem, "csv")}"'
    return response


def registrations_xlsx_bytes(*, queryset) -> bytes:
    """The rows as an XLSX workbook, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Registrations")[:31])
    sheet.freeze_panes = "A2"
    rows = registration_export_rows(queryset=queryset)
    bold = Font(bold=True)
    header = []
    for title in next(rows):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def registrations_xlsx_response(*, queryset, filename_stem: str = "registrations") -> HttpResponse:
    response = HttpResponse(registrations_xlsx_bytes(queryset=queryset), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename_stem, "xlsx")}"'
    return response
