"""smepilot.demo.volume and manage.py seed_volume: a pilot's worth of data added in bulk, the rule kept."""

import datetime
import io
import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from focalpoints.models import Administration, FocalPoint
from meetings.models import Appointment, DecisionParticipant, LeadershipRole, Meeting, StudyGroup
from meetings.rules import DB_ERROR_PREFIX, decision_makers, rule_violations, sme_representatives
from meetings.selectors import WindowState, meeting_registration_state, pilot_current
from registration.models import (
    ACTIVE_STATUSES,
    SME,
    AttendanceMode,
    Eligibility,
    ParticipantProfile,
    Registration,
    RegistrationStatus,
)
from smepilot.demo.volume import VOLUME_PASSWORD, totp_secret_for, volume_seed
from smepilot.demo.volume_names import COUNTRIES
from smepilot.models import AccountPreferences
from tests.factories import PilotFactory
from tests.second_factor import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def test_adds_the_registrations_asked_for_in_every_status_and_attendance():
    before = Registration.objects.count()

    result = volume_seed(registrations=600, seed=3)

    assert Registration.objects.count() == before + 600
    assert result["counts"]["registrations"] == 600
    added = Registration.objects.filter(meeting_id__in=result["meeting_ids"])
    assert set(added.values_list("status", flat=True)) == set(RegistrationStatus.values)
    assert set(added.values_list("attendance_mode", flat=True)) == set(AttendanceMode.values)
    assert added.values("meeting").distinct().count() > 20
    assert sum(result["registrations_by_status"].values()) == 600
    # Each person registers for a meeting once, and in person where remote participation is not offered.
    assert added.values("participant", "meeting").distinct().count() == 600
    assert not added.filter(attendance_mode=AttendanceMode.REMOTE, meeting__remote_participation=False).exists()


def test_no_registrations_builds_the_pilot_around_them():
    """A site with its pilot, meetings and focal points but nobody registered yet: what a benchmark of the
    first registrations starts from."""
    before = Registration.objects.count()

    result = volume_seed(registrations=0, seed=5)

    assert Registration.objects.count() == before
    assert result["counts"]["registrations"] == 0
    assert result["open_meeting_ids"]
    assert result["focal_points"]
    assert FocalPoint.objects.filter(pk__in=[row["focal_point_id"] for row in result["focal_points"]]).count() == len(
        result["focal_points"]
    )


def test_the_people_and_companies_around_the_registrations():
    result = volume_seed(registrations=300, seed=4)

    counts = result["counts"]
    assert counts["participant_profiles"] == ParticipantProfile.objects.filter(sme__isnull=False).count()
    assert counts["smes"] == SME.objects.count()
    assert set(SME.objects.values_list("eligibility", flat=True)) == set(Eligibility.values)
    # Realistic names for the admin's search: shared family names, not "Person 17".
    family_names = list(ParticipantProfile.objects.values_list("family_name", flat=True))
    assert len(set(family_names)) < len(family_names)
    assert not any(name.startswith(("Person", "Family")) for name in family_names)
    # A profile's Administration is its SME's; a registration's SME its person's.
    assert not ParticipantProfile.objects.exclude(administration=F("sme__administration")).exists()
    assert not Registration.objects.exclude(sme=F("participant__sme")).exists()
    # Each focal point belongs to one Administration of the list and has an account with a verified address.
    assert len(result["focal_points"]) == 2 * Administration.objects.count()
    assert not FocalPoint.objects.filter(user__isnull=True).exists()


def test_dates_are_spread_over_the_pilot_and_decisions_follow_registrations():
    volume_seed(registrations=400, seed=5)

    now = timezone.now()
    registrations = list(Registration.objects.all())
    created = {r.created_at for r in registrations}
    assert len(created) > 100
    assert all(r.created_at <= now for r in registrations)
    for registration in registrations:
        if registration.decided_at:
            assert registration.created_at <= registration.decided_at <= now
        if registration.status == RegistrationStatus.REJECTED:
            assert registration.reason
    # The history tells when each registration was made, as the site's own writes leave it.
    history = Registration.history.filter(history_type="+")
    assert history.count() == 400
    first = history.order_by("history_date").first()
    assert first.history_date == Registration.objects.get(pk=first.id).created_at


def test_the_running_pilot_has_meetings_open_for_registration_today():
    result = volume_seed(registrations=50, seed=6)

    pilot = pilot_current()
    assert pilot.pk == result["pilot_id"]
    assert pilot.study_groups.filter(pk__in=result["study_group_ids"]).count() == len(result["study_group_ids"])
    meeting = Meeting.objects.get(pk=result["register_meeting_id"])
    assert meeting.remote_participation
    assert meeting_registration_state(meeting=meeting, pilot=pilot) == WindowState.OPEN
    for meeting in Meeting.objects.filter(pk__in=result["open_meeting_ids"]):
        assert meeting_registration_state(meeting=meeting, pilot=pilot) == WindowState.OPEN


def test_the_result_names_who_can_act_in_a_benchmark():
    result = volume_seed(registrations=500, seed=7)

    ready = result["representatives_ready"]
    assert ready
    for person in ready[:20]:
        profile = ParticipantProfile.objects.select_related("sme").get(user_id=person["user_id"])
        assert profile.sme.eligibility != Eligibility.REFUSED
        assert not Registration.objects.filter(participant=profile, meeting_id=result["register_meeting_id"]).exists()
    pending_ids = [pk for ids in result["pending_by_administration"].values() for pk in ids]
    assert pending_ids
    for administration_id, ids in result["pending_by_administration"].items():
        pending = Registration.objects.filter(pk__in=ids)
        assert {r.sme.administration_id for r in pending} == {int(administration_id)}
        assert all(r.status == RegistrationStatus.PENDING for r in pending)
        assert not pending.filter(sme__eligibility=Eligibility.REFUSED).exists()
    json.dumps(result)  # the command writes it as it is


def test_focal_points_sign_in_with_the_password_and_the_code_computed_from_the_seed():
    result = volume_seed(registrations=20, seed=8)

    focal_point = result["focal_points"][0]
    assert focal_point["totp_secret"] == totp_secret_for(email=focal_point["email"], seed=8)
    user = authenticate(None, email=focal_point["email"], password=VOLUME_PASSWORD)
    assert user is not None and user.pk == focal_point["user_id"]
    app = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP(app).validate_code(totp_code(focal_point["totp_secret"]))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    representative = result["representatives_ready"][0]
    assert authenticate(None, email=representative["email"], password=VOLUME_PASSWORD).pk == representative["user_id"]


def test_the_password_is_hashed_once_for_every_account(monkeypatch):
    from smepilot.demo import volume

    calls = []
    real = volume.make_password
    monkeypatch.setattr(volume, "make_password", lambda password: calls.append(password) or real(password))

    volume_seed(registrations=200, seed=9)

    assert calls == [VOLUME_PASSWORD]
    passwords = set(get_user_model().objects.values_list("password", flat=True))
    assert len(passwords) == 1


def test_the_no_decision_making_rule_holds_and_leaders_represent_no_sme():
    result = volume_seed(registrations=500, seed=10)

    assert not rule_violations().exists()
    leaders = set(decision_makers().values_list("pk", flat=True))
    assert leaders == set(result["leader_ids"])
    assert not sme_representatives().filter(pk__in=leaders).exists()
    assert Appointment.objects.count() == len(result["study_group_ids"])
    assert DecisionParticipant.objects.exists()


def test_the_database_triggers_are_still_there_after_the_load():
    """The load is fast because it is bulk, not because it went around the database's rule (point 3)."""
    result = volume_seed(registrations=200, seed=11)

    representative = get_user_model().objects.get(pk=result["representatives_ready"][0]["user_id"])
    study_group = StudyGroup.objects.get(pk=result["study_group_ids"][0])
    with pytest.raises(IntegrityError, match=DB_ERROR_PREFIX), transaction.atomic():
        Appointment.objects.create(
            person=representative, study_group=study_group, role=LeadershipRole.RAPPORTEUR, starts_on=timezone.now()
        )
    leader = get_user_model().objects.get(pk=result["leader_ids"][0])
    profile = ParticipantProfile.objects.filter(sme__isnull=False).first()
    with pytest.raises(IntegrityError, match=DB_ERROR_PREFIX), transaction.atomic():
        ParticipantProfile.objects.create(
            user=leader, given_name="A", family_name="Leader", administration=profile.administration, sme=profile.sme
        )
    active = Registration.objects.filter(status__in=ACTIVE_STATUSES, meeting__ends_on__gte=timezone.localdate())
    assert active.exists()


def test_a_second_run_adds_to_the_first_with_addresses_of_its_own():
    first = volume_seed(registrations=100, seed=12)
    second = volume_seed(registrations=100, seed=12)

    assert Registration.objects.count() == 200
    assert first["tag"] != second["tag"]
    # Study groups and Administrations are found again; new meetings, people and focal points are added.
    assert first["study_group_ids"] == second["study_group_ids"]
    assert second["counts"].get("administrations", 0) == 0
    assert not set(first["meeting_ids"]) & set(second["meeting_ids"])
    emails = {fp["email"] for fp in first["focal_points"]} | {fp["email"] for fp in second["focal_points"]}
    assert len(emails) == len(first["focal_points"]) + len(second["focal_points"])


def test_on_top_of_the_demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    demo_registrations = Registration.objects.count()

    demo_pilot = pilot_current()
    demo_study_groups = set(demo_pilot.study_groups.values_list("pk", flat=True))

    result = volume_seed(registrations=100)

    assert Registration.objects.count() == demo_registrations + 100
    # The demo's running pilot takes the new meetings; its ITU-D study groups are found again.
    assert result["pilot_id"] == demo_pilot.pk == pilot_current().pk
    assert demo_study_groups <= set(result["study_group_ids"])
    # The demo's Kenya is found again, and its focal points keep their place.
    kenya = Administration.objects.get(country="KE")
    assert any(fp["administration_id"] == kenya.pk for fp in result["focal_points"])
    assert FocalPoint.objects.filter(administration=kenya).count() == 2 + 2
    assert not rule_violations().exists()


def test_the_same_seed_builds_the_same_people_and_registrations():
    first = volume_seed(registrations=150, seed=13)
    second = volume_seed(registrations=150, seed=13)

    def people(result):
        profiles = ParticipantProfile.objects.filter(registrations__meeting_id__in=result["meeting_ids"]).distinct()
        return list(profiles.order_by("pk").values_list("given_name", "family_name", "job_title"))

    def registrations(result):
        added = Registration.objects.filter(meeting_id__in=result["meeting_ids"]).order_by("pk")
        return list(added.values_list("status", "attendance_mode", "meeting__title_en"))

    assert people(first) == people(second)
    assert registrations(first) == registrations(second)


def test_queries_grow_with_batches_not_with_rows():
    with CaptureQueriesContext(connection) as small:
        volume_seed(registrations=100, seed=14)
    with CaptureQueriesContext(connection) as large:
        volume_seed(registrations=6000, seed=15)

    # Inserts of many rows each (on PostgreSQL 2,000; SQLite takes at most 999 values a statement), a few
    # queries per study group and meeting: never one per registration, person or SME.
    more_rows = 6000 - 100
    assert len(large.captured_queries) - len(small.captured_queries) < more_rows / 10


@pytest.mark.postgresql_only
def test_ten_thousand_registrations_load_in_seconds():
    began = time.monotonic()
    volume_seed(registrations=10_000, seed=16)
    elapsed = time.monotonic() - began

    assert Registration.objects.count() == 10_000
    # 100,000 take well under a minute; 10,000 a few seconds. Generous for a busy machine.
    assert elapsed < 20


def test_the_command_prints_progress_and_writes_the_result(tmp_path, settings):
    settings.DEBUG = True
    out = io.StringIO()
    path = tmp_path / "volume.json"

    call_command("seed_volume", registrations=80, seed=2, json_path=str(path), stdout=out)

    printed = out.getvalue()
    assert "80 registrations" in printed
    assert "SMEs" in printed and "Done." in printed
    assert VOLUME_PASSWORD in printed
    result = json.loads(path.read_text())
    assert result["counts"]["registrations"] == 80
    assert result["focal_points"][0]["totp_secret"]


def test_the_command_refuses_a_site_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_volume", registrations=10, stdout=io.StringIO())
    assert not Registration.objects.exists()

    call_command("seed_volume", registrations=10, allow_production=True, stdout=io.StringIO())
    assert Registration.objects.count() == 10


def test_the_command_seeds_a_benchmarks_site_with_debug_off(settings):
    settings.DEBUG = False
    settings.BENCHMARK_VIEWS = True

    call_command("seed_volume", registrations=10, stdout=io.StringIO())

    assert Registration.objects.count() == 10


def test_after_a_pilot_that_ended_a_new_one_runs_with_the_meetings():
    today = timezone.localdate()
    ended = PilotFactory(starts_on=today - datetime.timedelta(days=400), ends_on=today - datetime.timedelta(days=10))

    result = volume_seed(registrations=30, seed=17)

    assert result["pilot_id"] != ended.pk
    assert pilot_current().pk == result["pilot_id"]
    assert result["register_meeting_id"] is not None


def test_a_pilot_ending_soon_keeps_its_place_and_gets_only_the_meetings_that_fit():
    today = timezone.localdate()
    running = PilotFactory(starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=70))

    result = volume_seed(registrations=30, seed=18)

    assert result["pilot_id"] == running.pk == pilot_current().pk
    assert not Meeting.objects.filter(pk__in=result["meeting_ids"], ends_on__gt=running.ends_on).exists()
    assert result["register_meeting_id"] is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql_only
def test_the_planner_knows_the_tables_new_sizes_once_the_load_is_committed():
    volume_seed(registrations=120, seed=19)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registration_registration'")
        [(estimated,)] = cursor.fetchall()
    assert estimated == Registration.objects.count() == 120


def test_some_representatives_chose_their_regions_language_for_their_emails():
    volume_seed(registrations=600, seed=20)

    chosen = dict(AccountPreferences.objects.values_list("user_id", "language"))
    assert chosen
    assert set(chosen.values()) <= {"fr", "es", "ar", "ru", "zh-hans"}
    profiles = ParticipantProfile.objects.select_related("sme__administration")
    assert len(chosen) < profiles.count()
    for profile in profiles:
        if profile.user_id in chosen:
            assert chosen[profile.user_id] == COUNTRIES[profile.sme.administration.country.code][2]


def test_a_focal_point_signs_in_on_the_site_and_approves_a_pending_registration(client):
    """What the benchmark's clients do: the password, the code computed from the seed, then a decision."""
    result = volume_seed(registrations=400, seed=21)
    administration_id, pending = next(iter(result["pending_by_administration"].items()))
    focal_point = next(fp for fp in result["focal_points"] if fp["administration_id"] == int(administration_id))

    response = client.post(reverse("account_login"), {"login": focal_point["email"], "password": VOLUME_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(focal_point["totp_secret"])})
    response = client.post(
        reverse("focalpoints:registration", args=[pending[0]]), {"registration": pending[0], "decision": "approve"}
    )

    assert response.status_code == 302
    registration = Registration.objects.get(pk=pending[0])
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_by_id == focal_point["user_id"]


def test_a_representative_signs_in_and_registers_for_the_meeting_named_for_it(client):
    result = volume_seed(registrations=400, seed=22)
    person, meeting = result["representatives_ready"][0], result["register_meeting_id"]

    client.post(reverse("account_login"), {"login": person["email"], "password": VOLUME_PASSWORD})
    response = client.post(
        reverse("registration:new"), {f"meeting_{meeting}": "on", f"attendance_{meeting}": AttendanceMode.REMOTE}
    )

    assert response.status_code == 302
    assert Registration.objects.filter(
        participant__user_id=person["user_id"], meeting_id=meeting, status=RegistrationStatus.PENDING
    ).exists()
