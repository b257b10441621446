"""The representative's pages through the test client: profile, SME, register, my registrations, cancel."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import SME, AttendanceMode, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AdministrationFactory,
    AppointmentFactory,
    DecisionParticipantFactory,
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
    today,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
NOW = datetime.datetime.now(datetime.UTC)


def register_data(*choices):
    data = {}
    for meeting, attendance in choices:
        data[f"meeting_{meeting.pk}"] = "on"
        data[f"attendance_{meeting.pk}"] = attendance
    return data


# --- Every page needs a signed-in person -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("registration:profile"),
        reverse("registration:profile_sme"),
        reverse("registration:sme_declare"),
        reverse("registration:list"),
        reverse("registration:new"),
        reverse("registration:cancel", args=[1]),
    ],
)
def test_pages_require_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_privacy_notice_is_public(client):
    response = client.get(reverse("registration:privacy"))
    assert response.status_code == 200
    assert "Privacy notice" in response.content.decode()


# --- Profile (two steps, no JavaScript) --------------------------------------------------------


def test_new_person_sets_up_profile_then_chooses_an_sme(client):
    user = UserFactory()
    kenya = AdministrationFactory(country="KE")
    AdministrationFactory(country="LI", in_pilot=False)
    sme = SMEFactory(administration=kenya, name="Nairobi Mesh")
    client.force_login(user)
    page = client.get(reverse("registration:profile")).content.decode()
    assert "Kenya" in page and "Liechtenstein" not in page
    response = client.post(
        reverse("registration:profile"),
        {
            "given_name": "Wanjiru",
            "family_name": "Kamau",
            "job_title": "CTO",
            "administration": kenya.pk,
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:profile_sme")
    page = client.get(reverse("registration:profile_sme")).content.decode()
    assert "Nairobi Mesh" in page
    response = client.post(reverse("registration:profile_sme"), {"sme": sme.pk})
    assert response.status_code == 302
    profile = ParticipantProfile.objects.get(user=user)
    assert (profile.administration, profile.sme, profile.job_title) == (kenya, sme, "CTO")
    assert profile.privacy_consent_at is not None


def test_profile_without_consent_is_refused(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("registration:profile"),
        {"given_name": "A", "family_name": "B", "administration": AdministrationFactory().pk},
    )
    assert response.status_code == 400
    assert "Accept the privacy notice to save your profile." in response.content.decode()


def test_country_outside_the_pilot_cannot_be_chosen(client_of):
    outside = AdministrationFactory(country="LI", in_pilot=False)
    response = client_of.post(
        reverse("registration:profile"), {"given_name": "A", "family_name": "B", "administration": outside.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_changing_country_with_active_registrations_is_refused_with_what_to_do(client_of, participant):
    RegistrationFactory(participant=participant)
    response = client_of.post(
        reverse("registration:profile"),
        {"given_name": "A", "family_name": "B", "administration": AdministrationFactory(country="ZA").pk},
    )
    assert response.status_code == 400
    assert "Cancel them in “My registrations” first" in response.content.decode()


def test_changing_sme_with_active_registrations_is_refused(client_of, participant):
    RegistrationFactory(participant=participant)
    other = SMEFactory(administration=participant.administration)
    response = client_of.post(reverse("registration:profile_sme"), {"sme": other.pk})
    assert response.status_code == 400
    assert "Cancel them in “My registrations” first" in response.content.decode()
    participant.refresh_from_db()
    assert participant.sme != other


def test_sme_of_another_country_is_not_a_choice(client_of):
    foreign = SMEFactory(administration=AdministrationFactory(country="NG"))
    response = client_of.post(reverse("registration:profile_sme"), {"sme": foreign.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_sme_step_before_the_country_redirects_to_the_profile(client):
    client.force_login(UserFactory())
    response = client.get(reverse("registration:profile_sme"))
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:profile")


def test_declare_a_new_sme(client_of, participant):
    participant.sme = None
    participant.save()
    response = client_of.post(
        reverse("registration:sme_declare"),
        {
            "name": "Mesh Kenya",
            "employees": "12",
            "annual_revenue": "250000",
            "revenue_currency": "KES",
            "website": "mesh.example",
            "address": "Ngong Road, Nairobi",
        },
    )
    assert response.status_code == 302
    sme = SME.objects.get(name="Mesh Kenya")
    assert sme.eligibility == Eligibility.PENDING
    assert sme.website == "https://mesh.example"
    participant.refresh_from_db()
    assert participant.sme == sme


def test_declaring_an_existing_name_is_refused_beside_the_field(client_of, participant):
    response = client_of.post(
        reverse("registration:sme_declare"),
        {
            "name": participant.sme.name,
            "employees": "3",
            "annual_revenue": "1",
            "revenue_currency": "USD",
            "address": "x",
        },
    )
    assert response.status_code == 400
    assert "already declared in your country. Choose it from the list." in response.content.decode()
    assert 'id="id_name_error"' in response.content.decode()  # the id Django's aria-describedby names


def test_a_leader_choosing_an_sme_is_refused_with_what_to_do(client):
    # Terms of reference, point 3: a current rapporteur cannot become an SME representative.
    profile = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    AppointmentFactory(person=profile.user)
    sme = SMEFactory(administration=profile.administration)
    client.force_login(profile.user)
    response = client.post(reverse("registration:profile_sme"), {"sme": sme.pk})
    assert response.status_code == 400
    assert "Ask the secretariat to end the appointment first." in response.content.decode()
    profile.refresh_from_db()
    assert profile.sme is None


def test_someone_recorded_in_a_decision_cannot_declare_an_sme(client):
    profile = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    DecisionParticipantFactory(person=profile.user)
    client.force_login(profile.user)
    response = client.post(
        reverse("registration:sme_declare"),
        {"name": "Decider Ltd", "employees": "3", "annual_revenue": "1", "revenue_currency": "USD", "address": "x"},
    )
    assert response.status_code == 400
    assert "is recorded in a decision, so they cannot represent an SME" in response.content.decode()
    assert not SME.objects.filter(name="Decider Ltd").exists()
    profile.refresh_from_db()
    assert profile.sme is None


# --- Register --------------------------------------------------------------------------------


def test_register_page_lists_open_meetings_and_remote_only_where_offered(client_of, pilot, sg1):
    remote = MeetingFactory(study_group=sg1, title="SG1 plenary", remote_participation=True)
    local = MeetingFactory(study_group=sg1, title="RG Q1/1", remote_participation=False, kind="rapporteur_group")
    response = client_of.get(reverse("registration:new"))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'name="meeting_{remote.pk}"' in content and f'name="meeting_{local.pk}"' in content
    assert f'id="id_attendance_{remote.pk}_1"' in content  # the remote choice
    assert f'id="id_attendance_{local.pk}_1"' not in content
    assert "Remote participation is not offered for this meeting." in content
    assert "<legend>ITU-D SG1 — Enabling environment</legend>" in content


def test_register_for_sg1_and_a_rapporteur_group_in_one_post(client_of, participant, pilot, sg1):
    FocalPointFactory(administration=participant.administration)
    plenary = MeetingFactory(study_group=sg1, title="SG1 plenary")
    rapporteur = MeetingFactory(study_group=sg1, title="RG Q1/1", kind="rapporteur_group")
    response = client_of.post(
        reverse("registration:new"),
        register_data((plenary, AttendanceMode.IN_PERSON), (rapporteur, AttendanceMode.REMOTE)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:list")
    assert set(
        Registration.objects.filter(participant=participant).values_list("meeting__title", "attendance_mode", "status")
    ) == {("SG1 plenary", "in_person", "pending"), ("RG Q1/1", "remote", "pending")}
    assert OutgoingMessage.objects.filter(
        to=participant.user.email, template="emails/registration_acknowledgement"
    ).exists()
    listing = client_of.get(reverse("registration:list")).content.decode()
    assert listing.count("Pending validation") == 2


def test_register_without_a_profile_redirects_to_it(client, pilot):
    client.force_login(UserFactory())
    response = client.get(reverse("registration:new"))
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:profile")


def post_refused(client, data):
    response = client.post(reverse("registration:new"), data)
    assert response.status_code == 400
    assert not OutgoingMessage.objects.exists()
    return response.content.decode()


def test_nothing_chosen_is_refused(client_of, pilot, sg1):
    MeetingFactory(study_group=sg1)
    assert "Choose at least one meeting." in post_refused(client_of, {})


def test_a_refused_page_keeps_in_person_chosen_where_nothing_was_posted(client_of, pilot, sg1):
    import re

    meeting = MeetingFactory(study_group=sg1, remote_participation=True)
    page = post_refused(client_of, {})
    in_person = re.search(rf'<input[^>]*name="attendance_{meeting.pk}"[^>]*value="in_person"[^>]*>', page)
    assert in_person and "checked" in in_person.group(0)


def test_closed_window_is_refused(client_of, pilot, sg1):
    meeting = MeetingFactory(
        study_group=sg1, registration_opens_on=today() - 20 * DAY, registration_closes_on=today() - DAY
    )
    content = post_refused(client_of, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "closed on" in content and "Contact the secretariat" in content


def test_window_not_yet_open_is_refused(client_of, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1, registration_opens_on=today() + 3 * DAY)
    assert "opens on" in post_refused(client_of, register_data((meeting, AttendanceMode.IN_PERSON)))


def test_study_group_outside_the_pilot_cannot_be_posted(client_of, pilot):
    meeting = MeetingFactory(study_group=StudyGroupFactory(number=9))
    assert "Choose at least one meeting." in post_refused(
        client_of, register_data((meeting, AttendanceMode.IN_PERSON))
    )
    assert not Registration.objects.exists()


def test_meeting_after_the_pilot_end_is_refused(client_of, sg1):
    PilotFactory(study_groups=[sg1], ends_on=today() + 30 * DAY)
    meeting = MeetingFactory(study_group=sg1, starts_on=today() + 60 * DAY)
    content = post_refused(client_of, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "ends after the SME pilot&#x27;s last day" in content


def test_after_the_pilot_ended_the_page_says_closed_and_a_post_is_refused(client_of, sg1):
    PilotFactory(study_groups=[sg1], starts_on=today() - 400 * DAY, ends_on=today() - DAY)
    meeting = MeetingFactory(study_group=sg1)
    page = client_of.get(reverse("registration:new")).content.decode()
    assert "SME registration is closed." in page and "(point 5)" in page
    content = post_refused(client_of, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "the SME pilot ended on" in content and "(point 5)" in content


def test_refused_sme_is_refused(client, pilot, sg1):
    participant = ParticipantProfileFactory(sme__eligibility=Eligibility.REFUSED)
    client.force_login(participant.user)
    meeting = MeetingFactory(study_group=sg1)
    content = post_refused(client, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "does not meet the national criteria" in content


def test_unverified_email_is_refused(client, pilot, sg1):
    participant = ParticipantProfileFactory(user__verified_email=False)
    EmailAddress.objects.create(user=participant.user, email=participant.user.email, verified=False, primary=True)
    client.force_login(participant.user)
    meeting = MeetingFactory(study_group=sg1)
    content = post_refused(client, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "Your email address is not verified yet" in content


def test_remote_where_not_offered_is_refused(client_of, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1, remote_participation=False)
    content = post_refused(client_of, register_data((meeting, AttendanceMode.REMOTE)))
    assert "does not offer remote participation. Choose in person." in content


def test_second_submission_for_the_same_meeting_is_refused(client_of, participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)
    assert (
        client_of.post(reverse("registration:new"), register_data((meeting, AttendanceMode.IN_PERSON))).status_code
        == 302
    )
    OutgoingMessage.objects.all().delete()
    content = post_refused(client_of, register_data((meeting, AttendanceMode.IN_PERSON)))
    assert "You are already registered for" in content
    assert Registration.objects.filter(participant=participant).count() == 1


def test_register_get_changes_nothing(client_of, participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)
    client_of.get(reverse("registration:new"), register_data((meeting, AttendanceMode.IN_PERSON)))
    assert not Registration.objects.exists()


# --- My registrations and cancelling ---------------------------------------------------------


def test_my_registrations_show_status_reason_and_decision(client_of, participant):
    decider = UserFactory(first_name="Amina", last_name="Diallo")
    RegistrationFactory(participant=participant, meeting=MeetingFactory(title="Pending one"))
    RegistrationFactory(
        participant=participant,
        meeting=MeetingFactory(title="Rejected one"),
        status=RegistrationStatus.REJECTED,
        reason="The company exceeds the national size criteria.",
        decided_by=decider,
        decided_at=NOW,
    )
    RegistrationFactory(
        participant=participant,
        meeting=MeetingFactory(title="Validated one"),
        status=RegistrationStatus.VALIDATED,
        decided_by=decider,
        decided_at=NOW,
    )
    RegistrationFactory(meeting=MeetingFactory(title="Someone else's"))
    content = client_of.get(reverse("registration:list")).content.decode()
    assert "Pending validation" in content and "Validated" in content and "Rejected" in content
    assert "The company exceeds the national size criteria." in content
    assert "Amina Diallo" in content
    assert "Someone else&#x27;s" not in content


def test_my_registrations_never_show_the_deciders_address(client_of, participant):
    """A focal point's account may have no name: the registrant is told their Administration decided."""
    decider = UserFactory(first_name="", last_name="", email="focal.point@administration.example")
    RegistrationFactory(
        participant=participant,
        meeting=MeetingFactory(title="Validated one"),
        status=RegistrationStatus.VALIDATED,
        decided_by=decider,
        decided_at=NOW,
    )
    content = client_of.get(reverse("registration:list")).content.decode()
    assert "focal.point@administration.example" not in content
    assert "Your Administration" in content


def count_list_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("registration:list")).status_code == 200
    return len(context.captured_queries)


def test_my_registrations_query_count_is_the_same_at_1_and_50(client_of, participant):
    decider = UserFactory()
    RegistrationFactory(participant=participant)
    at_one = count_list_queries(client_of)
    for index in range(49):
        RegistrationFactory(
            participant=participant,
            meeting=MeetingFactory(title=f"Meeting {index}"),
            status=RegistrationStatus.VALIDATED if index % 2 else RegistrationStatus.PENDING,
            decided_by=decider if index % 2 else None,
            decided_at=NOW if index % 2 else None,
        )
    assert count_list_queries(client_of) == at_one


def test_cancel_asks_for_confirmation_then_cancels_on_post(client_of, participant):
    registration = RegistrationFactory(participant=participant)
    url = reverse("registration:cancel", args=[registration.pk])
    response = client_of.get(url)
    assert response.status_code == 200
    assert "Yes, cancel this registration" in response.content.decode()
    client_of.head(url)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING  # GET and HEAD change nothing
    response = client_of.post(url)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert "Cancelled" in client_of.get(reverse("registration:list")).content.decode()


def test_another_persons_registration_is_404(client_of):
    other = RegistrationFactory()
    url = reverse("registration:cancel", args=[other.pk])
    assert client_of.get(url).status_code == 404
    assert client_of.post(url).status_code == 404
    other.refresh_from_db()
    assert other.status == RegistrationStatus.PENDING


def test_cancel_after_the_meeting_started_is_refused(client_of, participant):
    meeting = MeetingFactory(
        starts_on=today() - DAY, registration_opens_on=today() - 30 * DAY, registration_closes_on=today() - 2 * DAY
    )
    registration = RegistrationFactory(participant=participant, meeting=meeting)
    response = client_of.post(reverse("registration:cancel", args=[registration.pk]))
    assert response.status_code == 400
    assert "registrations can be cancelled only before it starts" in response.content.decode()


def test_cancel_of_a_rejected_registration_is_refused(client_of, participant):
    registration = RegistrationFactory(
        participant=participant, status=RegistrationStatus.REJECTED, reason="No", decided_at=NOW
    )
    response = client_of.post(reverse("registration:cancel", args=[registration.pk]))
    assert response.status_code == 400
    assert "only pending or validated registrations can be cancelled" in response.content.decode()
