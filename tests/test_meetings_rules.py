"""The no-decision-making rule (terms of reference, point 3) on every path.

rules -> services -> admin forms, choosers and actions -> database triggers (PostgreSQL here; both engines:
tests/test_rule_invariant.py).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import rules
from meetings.leadership_services import (
    appointment_create,
    decision_create,
    decision_participant_add,
    decision_participants_set,
)
from meetings.models import Appointment, Decision, DecisionParticipant, LeadershipRole
from meetings.secretariat import SECRETARIAT_GROUP_NAME
from registration.models import ParticipantProfile
from tests.factories import (
    AdministrationFactory,
    AppointmentFactory,
    DecisionFactory,
    DecisionParticipantFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


RULE = str(rules.NO_DECISION_MAKING_MESSAGE)


@pytest.fixture
def sme_rep():
    return ParticipantProfileFactory().user


@pytest.fixture
def delegate():
    """A person with a participant profile but no SME: eligible."""
    return ParticipantProfileFactory(sme=None, administration=None).user


# --- the rule itself ------------------------------------------------------------------------


def test_rule_querysets_and_predicate(sme_rep, delegate):
    staff = UserFactory(is_staff=True)
    assert set(rules.sme_representatives()) == {sme_rep}
    eligible = set(rules.decision_making_eligible_people())
    assert {delegate, staff} <= eligible
    assert sme_rep not in eligible
    assert rules.is_sme_representative(sme_rep)
    assert not rules.is_sme_representative(delegate)
    assert not rules.is_sme_representative(staff)
    assert not rules.is_sme_representative(None)


def test_rule_check_raises_on_person_field(sme_rep, delegate):
    rules.decision_making_role_check(person=delegate)
    with pytest.raises(ValidationError) as error:
        rules.decision_making_role_check(person=sme_rep)
    assert error.value.message_dict == {"person": [RULE]}
    assert "point 3" in rules.decision_making_role_check.__doc__


def test_holds_decision_making_role_only_while_current_or_in_a_decision():
    ended = AppointmentFactory(ends_on=timezone.localdate() - datetime.timedelta(days=1)).person
    current = AppointmentFactory(ends_on=timezone.localdate()).person
    decided = DecisionParticipantFactory().person
    assert not rules.holds_decision_making_role(ended)
    assert rules.holds_decision_making_role(current)
    assert rules.holds_decision_making_role(decided)
    rules.sme_representation_check(user=ended)
    with pytest.raises(ValidationError) as error:
        rules.sme_representation_check(user=current)
    assert list(error.value.message_dict) == ["sme"]


# --- services -------------------------------------------------------------------------------


def test_appointment_create_refuses_an_sme_representative(sme_rep):
    group = StudyGroupFactory()
    with pytest.raises(ValidationError) as error:
        appointment_create(
            person=sme_rep, study_group=group, role=LeadershipRole.CHAIR, starts_on=timezone.localdate()
        )
    assert error.value.message_dict["person"] == [RULE]
    assert not Appointment.objects.exists()


def test_appointment_create_for_an_eligible_person(delegate):
    appointment = appointment_create(
        person=delegate,
        study_group=StudyGroupFactory(),
        role=LeadershipRole.VICE_CHAIR,
        starts_on=timezone.localdate(),
    )
    assert Appointment.objects.get() == appointment


def test_decision_create_and_participants_set_refuse_the_whole_list(sme_rep, delegate):
    meeting = MeetingFactory()
    with pytest.raises(ValidationError) as error:
        decision_create(
            meeting=meeting,
            kind="resolution",
            reference="Resolution 9",
            title="Participation of countries",
            adopted_on=timezone.localdate(),
            participants=[delegate, sme_rep],
        )
    assert RULE in error.value.message_dict["participants"][0]
    assert sme_rep.email in error.value.message_dict["participants"][0]
    assert not Decision.objects.exists()
    assert not DecisionParticipant.objects.exists()

    decision = decision_create(
        meeting=meeting,
        kind="resolution",
        reference="Resolution 9",
        title="Participation of countries",
        adopted_on=timezone.localdate(),
        participants=[delegate],
    )
    other = UserFactory()
    with pytest.raises(ValidationError):
        decision_participants_set(decision=decision, people=[other, sme_rep])
    assert list(decision.participants.all()) == [delegate]  # nothing written

    decision_participants_set(decision=decision, people=[other])
    assert list(decision.participants.all()) == [other]
    with pytest.raises(ValidationError):
        decision_participant_add(decision=decision, person=sme_rep)
    assert list(decision.participants.all()) == [other]


# --- admin: forms, choosers, actions --------------------------------------------------------


def test_admin_add_appointment_refuses_an_sme_representative(officer_client, sme_rep):
    group = StudyGroupFactory()
    response = officer_client.post(
        reverse("admin:meetings_appointment_add"),
        {
            "person": sme_rep.pk,
            "study_group": group.pk,
            "question": "",
            "role": LeadershipRole.CHAIR,
            "starts_on": "2026-01-01",
            "ends_on": "",
            "notes": "",
        },
    )
    assert response.status_code == 200
    assert "person" in response.context["adminform"].form.errors
    assert not Appointment.objects.exists()


def test_admin_add_appointment_for_an_eligible_person(officer_client, delegate):
    response = officer_client.post(
        reverse("admin:meetings_appointment_add"),
        {
            "person": delegate.pk,
            "study_group": StudyGroupFactory().pk,
            "question": "Question 2/1",
            "role": LeadershipRole.RAPPORTEUR,
            "starts_on": "2026-01-01",
            "ends_on": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().person == delegate


def _decision_post(meeting, person):
    return {
        "meeting": meeting.pk,
        "kind": "recommendation",
        "reference": "Recommendation ITU-D 22",
        "title": "Alerting",
        "adopted_on": "2026-05-04",
        "approval_procedure": "Consensus",
        "decision_participants-TOTAL_FORMS": "1",
        "decision_participants-INITIAL_FORMS": "0",
        "decision_participants-MIN_NUM_FORMS": "0",
        "decision_participants-MAX_NUM_FORMS": "1000",
        "decision_participants-0-person": person.pk,
    }


def test_admin_add_decision_refuses_an_sme_representative_in_the_inline(officer_client, sme_rep):
    post = _decision_post(MeetingFactory(), sme_rep)
    response = officer_client.post(reverse("admin:meetings_decision_add"), post)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert RULE in form.non_field_errors()[0]
    assert form.data["reference"] == post["reference"]  # the officer's input is kept
    assert not Decision.objects.exists()
    assert not DecisionParticipant.objects.exists()


def test_admin_add_decision_with_an_eligible_participant(officer_client, delegate):
    response = officer_client.post(reverse("admin:meetings_decision_add"), _decision_post(MeetingFactory(), delegate))
    assert response.status_code == 302
    assert list(Decision.objects.get().participants.all()) == [delegate]


def test_decision_participants_are_not_added_on_a_page_of_their_own(officer_client, sme_rep):
    """They are recorded on their decision's page, where the whole list is checked at once."""
    response = officer_client.post(
        reverse("admin:meetings_decisionparticipant_add"), {"decision": DecisionFactory().pk, "person": sme_rep.pk}
    )
    assert response.status_code == 403
    assert not DecisionParticipant.objects.exists()


@pytest.mark.parametrize("url_name", ["admin:meetings_appointment_add", "admin:meetings_decision_add"])
def test_admin_choosers_offer_only_eligible_people(officer_client, sme_rep, delegate, url_name):
    inactive = UserFactory(is_active=False)
    response = officer_client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "admin:meetings_decision_add":
        form = response.context["inline_admin_formsets"][0].formset.forms[0]
    else:
        form = response.context["adminform"].form
    offered = {value for value, _label in form.fields["person"].choices}
    assert delegate.pk in offered
    assert sme_rep.pk not in offered
    assert inactive.pk not in offered
    assert sme_rep.email not in response.content.decode()


def test_admin_action_ends_appointments_through_the_service(officer_client):
    appointment = AppointmentFactory()
    response = officer_client.post(
        reverse("admin:meetings_appointment_changelist"),
        {"action": "end_today", "_selected_action": [appointment.pk]},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.ends_on == timezone.localdate()


def test_secretariat_group_exists(officer_client):
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name=SECRETARIAT_GROUP_NAME).exists()


# --- the database: raw SQL and ORM bulk updates ----------------------------------------------


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_insert_of_an_sme_representative_appointment_fails(sme_rep):
    group = StudyGroupFactory()
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        _raw(
            "INSERT INTO meetings_appointment (person_id, study_group_id, question, role, starts_on, notes) "
            "VALUES (%s, %s, '', 'chair', CURRENT_DATE, '')",
            [sme_rep.pk, group.pk],
        )
    assert not Appointment.objects.exists()


def test_raw_update_of_an_appointment_to_an_sme_representative_fails(sme_rep):
    appointment = AppointmentFactory()
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        _raw("UPDATE meetings_appointment SET person_id = %s WHERE id = %s", [sme_rep.pk, appointment.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(person=sme_rep)
    appointment.refresh_from_db()
    assert appointment.person_id != sme_rep.pk


def test_raw_insert_and_update_of_a_decision_participant_fail(sme_rep):
    decision = DecisionFactory()
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        _raw(
            "INSERT INTO meetings_decisionparticipant (decision_id, person_id) VALUES (%s, %s)",
            [decision.pk, sme_rep.pk],
        )
    row = DecisionParticipantFactory(decision=decision)
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        _raw("UPDATE meetings_decisionparticipant SET person_id = %s WHERE id = %s", [sme_rep.pk, row.pk])
    # bulk_create skips save() and clean(): the trigger still stops it.
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionParticipant.objects.bulk_create([DecisionParticipant(decision=DecisionFactory(), person=sme_rep)])
    assert list(DecisionParticipant.objects.values_list("person_id", flat=True)) == [row.person_id]


@pytest.mark.parametrize("how", ["raw", "orm"])
def test_making_a_leader_an_sme_representative_fails_in_the_database(how):
    profile = ParticipantProfileFactory(sme=None, administration=None)
    AppointmentFactory(person=profile.user)
    sme = SMEFactory()
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        if how == "raw":
            _raw("UPDATE registration_participantprofile SET sme_id = %s WHERE id = %s", [sme.pk, profile.pk])
        else:
            with transaction.atomic():
                ParticipantProfile.objects.filter(pk=profile.pk).update(sme=sme)
    profile.refresh_from_db()
    assert profile.sme_id is None


def test_recording_a_decision_participant_then_a_profile_insert_with_an_sme_fails():
    person = DecisionParticipantFactory().person
    sme = SMEFactory()
    with pytest.raises(IntegrityError, match="terms of reference point 3"):
        _raw(
            "INSERT INTO registration_participantprofile "
            "(user_id, given_name, family_name, job_title, sme_id, created_at, updated_at) "
            "VALUES (%s, 'A', 'B', '', %s, now(), now())",
            [person.pk, sme.pk],
        )
    assert not ParticipantProfile.objects.filter(user=person).exists()


def test_after_an_appointment_ends_the_person_may_represent_an_sme():
    profile = ParticipantProfileFactory(sme=None, administration=None)
    AppointmentFactory(person=profile.user, ends_on=timezone.localdate() - datetime.timedelta(days=1))
    sme = SMEFactory()
    ParticipantProfile.objects.filter(pk=profile.pk).update(sme=sme, administration=sme.administration)
    profile.refresh_from_db()
    assert profile.sme == sme
    # ...and from then on cannot be appointed again.
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(person=profile.user)


@pytest.mark.parametrize(
    ("session_time_zone", "ends_days_from_today"),
    # Between them, at any hour, one of these sessions' CURRENT_DATE differs from Geneva's date.
    [("Etc/GMT+12", -1), ("Etc/GMT-14", 0)],
)
def test_the_database_counts_today_as_the_application_does(session_time_zone, ends_days_from_today):
    profile = ParticipantProfileFactory(sme=None, administration=None)
    ends_on = timezone.localdate() + datetime.timedelta(days=ends_days_from_today)
    AppointmentFactory(person=profile.user, ends_on=ends_on)
    sme = SMEFactory()
    application_refuses = rules.holds_decision_making_role(profile.user)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL TIME ZONE %s", [session_time_zone])
            cursor.execute(
                "UPDATE registration_participantprofile SET sme_id = %s WHERE id = %s", [sme.pk, profile.pk]
            )
    except IntegrityError:
        database_refuses = True
    else:
        database_refuses = False
    assert database_refuses == application_refuses


def test_clearing_the_sme_of_an_unrelated_profile_is_not_blocked(sme_rep):
    ParticipantProfile.objects.filter(user=sme_rep).update(sme=None)
    assert not rules.is_sme_representative(sme_rep)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appointment_and_sme_representation_cannot_both_commit():
    """Two transactions racing (one appoints, one makes the same person an SME representative).

    Both triggers write the person's guard row, so the second waits for the first to commit, then
    sees its row and refuses.
    """
    import threading

    import psycopg2

    profile = ParticipantProfileFactory(sme=None, administration=None)
    sme = SMEFactory()
    group = StudyGroupFactory()
    params = connection.get_connection_params()
    appointing = psycopg2.connect(**params)
    representing = psycopg2.connect(**params)
    outcome = {}

    def make_representative():
        try:
            with representing.cursor() as cursor:
                cursor.execute(
                    "UPDATE registration_participantprofile SET sme_id = %s WHERE id = %s", [sme.pk, profile.pk]
                )
            representing.commit()
            outcome["result"] = "committed"
        except psycopg2.errors.CheckViolation as error:
            representing.rollback()
            outcome["result"] = str(error)

    try:
        with appointing.cursor() as cursor:
            cursor.execute(
                "INSERT INTO meetings_appointment (person_id, study_group_id, question, role, starts_on, notes) "
                "VALUES (%s, %s, '', 'chair', CURRENT_DATE, '')",
                [profile.user_id, group.pk],
            )
        racer = threading.Thread(target=make_representative)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting for the appointing transaction
        appointing.commit()
        racer.join(timeout=10)
        assert not racer.is_alive()
    finally:
        appointing.close()
        representing.close()
    assert "terms of reference point 3" in outcome["result"]
    profile.refresh_from_db()
    assert profile.sme_id is None
    assert Appointment.objects.filter(person_id=profile.user_id).exists()


def test_admin_refuses_making_a_leader_an_sme_representative(officer_client):
    profile = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    AppointmentFactory(person=profile.user)
    sme = SMEFactory(administration=profile.administration)
    response = officer_client.post(
        reverse("admin:registration_participantprofile_change", args=[profile.pk]),
        {
            "user": profile.user_id,
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "job_title": profile.job_title,
            "administration": profile.administration_id,
            "sme": sme.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sme"] == [str(rules.ALREADY_DECISION_MAKER_MESSAGE)]
    profile.refresh_from_db()
    assert profile.sme_id is None


def _isolated_connection(level):
    import psycopg2

    raw = psycopg2.connect(**connection.get_connection_params())
    raw.set_session(isolation_level=level)
    return raw


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("level", ["REPEATABLE READ", "SERIALIZABLE"])
@pytest.mark.parametrize("first", ["appoint", "represent"])
def test_a_stale_snapshot_cannot_break_the_rule(level, first):
    """A transaction whose snapshot predates another's commit cannot write the opposite side of the rule.

    Both sides write the person's guard row: the second writer fails to serialize instead of
    checking a snapshot that does not show the first's commit.
    """
    import psycopg2

    profile = ParticipantProfileFactory(sme=None, administration=None)
    sme = SMEFactory()
    group = StudyGroupFactory()
    appoint = (
        "INSERT INTO meetings_appointment (person_id, study_group_id, question, role, starts_on, notes) "
        "VALUES (%s, %s, '', 'chair', CURRENT_DATE, '')",
        [profile.user_id, group.pk],
    )
    represent = ("UPDATE registration_participantprofile SET sme_id = %s WHERE id = %s", [sme.pk, profile.pk])
    first_sql, second_sql = (appoint, represent) if first == "appoint" else (represent, appoint)
    early, late = _isolated_connection(level), _isolated_connection(level)
    try:
        with late.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM meetings_appointment")  # takes the snapshot
        with early.cursor() as cursor:
            cursor.execute(*first_sql)
        early.commit()
        with pytest.raises((psycopg2.errors.SerializationFailure, psycopg2.errors.CheckViolation)):
            with late.cursor() as cursor:
                cursor.execute(*second_sql)
            late.commit()
        late.rollback()
    finally:
        early.close()
        late.close()
    profile.refresh_from_db()
    holds_role = Appointment.objects.filter(person_id=profile.user_id).exists()
    assert holds_role != (profile.sme_id is not None)  # exactly one of the two writes committed


def test_a_bulk_load_of_100000_sme_representatives_in_one_transaction():
    """One guard row per person, no lock in the shared lock table: any number of people per transaction."""
    sme = SMEFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) SELECT '', false, 'bulk' || g, '', '', 'bulk' || g || '@example.org', false, "
            "true, now() FROM generate_series(1, 100000) AS g"
        )
        cursor.execute(
            "INSERT INTO registration_participantprofile (user_id, given_name, family_name, job_title, "
            "administration_id, sme_id, created_at, updated_at) SELECT id, 'Bulk', 'Loaded', '', %s, %s, now(), now() "
            "FROM auth_user WHERE username LIKE 'bulk%%'",
            [sme.administration_id, sme.pk],
        )
    assert ParticipantProfile.objects.filter(sme=sme).count() == 100_000
