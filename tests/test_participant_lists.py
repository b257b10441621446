"""A meeting's list of participants: each person's consent, chosen when registering and changed later."""

import io

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from registration.models import AttendanceMode, ListConsent, Registration, RegistrationStatus
from tests.factories import MeetingFactory, ParticipantProfileFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def listed(meeting, consent, family_name, status=RegistrationStatus.VALIDATED):
    return RegistrationFactory(
        meeting=meeting,
        status=status,
        decided_at=timezone.now(),
        list_consent=consent,
        participant__given_name="Ada",
        participant__family_name=family_name,
    )


@pytest.fixture
def meeting():
    meeting = MeetingFactory()
    listed(meeting, ListConsent.PUBLIC, "Publicly")
    listed(meeting, ListConsent.PARTICIPANTS, "Amongpeers")
    listed(meeting, ListConsent.NOT_LISTED, "Unlisted")
    listed(meeting, ListConsent.PUBLIC, "Pendingone", status=RegistrationStatus.PENDING)
    return meeting


def names_on(response) -> set[str]:
    page = response.content.decode()
    return {name for name in ("Publicly", "Amongpeers", "Unlisted", "Pendingone") if name in page}


def test_a_visitor_sees_only_those_who_chose_public(client, meeting):
    response = client.get(reverse("meetings:participants", args=[meeting.pk]))

    assert response.status_code == 200
    assert names_on(response) == {"Publicly"}
    assert "SME pilot — no decision-making role" in response.content.decode()


def test_someone_not_validated_for_the_meeting_sees_only_the_public_ones(client, meeting):
    pending = listed(meeting, ListConsent.PUBLIC, "Waiting", status=RegistrationStatus.PENDING)
    client.force_login(pending.participant.user)

    assert names_on(client.get(reverse("meetings:participants", args=[meeting.pk]))) == {"Publicly"}


def test_a_validated_participant_also_sees_those_listed_for_participants(client, meeting):
    me = listed(meeting, ListConsent.NOT_LISTED, "Myself")
    client.force_login(me.participant.user)

    response = client.get(reverse("meetings:participants", args=[meeting.pk]))

    assert names_on(response) == {"Publicly", "Amongpeers"}
    assert "Myself" not in response.content.decode()  # not even to themselves: they did not consent


def test_a_participant_of_another_meeting_sees_only_the_public_ones(client, meeting):
    elsewhere = listed(MeetingFactory(), ListConsent.PUBLIC, "Elsewhere")
    client.force_login(elsewhere.participant.user)

    assert names_on(client.get(reverse("meetings:participants", args=[meeting.pk]))) == {"Publicly"}


def test_the_secretariat_sees_every_validated_participant_with_their_choice(officer_client, meeting):
    response = officer_client.get(reverse("meetings:participants", args=[meeting.pk]))

    assert names_on(response) == {"Publicly", "Amongpeers", "Unlisted"}
    assert str(ListConsent.NOT_LISTED.label) in response.content.decode()
    assert reverse("admin:meetings_meeting_participant_list_pdf", args=[meeting.pk]) in response.content.decode()


def test_staff_without_the_second_factor_see_the_public_list(client, meeting):
    client.force_login(UserFactory(is_staff=True))

    assert names_on(client.get(reverse("meetings:participants", args=[meeting.pk]))) == {"Publicly"}


def test_an_unknown_meeting_is_not_found(client):
    assert client.get(reverse("meetings:participants", args=[999999])).status_code == 404


def test_the_list_is_reached_from_the_meetings_page(client, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)

    assert reverse("meetings:participants", args=[meeting.pk]) in client.get(reverse("meetings:list")).content.decode()


# --- Choosing when registering, changing later ---------------------------------------------------


def register(client, meeting, **extra):
    return client.post(
        reverse("registration:new"), {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": "in_person", **extra}
    )


def test_registering_records_the_choice_and_nobody_is_listed_by_default(client_of, participant, pilot, sg1):
    first, second = MeetingFactory(study_group=sg1), MeetingFactory(study_group=sg1)

    register(client_of, first, list_consent="public")
    register(client_of, second)

    assert Registration.objects.get(meeting=first).list_consent == ListConsent.PUBLIC
    assert Registration.objects.get(meeting=second).list_consent == ListConsent.NOT_LISTED
    page = client_of.get(reverse("registration:new")).content.decode()
    assert 'name="list_consent"' in page


def test_registering_with_an_unknown_choice_is_refused_and_nothing_stored(client_of, participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)

    response = register(client_of, meeting, list_consent="everyone")

    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_the_person_changes_their_choice_from_my_registrations(client_of, participant):
    registration = RegistrationFactory(participant=participant, attendance_mode=AttendanceMode.IN_PERSON)
    url = reverse("registration:list_consent", args=[registration.pk])
    assert url in client_of.get(reverse("registration:list")).content.decode()

    response = client_of.post(url, {"list_consent": "participants"})

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.list_consent == ListConsent.PARTICIPANTS
    assert registration.history.first().list_consent == ListConsent.PARTICIPANTS


def test_a_bad_choice_is_refused_and_someone_elses_registration_is_not_found(client_of, participant):
    mine = RegistrationFactory(participant=participant)
    theirs = RegistrationFactory(list_consent=ListConsent.PUBLIC)

    bad = client_of.post(reverse("registration:list_consent", args=[mine.pk]), {"list_consent": "everyone"})
    other = client_of.post(reverse("registration:list_consent", args=[theirs.pk]), {"list_consent": "none"})

    assert bad.status_code == 400
    assert other.status_code == 404
    assert client_of.get(reverse("registration:list_consent", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.list_consent, theirs.list_consent) == (ListConsent.NOT_LISTED, ListConsent.PUBLIC)


# --- The secretariat's exports -----------------------------------------------------------------------


def test_the_pdf_export_lists_who_consented_and_no_one_else(officer_client, meeting):
    response = officer_client.get(reverse("admin:meetings_meeting_participant_list_pdf", args=[meeting.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Publicly" in text and "Amongpeers" in text
    assert "Unlisted" not in text and "Pendingone" not in text
    assert "SME pilot" in text


def test_the_pdf_export_is_written_in_arabic_for_an_arabic_reader(officer_client, meeting):
    response = officer_client.get(
        reverse("admin:meetings_meeting_participant_list_pdf", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert response.status_code == 200
    assert PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_the_xlsx_export_lists_who_consented_and_no_one_else(officer_client, meeting):
    response = officer_client.get(reverse("admin:meetings_meeting_participant_list_xlsx", args=[meeting.pk]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "SME", "Country", "Role", "Listed"]
    assert sorted(row[0] for row in rows[1:]) == ["Ada Amongpeers", "Ada Publicly"]
    assert all(row[3] == "SME pilot — no decision-making role" for row in rows[1:])


@pytest.mark.parametrize("name", ["participant_list_pdf", "participant_list_xlsx"])
def test_the_exports_are_the_secretariats_only(client, meeting, name):
    person = ParticipantProfileFactory()
    client.force_login(person.user)

    response = client.get(reverse(f"admin:meetings_meeting_{name}", args=[meeting.pk]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_secretariat_signed_out_of_its_second_factor_cannot_export(meeting):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:meetings_meeting_participant_list_xlsx", args=[meeting.pk]))

    assert response.status_code in (302, 403)


@pytest.mark.both_engines
def test_the_database_refuses_a_choice_that_is_not_one_of_the_three():
    registration = RegistrationFactory()

    with pytest.raises(IntegrityError, match="registration_list_consent_valid"), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(list_consent="everyone")
    with pytest.raises(IntegrityError, match="registration_list_consent_valid"), transaction.atomic():
        RegistrationFactory(list_consent="everyone")
