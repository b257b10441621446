import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from focalpoints.models import ItuRegion
from registration.exports import (
    registration_export_rows,
    registrations_csv_response,
    registrations_xlsx_bytes,
    registrations_xlsx_response,
)
from registration.models import AttendanceMode, Registration, RegistrationStatus
from tests.factories import (
    AdministrationFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MARKER = "SME pilot — no decision-making role"


@pytest.fixture
def registration():
    administration = AdministrationFactory(country="KE", itu_region=ItuRegion.AFRICA)
    sme = SMEFactory(administration=administration, name="Nairobi Radio Works")
    participant = ParticipantProfileFactory(
        sme=sme, given_name="Amina", family_name="Otieno", user=UserFactory(email="amina@sme.example")
    )
    meeting = MeetingFactory(
        study_group=StudyGroupFactory(number=1), title="ITU-D SG1 meeting", starts_on=datetime.date(2030, 4, 30)
    )
    decider = UserFactory(email="officer@itu.example")
    return RegistrationFactory(
        participant=participant,
        meeting=meeting,
        attendance_mode=AttendanceMode.REMOTE,
        status=RegistrationStatus.REJECTED,
        reason="The Administration does not recognise this company.",
        decided_by=decider,
        decided_at=datetime.datetime(2030, 2, 1, 9, 30, tzinfo=datetime.UTC),
        decided_on_behalf=True,
    )


def _csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))


def test_csv_has_the_marker_column_and_every_field(registration):
    response = registrations_csv_response(queryset=Registration.objects.all())

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="registrations-')
    header, row = _csv_rows(response)
    record = dict(zip(header, row, strict=True))
    assert record[MARKER] == "Yes"
    assert record["Given name"] == "Amina"
    assert record["Family name"] == "Otieno"
    assert record["Email address"] == "amina@sme.example"
    assert record["SME"] == "Nairobi Radio Works"
    assert record["Country"] == "Kenya"
    assert record["ITU region"] == "Africa"
    assert record["Study group"] == "ITU-D SG1"
    assert record["Meeting"] == "ITU-D SG1 meeting"
    assert record["Meeting starts on"] == "2030-04-30"
    assert record["Attendance"] == "Remote"
    assert record["Status"] == "Rejected"
    # 09:30 UTC is 10:30 in Geneva in winter.
    assert record["Decided at (Geneva time)"] == "2030-02-01 10:30:00"
    assert record["Decided by"] == "officer@itu.example"
    assert record["Decided by the secretariat on behalf of the Administration"] == "Yes"
    assert record["Reason"] == "The Administration does not recognise this company."


def test_xlsx_has_the_same_rows_as_csv(registration):
    RegistrationFactory(participant__family_name="Zulu")
    queryset = Registration.objects.all()

    workbook = load_workbook(io.BytesIO(registrations_xlsx_bytes(queryset=queryset)))
    sheet = workbook.active
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    csv_rows = _csv_rows(registrations_csv_response(queryset=queryset))

    assert xlsx_rows[0] == csv_rows[0]
    assert xlsx_rows[0][9] == MARKER
    assert [row[9] for row in xlsx_rows[1:]] == ["Yes", "Yes"]
    assert [row[2] for row in xlsx_rows[1:]] == [row[2] for row in csv_rows[1:]]
    # Dates stay dates in the workbook, so the secretariat can sort and filter on them.
    first = next(row for row in xlsx_rows[1:] if row[2] == "Otieno")
    assert first[12] == datetime.datetime(2030, 4, 30, 0, 0)
    assert first[16] == datetime.datetime(2030, 2, 1, 10, 30)


def test_xlsx_response_headers(registration):
    response = registrations_xlsx_response(queryset=Registration.objects.all(), filename_stem="sg1")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="sg1-')
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised():
    RegistrationFactory(participant__given_name="=HYPERLINK(evil)", participant__family_name="@SUM(A1)")

    header, row = _csv_rows(registrations_csv_response(queryset=Registration.objects.all()))
    record = dict(zip(header, row, strict=True))
    assert record["Given name"] == "'=HYPERLINK(evil)"
    assert record["Family name"] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(registrations_xlsx_bytes(queryset=Registration.objects.all()))).active
    assert sheet["B2"].value == "'=HYPERLINK(evil)"


def test_only_the_given_queryset_is_exported(registration):
    other = RegistrationFactory()
    rows = list(registration_export_rows(queryset=Registration.objects.filter(pk=other.pk)))
    assert len(rows) == 2
    assert rows[1][0] == other.pk


def test_export_query_count_does_not_grow_with_the_rows():
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, decided_by=UserFactory(), decided_at=timezone.now(), status="validated")

    def count():
        with CaptureQueriesContext(connection) as context:
            rows = list(registration_export_rows(queryset=Registration.objects.all()))
        return len(context.captured_queries), len(rows)

    small, small_rows = count()
    RegistrationFactory.create_batch(
        49, meeting=meeting, decided_by=UserFactory(), decided_at=timezone.now(), status="validated"
    )
    large, large_rows = count()
    assert (small_rows, large_rows) == (2, 51)
    assert small == large
