"""registration.services: consent, profile, SME, registration and cancellation rules."""

import datetime
import threading
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection

from registration import services
from registration.models import SME, AttendanceMode, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AdministrationFactory,
    AppointmentFactory,
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


@pytest.fixture
def sg1():
    return StudyGroupFactory(number=1, title="Enabling environment for the development of telecommunications")


def messages_of(excinfo):
    return " ".join(excinfo.value.messages)


# --- Consent and profile ---------------------------------------------------------------------


def test_signup_records_privacy_consent():
    user = UserFactory()
    profile = services.profile_create_at_signup(
        user=user, given_name=" Ada ", family_name="Lovelace", privacy_consent=True
    )
    assert profile.given_name == "Ada"
    assert profile.privacy_consent_at is not None


def test_signup_without_consent_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.profile_create_at_signup(user=UserFactory(), given_name="A", family_name="B", privacy_consent=False)
    assert "Accept the privacy notice" in messages_of(excinfo)
    assert not ParticipantProfile.objects.exists()


def test_profile_save_creates_profile_with_consent():
    user = UserFactory()
    kenya = AdministrationFactory(country="KE")
    profile = services.profile_save(
        user=user,
        given_name="Wanjiru",
        family_name="Kamau",
        job_title="CTO",
        administration=kenya,
        privacy_consent=True,
    )
    assert profile.administration == kenya
    assert profile.privacy_consent_at is not None


def test_profile_save_without_recorded_consent_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(
            user=UserFactory(), given_name="A", family_name="B", job_title="", administration=AdministrationFactory()
        )
    assert "Accept the privacy notice" in messages_of(excinfo)


def test_profile_save_refuses_a_country_outside_the_pilot():
    outside = AdministrationFactory(country="LI", in_pilot=False)
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(
            user=UserFactory(),
            given_name="A",
            family_name="B",
            job_title="",
            administration=outside,
            privacy_consent=True,
        )
    assert "does not take part in the pilot" in messages_of(excinfo)


def test_changing_country_clears_the_sme_when_nothing_is_active(participant):
    other = AdministrationFactory(country="ZA")
    profile = services.profile_save(
        user=participant.user, given_name="A", family_name="B", job_title="", administration=other
    )
    assert profile.administration == other
    assert profile.sme is None


def test_changing_country_is_refused_while_registrations_for_coming_meetings_are_active(participant):
    RegistrationFactory(participant=participant)
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(
            user=participant.user,
            given_name="A",
            family_name="B",
            job_title="",
            administration=AdministrationFactory(country="ZA"),
        )
    assert "Cancel them in “My registrations” first" in messages_of(excinfo)
    participant.refresh_from_db()
    assert participant.sme is not None


def test_changing_sme_is_refused_while_a_validated_registration_is_active(participant):
    RegistrationFactory(
        participant=participant, status=RegistrationStatus.VALIDATED, decided_at=datetime.datetime.now(datetime.UTC)
    )
    other = SMEFactory(administration=participant.administration)
    with pytest.raises(ValidationError) as excinfo:
        services.profile_sme_choose(user=participant.user, sme=other)
    assert participant.sme.name in messages_of(excinfo)


def test_changing_sme_is_allowed_after_cancelling_or_once_meetings_ended(participant):
    RegistrationFactory(participant=participant, status=RegistrationStatus.CANCELLED)
    RegistrationFactory(
        participant=participant,
        meeting=MeetingFactory(
            starts_on=today() - 10 * DAY,
            ends_on=today() - 6 * DAY,
            registration_opens_on=today() - 40 * DAY,
            registration_closes_on=today() - 12 * DAY,
        ),
    )
    other = SMEFactory(administration=participant.administration)
    assert services.profile_sme_choose(user=participant.user, sme=other).sme == other


def test_choosing_an_sme_of_another_country_is_refused(participant):
    foreign = SMEFactory(administration=AdministrationFactory(country="NG"))
    with pytest.raises(ValidationError) as excinfo:
        services.profile_sme_choose(user=participant.user, sme=foreign)
    assert "Choose an SME of the country in your profile" in messages_of(excinfo)


def test_sme_declare_creates_a_pending_sme_and_makes_it_the_persons(participant):
    participant.sme = None
    participant.save()
    sme = services.sme_declare(
        user=participant.user,
        name="  Nairobi   Mesh Networks ",
        employees=12,
        annual_revenue=Decimal("250000"),
        revenue_currency="kes",
        website="https://mesh.example",
        address="Ngong Road",
    )
    assert sme.name == "Nairobi Mesh Networks"
    assert sme.eligibility == Eligibility.PENDING
    assert sme.revenue_currency == "KES"
    assert sme.administration == participant.administration
    assert sme.created_by == participant.user
    participant.refresh_from_db()
    assert participant.sme == sme


def test_sme_declare_refuses_a_name_already_declared_in_the_country(participant):
    with pytest.raises(ValidationError) as excinfo:
        services.sme_declare(
            user=participant.user,
            name=participant.sme.name.upper(),
            employees=1,
            annual_revenue=Decimal(1),
            revenue_currency="USD",
            website="",
            address="x",
        )
    assert "already declared in your country" in messages_of(excinfo)
    assert SME.objects.count() == 1


def test_sme_declare_requires_a_country_first():
    with pytest.raises(ValidationError) as excinfo:
        services.sme_declare(
            user=UserFactory(),
            name="X",
            employees=1,
            annual_revenue=Decimal(1),
            revenue_currency="USD",
            website="",
            address="x",
        )
    assert "choose your country first" in messages_of(excinfo)


def test_sme_declare_refuses_a_bad_currency(participant):
    with pytest.raises(ValidationError) as excinfo:
        services.sme_declare(
            user=participant.user,
            name="X",
            employees=1,
            annual_revenue=Decimal(1),
            revenue_currency="U$",
            website="",
            address="x",
        )
    assert "three-letter code" in messages_of(excinfo)


# --- registration_create ---------------------------------------------------------------------


def test_registration_create_makes_pending_registrations_and_queues_the_acknowledgement(
    participant, pilot, sg1, django_capture_on_commit_callbacks
):
    plenary = MeetingFactory(study_group=sg1, title="ITU-D Study Group 1")
    rapporteur = MeetingFactory(
        study_group=sg1, kind="rapporteur_group", title="Rapporteur Group Q1/1", remote_participation=True
    )
    with django_capture_on_commit_callbacks() as callbacks:
        registrations = services.registration_create(
            participant=participant, choices=[(plenary, AttendanceMode.IN_PERSON), (rapporteur, AttendanceMode.REMOTE)]
        )
    assert [(r.meeting, r.attendance_mode, r.status, r.sme) for r in registrations] == [
        (plenary, AttendanceMode.IN_PERSON, RegistrationStatus.PENDING, participant.sme),
        (rapporteur, AttendanceMode.REMOTE, RegistrationStatus.PENDING, participant.sme),
    ]
    acknowledgement = OutgoingMessage.objects.get(to=participant.user.email)
    assert acknowledgement.template == "emails/registration_acknowledgement"
    assert "ITU-D Study Group 1" in acknowledgement.body_text
    assert "Rapporteur Group Q1/1" in acknowledgement.body_html
    assert "Remote" in acknowledgement.body_text
    assert "focal points designated by the Administration of" in acknowledgement.body_text
    assert "http" in acknowledgement.body_text and "/registrations/" in acknowledgement.body_text
    assert len(callbacks) >= 1  # the send is queued for after the commit


def test_registration_create_calls_the_focal_point_hook_inside_the_transaction(participant, pilot, sg1, monkeypatch):
    seen = []

    def hook(*, registrations):
        seen.append((list(registrations), connection.in_atomic_block))

    monkeypatch.setattr("focalpoints.notifications.registrations_notify_focal_points", hook)
    meeting = MeetingFactory(study_group=sg1)
    registrations = services.registration_create(
        participant=participant, choices=[(meeting, AttendanceMode.IN_PERSON)]
    )
    assert seen == [(registrations, True)]


def refused(participant, choices):
    before = Registration.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(participant=participant, choices=choices)
    assert Registration.objects.count() == before
    assert not OutgoingMessage.objects.exists()
    return messages_of(excinfo)


def test_same_meeting_twice_is_refused(participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)
    message = refused(participant, [(meeting, AttendanceMode.IN_PERSON), (meeting, AttendanceMode.REMOTE)])
    assert "twice" in message


def test_no_meeting_is_refused(participant, pilot):
    assert "Choose at least one meeting" in refused(participant, [])


def test_closed_window_is_refused(participant, pilot, sg1):
    meeting = MeetingFactory(
        study_group=sg1, registration_opens_on=today() - 20 * DAY, registration_closes_on=today() - DAY
    )
    assert "closed on" in refused(participant, [(meeting, AttendanceMode.IN_PERSON)])


def test_window_not_yet_open_is_refused(participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1, registration_opens_on=today() + DAY)
    assert "opens on" in refused(participant, [(meeting, AttendanceMode.IN_PERSON)])


def test_study_group_outside_the_pilot_is_refused(participant, pilot):
    meeting = MeetingFactory(study_group=StudyGroupFactory(number=9))
    assert "not a meeting of a study group taking part in the SME pilot" in refused(
        participant, [(meeting, AttendanceMode.IN_PERSON)]
    )


def test_meeting_after_the_pilot_end_is_refused(participant, sg1):
    PilotFactory(study_groups=[sg1], ends_on=today() + 30 * DAY)
    meeting = MeetingFactory(study_group=sg1, starts_on=today() + 60 * DAY)
    assert "ends after the SME pilot's last day" in refused(participant, [(meeting, AttendanceMode.IN_PERSON)])


def test_registration_after_the_pilot_ended_is_refused_citing_point_5(participant, sg1):
    PilotFactory(study_groups=[sg1], starts_on=today() - 400 * DAY, ends_on=today() - DAY)
    meeting = MeetingFactory(study_group=sg1)
    message = refused(participant, [(meeting, AttendanceMode.IN_PERSON)])
    assert "the SME pilot ended on" in message
    assert "point 5" in message


def test_refused_sme_is_refused(pilot, sg1):
    participant = ParticipantProfileFactory(sme__eligibility=Eligibility.REFUSED)
    message = refused(participant, [(MeetingFactory(study_group=sg1), AttendanceMode.IN_PERSON)])
    assert "does not meet the national criteria" in message


def test_pending_sme_may_register(pilot, sg1):
    participant = ParticipantProfileFactory(sme__eligibility=Eligibility.PENDING)
    registrations = services.registration_create(
        participant=participant, choices=[(MeetingFactory(study_group=sg1), AttendanceMode.IN_PERSON)]
    )
    assert len(registrations) == 1


def test_unverified_email_is_refused(pilot, sg1):
    participant = ParticipantProfileFactory(user__verified_email=False)
    EmailAddress.objects.create(user=participant.user, email=participant.user.email, verified=False, primary=True)
    message = refused(participant, [(MeetingFactory(study_group=sg1), AttendanceMode.IN_PERSON)])
    assert "Your email address is not verified yet" in message


def test_no_sme_is_refused(pilot, sg1):
    participant = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    message = refused(participant, [(MeetingFactory(study_group=sg1), AttendanceMode.IN_PERSON)])
    assert "Say which SME you represent" in message


def test_remote_where_not_offered_is_refused(participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1, remote_participation=False)
    assert "does not offer remote participation" in refused(participant, [(meeting, AttendanceMode.REMOTE)])


def test_active_registration_for_the_same_meeting_is_refused(participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)
    RegistrationFactory(participant=participant, meeting=meeting)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(participant=participant, choices=[(meeting, AttendanceMode.IN_PERSON)])
    assert "already registered for" in messages_of(excinfo)
    assert Registration.objects.filter(participant=participant).count() == 1


def test_registering_again_after_cancelling_is_allowed(participant, pilot, sg1):
    meeting = MeetingFactory(study_group=sg1)
    RegistrationFactory(participant=participant, meeting=meeting, status=RegistrationStatus.CANCELLED)
    assert len(services.registration_create(participant=participant, choices=[(meeting, AttendanceMode.REMOTE)])) == 1


def test_the_database_constraint_is_turned_into_the_same_message(participant, pilot, sg1, monkeypatch):
    # As if another submission had inserted its row after this one's check: only the constraint is left.
    meeting = MeetingFactory(study_group=sg1)
    RegistrationFactory(participant=participant, meeting=meeting)
    monkeypatch.setattr(services, "registrations_by_meeting", lambda **kwargs: {})
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(participant=participant, choices=[(meeting, AttendanceMode.IN_PERSON)])
    assert "already registered for one of these meetings" in messages_of(excinfo)
    assert Registration.objects.filter(participant=participant).count() == 1
    assert not OutgoingMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_one_registration_and_refuses_the_other():
    sg = StudyGroupFactory(number=1)
    PilotFactory(study_groups=[sg])
    meeting = MeetingFactory(study_group=sg)
    participant = ParticipantProfileFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.registration_create(participant=participant, choices=[(meeting, AttendanceMode.IN_PERSON)])
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("created") == 1
    assert "already registered" in next(outcome for outcome in outcomes if outcome != "created")
    assert Registration.objects.filter(participant=participant, meeting=meeting).count() == 1


# --- registration_cancel ---------------------------------------------------------------------


def test_cancel_a_pending_registration(monkeypatch):
    told = []
    monkeypatch.setattr(
        "focalpoints.notifications.registration_cancelled_notify_focal_points", lambda **kw: told.append(kw)
    )
    registration = RegistrationFactory()
    cancelled = services.registration_cancel(registration=registration, cancelled_by=registration.participant.user)
    assert cancelled.status == RegistrationStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert told == []


def test_cancelling_a_validated_registration_tells_the_focal_points(monkeypatch):
    told = []
    monkeypatch.setattr(
        "focalpoints.notifications.registration_cancelled_notify_focal_points", lambda **kw: told.append(kw)
    )
    registration = RegistrationFactory(
        status=RegistrationStatus.VALIDATED, decided_at=datetime.datetime.now(datetime.UTC)
    )
    services.registration_cancel(registration=registration, cancelled_by=registration.participant.user)
    assert [kw["registration"].pk for kw in told] == [registration.pk]


def test_cancel_after_the_meeting_started_is_refused():
    meeting = MeetingFactory(
        starts_on=today(), registration_opens_on=today() - 30 * DAY, registration_closes_on=today() - DAY
    )
    registration = RegistrationFactory(meeting=meeting)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_cancel(registration=registration, cancelled_by=registration.participant.user)
    assert "only before it starts" in messages_of(excinfo)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


@pytest.mark.parametrize("status", [RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED])
def test_cancel_of_a_rejected_or_cancelled_registration_is_refused(status):
    registration = RegistrationFactory(
        status=status, reason="Not an SME", decided_at=datetime.datetime.now(datetime.UTC)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.registration_cancel(registration=registration, cancelled_by=registration.participant.user)
    assert "only pending or validated registrations can be cancelled" in messages_of(excinfo)


def test_cancel_by_someone_else_is_refused():
    registration = RegistrationFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.registration_cancel(registration=registration, cancelled_by=UserFactory())
    assert "only your own registrations" in messages_of(excinfo)


def test_an_appointment_committed_between_the_check_and_the_write_gets_the_rule_s_message(monkeypatch):
    # The check ran before someone else's appointment committed: only the trigger sees it.
    profile = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    sme = SMEFactory(administration=profile.administration)
    AppointmentFactory(person=profile.user)
    monkeypatch.setattr(services, "sme_representation_check", lambda *, user: None)

    with pytest.raises(ValidationError) as refused:
        services.profile_sme_choose(user=profile.user, sme=sme)
    assert "Ask the secretariat to end the appointment first." in refused.value.message_dict["sme"][0]
    with pytest.raises(ValidationError):
        services.sme_declare(
            user=profile.user,
            name="Raced Ltd",
            employees=3,
            annual_revenue=Decimal("1"),
            revenue_currency="USD",
            website="",
            address="x",
        )
    profile.refresh_from_db()
    assert profile.sme is None
    assert not SME.objects.filter(name="Raced Ltd").exists()
