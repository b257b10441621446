"""The secretariat's admin: every page loads, changelists cost the same at 1 and 50 rows, and bad
input is refused on its field without a 500 or a half-saved row."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from focalpoints.models import Administration, FocalPoint
from meetings.models import Meeting, MeetingKind, Pilot, StudyGroup
from registration.models import SME, AttendanceMode, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db


COUNTRY_CODES = itertools.cycle([code for code, _name in countries])


def a_pilot():
    return factories.PilotFactory(study_groups=[factories.StudyGroupFactory(), factories.StudyGroupFactory()])


def a_study_group():
    return factories.MeetingFactory().study_group


def a_meeting():
    return factories.RegistrationFactory().meeting


def an_administration():
    administration = factories.AdministrationFactory(country=next(COUNTRY_CODES))
    factories.FocalPointFactory(administration=administration)
    factories.SMEFactory(administration=administration)
    return administration


def a_focal_point():
    return factories.FocalPointFactory(administration=factories.AdministrationFactory(country=next(COUNTRY_CODES)))


def an_sme():
    return factories.SMEFactory(
        administration=factories.AdministrationFactory(country=next(COUNTRY_CODES)),
        eligibility_decided_by=factories.UserFactory(),
        eligibility_decided_at=timezone.now(),
    )


def a_participant():
    return factories.ParticipantProfileFactory(
        sme=factories.SMEFactory(administration=factories.AdministrationFactory(country=next(COUNTRY_CODES)))
    )


def a_registration():
    # Decided, so that the decided_by column has someone to show.
    return factories.RegistrationFactory(
        participant=a_participant(),
        status=RegistrationStatus.VALIDATED,
        decided_by=factories.UserFactory(),
        decided_at=timezone.now(),
    )


# (admin URL name prefix, model, builder of one row and what it shows)
ADMIN_PAGES = [
    ("meetings_pilot", Pilot, a_pilot),
    ("meetings_studygroup", StudyGroup, a_study_group),
    ("meetings_meeting", Meeting, a_meeting),
    ("focalpoints_administration", Administration, an_administration),
    ("focalpoints_focalpoint", FocalPoint, a_focal_point),
    ("registration_sme", SME, an_sme),
    ("registration_participantprofile", ParticipantProfile, a_participant),
    ("registration_registration", Registration, a_registration),
]
HISTORY_PAGES = [page for page in ADMIN_PAGES if hasattr(page[1], "history")]
ids = [page[0] for page in ADMIN_PAGES]


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(("name", "model", "build"), ADMIN_PAGES, ids=ids)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, name, model, build):
    url = reverse(f"admin:{name}_changelist")
    build()
    admin_client.get(url)  # warm the session and content-type caches
    at_one, _response = changelist_queries(admin_client, url)
    for _ in range(49):
        build()
    at_fifty, response = changelist_queries(admin_client, url)
    assert model.objects.count() >= 50
    assert response.context["cl"].result_count == model.objects.count()
    assert at_fifty == at_one


@pytest.mark.parametrize(("name", "model", "build"), ADMIN_PAGES, ids=ids)
def test_add_and_change_pages_load(admin_client, name, model, build):
    obj = build()
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200
    response = admin_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize(("name", "model", "build"), HISTORY_PAGES, ids=[page[0] for page in HISTORY_PAGES])
def test_history_pages_load(admin_client, name, model, build):
    obj = build()
    assert admin_client.get(reverse(f"admin:{name}_history", args=[obj.pk])).status_code == 200


def test_changelist_search_and_filters_load(admin_client):
    registration = a_registration()
    administration = registration.sme.administration
    url = reverse("admin:registration_registration_changelist")
    for query in [
        {"q": registration.participant.family_name},
        {"status__exact": "validated"},
        {"attendance_mode__exact": "in_person"},
        {"meeting__id__exact": registration.meeting_id},
        {"meeting__study_group__id__exact": registration.meeting.study_group_id},
        {"sme__administration__itu_region": administration.itu_region},
        {"sme__administration__id__exact": administration.pk},
    ]:
        response = admin_client.get(url, query)
        # An unknown filter would redirect to ?e=1; a known one answers 200 with the row.
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == 1, query


def test_administration_search_finds_the_country_by_name(admin_client):
    factories.AdministrationFactory(country="KE")
    factories.AdministrationFactory(country="SN")
    response = admin_client.get(reverse("admin:focalpoints_administration_changelist"), {"q": "kenya"})
    assert [str(obj) for obj in response.context["cl"].result_list] == ["Kenya"]


def test_administration_autocomplete_finds_the_country_by_name(admin_client):
    kenya = factories.AdministrationFactory(country="KE")
    factories.AdministrationFactory(country="SN")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "registration", "model_name": "sme", "field_name": "administration", "term": "Ken"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(kenya.pk), "text": "Kenya"}]


@pytest.mark.parametrize(
    ("model_name", "field_name", "build", "term"),
    [
        ("registration", "meeting", lambda: factories.MeetingFactory(title="ITU-D Study Group 1"), "Study"),
        ("registration", "participant", lambda: factories.ParticipantProfileFactory(family_name="Otieno"), "Otie"),
        ("registration", "sme", lambda: factories.SMEFactory(name="Savannah Fibre Ltd"), "Savannah"),
        ("meeting", "study_group", lambda: factories.StudyGroupFactory(title="Enabling environment"), "Enabling"),
    ],
)
def test_autocomplete_choosers_answer(admin_client, model_name, field_name, build, term):
    obj = build()
    app_label = "meetings" if model_name == "meeting" else "registration"
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(obj.pk)]


def test_registrations_mark_sme_participants(admin_client):
    registration = a_registration()
    a_registration()
    changelist = admin_client.get(reverse("admin:registration_registration_changelist")).content.decode()
    change = admin_client.get(reverse("admin:registration_registration_change", args=[registration.pk]))
    # Once above the list (every row is an SME representative's), and on the registration's page.
    assert changelist.count("no decision-making role") == 1
    assert "SME pilot — no decision-making role" in change.content.decode()


def test_participant_profile_marks_only_sme_representatives(admin_client):
    factories.ParticipantProfileFactory(sme=None, administration=None, family_name="Delegate")
    representative = factories.ParticipantProfileFactory(family_name="Representative")
    page = admin_client.get(reverse("admin:registration_participantprofile_changelist")).content.decode()
    assert page.count('class="sme-mark"') == 1
    assert representative.family_name in page


# --- Bad input: a message on the field, never a 500, nothing saved -----------------------------


def meeting_form(study_group, **changes):
    data = {
        "study_group": study_group.pk,
        "kind": MeetingKind.STUDY_GROUP,
        "title_en": "ITU-D Study Group 1",
        "starts_on": "2030-04-29",
        "ends_on": "2030-05-03",
        "place_en": "Geneva",
        "remote_participation": "on",
        "registration_opens_on": "2030-01-17",
        "registration_closes_on": "2030-04-28",
    }
    data.update(changes)
    return data


def field_errors(response, field):
    assert response.status_code == 200
    return [str(error) for error in response.context["adminform"].form.errors.get(field, [])]


def test_meeting_add_form_accepts_good_input(admin_client):
    study_group = factories.StudyGroupFactory()
    response = admin_client.post(reverse("admin:meetings_meeting_add"), meeting_form(study_group))
    assert response.status_code == 302
    assert Meeting.objects.get().ends_on == datetime.date(2030, 5, 3)


def test_meeting_ending_before_it_starts_is_refused_on_the_end_date(admin_client):
    study_group = factories.StudyGroupFactory()
    response = admin_client.post(
        reverse("admin:meetings_meeting_add"),
        meeting_form(study_group, ends_on="2030-04-20", registration_closes_on="2030-04-19"),
    )
    assert field_errors(response, "ends_on") == ["The meeting cannot end before it starts."]
    assert "The meeting cannot end before it starts." in response.content.decode()
    assert not Meeting.objects.exists()


def test_registration_window_after_the_meeting_is_refused_on_its_dates(admin_client):
    study_group = factories.StudyGroupFactory()
    response = admin_client.post(
        reverse("admin:meetings_meeting_add"),
        meeting_form(study_group, registration_opens_on="2030-06-01", registration_closes_on="2030-06-30"),
    )
    assert field_errors(response, "registration_opens_on") == ["Registration must open before the meeting ends."]
    assert field_errors(response, "registration_closes_on") == [
        "Registration must close by the last day of the meeting."
    ]
    assert not Meeting.objects.exists()


def test_registration_closing_before_it_opens_is_refused(admin_client):
    study_group = factories.StudyGroupFactory()
    response = admin_client.post(
        reverse("admin:meetings_meeting_add"),
        meeting_form(study_group, registration_opens_on="2030-03-01", registration_closes_on="2030-02-01"),
    )
    assert field_errors(response, "registration_closes_on") == ["Registration cannot close before it opens."]
    assert not Meeting.objects.exists()


def test_meeting_change_form_refuses_bad_dates_and_keeps_the_row(admin_client):
    meeting = factories.MeetingFactory()
    data = meeting_form(meeting.study_group, ends_on="2030-04-01", registration_closes_on="2030-03-01")
    response = admin_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)
    assert field_errors(response, "ends_on") == ["The meeting cannot end before it starts."]
    meeting.refresh_from_db()
    assert meeting.ends_on == meeting.starts_on + datetime.timedelta(days=4)


def registration_form(participant, meeting, **changes):
    data = {"participant": participant.pk, "meeting": meeting.pk, "attendance_mode": AttendanceMode.IN_PERSON}
    data.update(changes)
    return data


def open_meeting(**fields):
    """A meeting whose registration window is open, of a study group in the running pilot."""
    meeting = factories.MeetingFactory(**fields)
    factories.PilotFactory(study_groups=[meeting.study_group])
    return meeting


def test_registration_added_in_the_admin_goes_through_the_registration_service(admin_client, admin_user):
    participant = factories.ParticipantProfileFactory()
    factories.FocalPointFactory(administration=participant.sme.administration)
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(participant, open_meeting())
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.sme == participant.sme
    assert registration.status == RegistrationStatus.PENDING
    assert registration.added_by == admin_user
    assert registration.history.get().history_user == admin_user
    # The person's acknowledgement and the focal point's request, as when they register themselves.
    templates = set(OutgoingMessage.objects.values_list("template", flat=True))
    assert templates == {"emails/registration_acknowledgement", "emails/focalpoint_registration_new"}
    acknowledgement = OutgoingMessage.objects.get(template="emails/registration_acknowledgement")
    assert acknowledgement.to == participant.user.email
    assert "the ITU-D Study Groups Secretariat registered you" in acknowledgement.body_text
    assert "the ITU-D Study Groups Secretariat registered you" in acknowledgement.body_html


def test_registration_added_in_the_admin_needs_the_person_to_have_an_sme(admin_client):
    participant = factories.ParticipantProfileFactory(sme=None, administration=None)
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(participant, open_meeting())
    )
    assert response.status_code == 200
    assert "Say which SME you represent" in str(response.context["adminform"].form.non_field_errors())
    assert not Registration.objects.exists()
    assert not OutgoingMessage.objects.exists()


@pytest.mark.parametrize(
    ("meeting_fields", "message"),
    [
        ({"remote_participation": False}, "does not offer remote participation"),
        ({"registration_opens_on": factories.today() + datetime.timedelta(days=1)}, "opens on"),
    ],
)
def test_registration_added_in_the_admin_gets_the_services_checks(admin_client, meeting_fields, message):
    participant = factories.ParticipantProfileFactory()
    response = admin_client.post(
        reverse("admin:registration_registration_add"),
        registration_form(participant, open_meeting(**meeting_fields), attendance_mode=AttendanceMode.REMOTE),
    )
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors)
    assert not Registration.objects.exists()


def test_registration_added_in_the_admin_refuses_an_unverified_address(admin_client):
    participant = factories.ParticipantProfileFactory(user__verified_email=False)
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(participant, open_meeting())
    )
    assert "not verified" in str(response.context["adminform"].form.non_field_errors())
    assert not Registration.objects.exists()


def test_the_secretariat_may_register_someone_after_the_window_closed(admin_client):
    """The closing message tells people to contact the secretariat if they must attend."""
    participant = factories.ParticipantProfileFactory()
    meeting = open_meeting(
        registration_opens_on=factories.today() - datetime.timedelta(days=20),
        starts_on=factories.today() + datetime.timedelta(days=2),
        registration_closes_on=factories.today() - datetime.timedelta(days=1),
    )
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(participant, meeting)
    )
    assert response.status_code == 302
    assert Registration.objects.get().meeting == meeting


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.VALIDATED])
def test_second_active_registration_is_refused(admin_client, status):
    meeting = open_meeting()
    first = factories.RegistrationFactory(status=status, decided_at=timezone.now(), meeting=meeting)
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(first.participant, first.meeting)
    )
    assert response.status_code == 200
    assert "already" in str(response.context["adminform"].form.errors)
    assert Registration.objects.count() == 1


def test_registration_after_a_cancelled_one_is_accepted(admin_client):
    first = factories.RegistrationFactory(status=RegistrationStatus.CANCELLED, meeting=open_meeting())
    response = admin_client.post(
        reverse("admin:registration_registration_add"), registration_form(first.participant, first.meeting)
    )
    assert response.status_code == 302
    assert Registration.objects.filter(status=RegistrationStatus.PENDING).count() == 1


def test_a_registration_is_shown_read_only_and_its_form_cannot_be_posted(admin_client):
    """It changes through the actions (decide, reopen), which say why and tell the people concerned."""
    registration = factories.RegistrationFactory(meeting=factories.MeetingFactory(remote_participation=True))
    url = reverse("admin:registration_registration_change", args=[registration.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(
        url, {"attendance_mode": AttendanceMode.REMOTE, "status": RegistrationStatus.VALIDATED}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert (registration.status, registration.attendance_mode) == (
        RegistrationStatus.PENDING,
        AttendanceMode.IN_PERSON,
    )


def test_a_registration_cannot_be_deleted_in_the_admin(admin_client):
    registration = factories.RegistrationFactory()
    response = admin_client.post(
        reverse("admin:registration_registration_delete", args=[registration.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    changelist = admin_client.get(reverse("admin:registration_registration_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert Registration.objects.filter(pk=registration.pk).exists()


def sme_form(administration, **changes):
    data = {
        "administration": administration.pk,
        "name": "Savannah   Fibre  Ltd",
        "website": "https://savannah.example",
        "address": "Nairobi",
        "employees": 40,
        "annual_revenue": "1200000",
        "revenue_currency": "KES",
    }
    data.update(changes)
    return data


def test_an_sme_added_in_the_admin_gets_sme_declares_checks(admin_client, admin_user):
    administration = factories.AdministrationFactory()
    response = admin_client.post(reverse("admin:registration_sme_add"), sme_form(administration))
    assert response.status_code == 302
    sme = SME.objects.get()
    assert (sme.name, sme.revenue_currency, sme.eligibility) == ("Savannah Fibre Ltd", "KES", "pending")
    assert sme.created_by == admin_user

    for same_name in ("savannah fibre ltd", " Savannah  Fibre Ltd"):
        again = admin_client.post(reverse("admin:registration_sme_add"), sme_form(administration, name=same_name))
        assert again.status_code == 200
        errors = str(again.context["adminform"].form.errors)
        assert "An SME with this name is already declared in this country." in errors
    bad_currency = admin_client.post(
        reverse("admin:registration_sme_add"), sme_form(administration, name="Other", revenue_currency="12$")
    )
    assert "is not the code of a currency in use" in str(bad_currency.context["adminform"].form.errors)
    assert SME.objects.count() == 1


def test_the_admin_offers_the_sites_iso_4217_currencies_and_shows_amounts_the_readers_way(admin_client):
    add_page = admin_client.get(reverse("admin:registration_sme_add")).content.decode()
    assert '<select name="revenue_currency"' in add_page
    assert '<option value="KES">Kenyan Shilling (KES)</option>' in add_page
    for not_a_code in ("SHI", "shillings", "DEM"):
        refused = admin_client.post(
            reverse("admin:registration_sme_add"),
            sme_form(factories.AdministrationFactory(), revenue_currency=not_a_code),
        )
        assert refused.status_code == 200
        assert "is not the code of a currency in use" in str(refused.context["adminform"].form.errors)
    assert not SME.objects.exists()

    factories.SMEFactory(annual_revenue="1200000", revenue_currency="KES")
    changelist = admin_client.get(reverse("admin:registration_sme_changelist")).content.decode()
    assert "KES\xa01,200,000.00" in changelist or "KES 1,200,000.00" in changelist


def test_an_sme_saved_in_the_admin_keeps_a_currency_withdrawn_since(admin_client):
    sme = factories.SMEFactory(revenue_currency="DEM", eligibility="pending")
    data = sme_form(sme.administration, name=sme.name, revenue_currency="DEM", employees=41)
    response = admin_client.post(reverse("admin:registration_sme_change", args=[sme.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    sme.refresh_from_db()
    assert (sme.revenue_currency, sme.employees) == ("DEM", 41)
