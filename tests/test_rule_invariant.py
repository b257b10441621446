"""The no-decision-making invariant on every path, on PostgreSQL and on SQLite (terms of reference, point 3).

Nobody who holds a current leadership appointment or is recorded in a decision is an SME
representative — by their profile's SME, or by an active registration for a meeting not yet over.
The admin refuses with the rule's message beside the field; the database refuses whatever gets
past the application (ORM writes that skip the services, bulk writes, raw SQL).
"""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import rules
from meetings.models import Appointment, DecisionParticipant, LeadershipRole
from registration.models import AttendanceMode, ParticipantProfile, Registration, RegistrationStatus
from tests.factories import (
    AdministrationFactory,
    AppointmentFactory,
    DecisionFactory,
    DecisionParticipantFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

SME_RULE = str(rules.NO_DECISION_MAKING_MESSAGE)
ROLE_RULE = str(rules.ALREADY_DECISION_MAKER_MESSAGE)
REFUSED = rules.DB_ERROR_PREFIX
YESTERDAY = datetime.timedelta(days=-1)


def appointment_form(person, **changes):
    data = {
        "person": person.pk,
        "study_group": StudyGroupFactory().pk,
        "question": "",
        "role": LeadershipRole.VICE_CHAIR,
        "starts_on": today().isoformat(),
        "ends_on": "",
        "notes": "",
    }
    data.update(changes)
    return data


def profile_form(profile, **changes):
    data = {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "job_title": profile.job_title,
        "administration": profile.administration_id or "",
        "sme": profile.sme_id or "",
    }
    data.update(changes)
    return data


def form_errors(response):
    return response.context["adminform"].form.errors


# --- Clear, then appoint -----------------------------------------------------------------------


def test_the_admin_refuses_to_clear_the_sme_of_a_person_with_active_registrations(admin_client):
    registration = RegistrationFactory()
    profile = registration.participant
    response = admin_client.post(
        reverse("admin:registration_participantprofile_change", args=[profile.pk]), profile_form(profile, sme="")
    )
    assert response.status_code == 200
    assert "Cancel those registrations first" in form_errors(response)["sme"][0]
    profile.refresh_from_db()
    assert profile.sme_id == registration.sme_id


def test_a_person_registered_as_an_sme_representative_cannot_be_appointed_even_without_a_profile_sme(admin_client):
    registration = RegistrationFactory()
    person = registration.participant.user
    # Even if the profile's SME were cleared behind the application's back…
    ParticipantProfile.objects.filter(pk=registration.participant_id).update(sme=None)
    assert rules.is_sme_representative(person)
    response = admin_client.post(reverse("admin:meetings_appointment_add"), appointment_form(person))
    assert response.status_code == 200
    assert form_errors(response)["person"] == [SME_RULE]
    # …and the database refuses the write that skips the admin.
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AppointmentFactory(person=person)
    assert not Appointment.objects.exists()


def test_once_the_meeting_is_over_the_registration_no_longer_makes_an_sme_representative():
    meeting = MeetingFactory(
        starts_on=today() - datetime.timedelta(days=10),
        ends_on=today() - datetime.timedelta(days=6),
        registration_opens_on=today() - datetime.timedelta(days=30),
        registration_closes_on=today() - datetime.timedelta(days=12),
    )
    registration = RegistrationFactory(meeting=meeting)
    ParticipantProfile.objects.filter(pk=registration.participant_id).update(sme=None)
    AppointmentFactory(person=registration.participant.user)  # allowed: nothing current is left
    assert Appointment.objects.count() == 1


# --- Appoint, then register --------------------------------------------------------------------


def test_the_admin_refuses_to_make_a_sitting_leader_an_sme_representative(admin_client):
    profile = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    AppointmentFactory(person=profile.user)
    sme = SMEFactory(administration=profile.administration)
    response = admin_client.post(
        reverse("admin:registration_participantprofile_change", args=[profile.pk]), profile_form(profile, sme=sme.pk)
    )
    assert response.status_code == 200
    assert form_errors(response)["sme"] == [ROLE_RULE]
    profile.refresh_from_db()
    assert profile.sme_id is None


def test_a_registration_for_a_sitting_leader_is_refused_by_the_service_and_the_database(admin_client):
    registration = RegistrationFactory(status=RegistrationStatus.CANCELLED)
    person = registration.participant.user
    ParticipantProfile.objects.filter(pk=registration.participant_id).update(sme=None)
    AppointmentFactory(person=person)
    # Back to the SME, as an old row or a restore would put it, cannot happen either:
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        ParticipantProfile.objects.filter(pk=registration.participant_id).update(sme=registration.sme)

    PilotFactory(study_groups=[registration.meeting.study_group])
    admin_response = admin_client.post(
        reverse("admin:registration_registration_add"),
        {
            "participant": registration.participant_id,
            "meeting": registration.meeting_id,
            "attendance_mode": "in_person",
        },
    )
    assert admin_response.status_code == 200
    assert "Say which SME" in str(admin_response.context["adminform"].form.non_field_errors())

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Registration.objects.create(
            participant=registration.participant,
            sme=registration.sme,
            meeting=MeetingFactory(),
            attendance_mode=AttendanceMode.IN_PERSON,
        )
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.PENDING)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def _eligible():
    return ParticipantProfileFactory(sme=None, administration=None).user


# --- A forged or stale choice ------------------------------------------------------------------


def test_a_forged_appointment_of_an_sme_representative_reads_the_rules_message(admin_client):
    sme_representative = ParticipantProfileFactory().user
    response = admin_client.post(reverse("admin:meetings_appointment_add"), appointment_form(sme_representative))
    assert response.status_code == 200
    assert form_errors(response)["person"] == [SME_RULE]
    assert "Select a valid choice" not in response.content.decode()
    assert not Appointment.objects.exists()


def test_an_eligible_person_is_appointed_in_the_admin(admin_client):
    person = _eligible()
    response = admin_client.post(reverse("admin:meetings_appointment_add"), appointment_form(person))
    assert response.status_code == 302
    assert Appointment.objects.get().person == person


def test_an_ended_appointments_notes_stay_editable_after_the_person_became_an_sme_representative(admin_client):
    appointment = AppointmentFactory(starts_on=today() - datetime.timedelta(days=400), ends_on=today() + YESTERDAY)
    ParticipantProfileFactory(user=appointment.person)
    response = admin_client.post(
        reverse("admin:meetings_appointment_change", args=[appointment.pk]),
        appointment_form(
            appointment.person,
            study_group=appointment.study_group_id,
            role=appointment.role,
            starts_on=appointment.starts_on.isoformat(),
            ends_on=appointment.ends_on.isoformat(),
            notes="Served two years.",
        ),
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.notes == "Served two years."
    # …but it cannot be made current again.
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(ends_on=None)


# --- The database refuses what skips the application -------------------------------------------


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_orm_and_raw_sql_cannot_appoint_an_sme_representative():
    person = ParticipantProfileFactory().user
    group = StudyGroupFactory()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Appointment.objects.create(person=person, study_group=group, role="chair", starts_on=today())
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Appointment.objects.bulk_create(
            [Appointment(person=person, study_group=group, role="chair", starts_on=today())]
        )
    with pytest.raises(IntegrityError, match=REFUSED):
        _raw(
            "INSERT INTO meetings_appointment (person_id, study_group_id, question, role, starts_on, notes) "
            "VALUES (%s, %s, '', 'chair', %s, '')",
            [person.pk, group.pk, today()],
        )
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        DecisionParticipant.objects.bulk_create([DecisionParticipant(decision=DecisionFactory(), person=person)])
    assert not Appointment.objects.exists()
    assert not DecisionParticipant.objects.exists()


def test_orm_and_raw_sql_cannot_make_a_decision_maker_an_sme_representative():
    person = DecisionParticipantFactory().person
    sme = SMEFactory()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        ParticipantProfile.objects.create(user=person, given_name="A", family_name="B", sme=sme)
    with pytest.raises(IntegrityError, match=REFUSED):
        _raw(
            "INSERT INTO registration_participantprofile "
            "(user_id, given_name, family_name, job_title, sme_id, created_at, updated_at) "
            "VALUES (%s, 'A', 'B', '', %s, %s, %s)",
            [person.pk, sme.pk, timezone.now(), timezone.now()],
        )
    assert not ParticipantProfile.objects.filter(user=person).exists()


def test_an_ended_appointment_lets_the_person_represent_an_sme():
    appointment = AppointmentFactory(ends_on=today() + YESTERDAY, starts_on=today() - datetime.timedelta(days=30))
    profile = ParticipantProfileFactory(user=appointment.person)
    assert profile.sme_id is not None
    assert rules.rule_violations().count() == 0


def test_rule_violations_states_the_invariant():
    """The query the tests run after every test that writes finds a violation when one exists."""
    person = _eligible()
    AppointmentFactory(person=person)
    assert list(rules.rule_violations()) == []
    assert list(rules.decision_makers()) == [person]
    assert person in rules.decision_making_eligible_people()


# --- A meeting that had ended, moved to a later end ---------------------------------------------


def _past_meeting_with_a_registrant_who_now_leads():
    meeting = MeetingFactory(
        starts_on=today() - datetime.timedelta(days=10),
        ends_on=today() - datetime.timedelta(days=6),
        registration_opens_on=today() - datetime.timedelta(days=30),
        registration_closes_on=today() - datetime.timedelta(days=12),
    )
    registration = RegistrationFactory(meeting=meeting, status=RegistrationStatus.VALIDATED, decided_at=timezone.now())
    ParticipantProfile.objects.filter(pk=registration.participant_id).update(sme=None)
    AppointmentFactory(person=registration.participant.user)  # allowed: the meeting is over
    return meeting


def meeting_form(meeting, **changes):
    data = {
        "study_group": meeting.study_group_id,
        "kind": meeting.kind,
        "title_en": meeting.title_en,
        "starts_on": meeting.starts_on.isoformat(),
        "ends_on": meeting.ends_on.isoformat(),
        "place_en": meeting.place_en,
        "remote_participation": "on",
        "registration_opens_on": meeting.registration_opens_on.isoformat(),
        "registration_closes_on": meeting.registration_closes_on.isoformat(),
    }
    data.update(changes)
    return data


def test_moving_a_past_meetings_end_is_refused_when_a_registrant_now_holds_a_role(admin_client):
    meeting = _past_meeting_with_a_registrant_who_now_leads()
    later = (today() + datetime.timedelta(days=3)).isoformat()
    response = admin_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]), meeting_form(meeting, ends_on=later)
    )
    assert response.status_code == 200
    assert "Cancel their registrations for this meeting first" in form_errors(response)["ends_on"][0]
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        type(meeting).objects.filter(pk=meeting.pk).update(ends_on=today())
    meeting.refresh_from_db()
    assert meeting.ends_on < today()


def test_a_past_meetings_place_is_still_editable(admin_client):
    meeting = _past_meeting_with_a_registrant_who_now_leads()
    response = admin_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]), meeting_form(meeting, place_en="Geneva, CICG")
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "Geneva, CICG"
