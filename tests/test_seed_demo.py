"""python manage.py seed_demo: the letter's demo data, idempotent, usable today or with the 2018 dates."""

import datetime
import io
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from focalpoints.decisions import registration_decide
from focalpoints.models import Administration, FocalPoint, ItuRegion
from meetings.models import Meeting, MeetingKind, Pilot, StudyGroup
from registration.models import SME, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.demo import letter
from smepilot.demo.accounts import DEMO_PASSWORD, FOCAL_POINT_EMAIL, SECRETARIAT_EMAIL, SME_REPRESENTATIVE_EMAIL
from smepilot.demo.registrations import REGISTRATIONS
from smepilot.demo.seed import seed
from tests.second_factor import second_factor_pass, totp_code

pytestmark = pytest.mark.django_db

MODELS = [Pilot, StudyGroup, Meeting, Administration, FocalPoint, SME, ParticipantProfile, Registration]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed_demo(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Every row of the seeded models, with its values and its history length."""
    rows = {model.__name__: sorted(map(repr, model.objects.values())) for model in MODELS}
    rows["users"] = sorted(map(repr, get_user_model().objects.values()))
    rows["email addresses"] = sorted(map(repr, EmailAddress.objects.values()))
    rows["history"] = [model.history.count() for model in MODELS if hasattr(model, "history")]
    return rows


def test_running_twice_leaves_the_same_rows(debug):
    seed_demo()
    first = snapshot()
    seed_demo()
    assert snapshot() == first
    assert Registration.objects.count() == len(REGISTRATIONS)


def test_the_letter_is_in_the_data(debug):
    seed_demo()
    pilot = Pilot.objects.get()
    assert "with the exception of any role in decision-making" in pilot.terms
    assert "The pilot project would run until PP-18." in pilot.terms
    assert {group.short_name for group in pilot.study_groups.all()} == {"ITU-D SG1", "ITU-D SG2"}
    assert (
        StudyGroup.objects.get(number=1).title == "Enabling environment for the development of telecommunications/ICTs"
    )
    assert (
        StudyGroup.objects.get(number=2).title
        == "ICT services and applications for the promotion of sustainable development"
    )
    for group in StudyGroup.objects.all():
        assert group.meetings.filter(kind=MeetingKind.STUDY_GROUP).count() == 1
        assert group.meetings.filter(kind=MeetingKind.RAPPORTEUR_GROUP).count() >= 2
    assert Meeting.objects.filter(remote_participation=False).exists()
    assert set(Administration.objects.values_list("itu_region", flat=True)) == set(ItuRegion.values)
    assert not Administration.objects.filter(focal_points__isnull=True).exists()
    assert set(SME.objects.values_list("eligibility", flat=True)) == set(Eligibility.values)
    assert set(Registration.objects.values_list("status", flat=True)) == set(RegistrationStatus.values)


def test_running_again_after_trying_the_demo_keeps_working(debug):
    """A representative cancelled a seeded registration and registered again: the seed leaves both be."""
    seed_demo()
    profile = ParticipantProfile.objects.get(user__email=SME_REPRESENTATIVE_EMAIL)
    seeded = Registration.objects.get(participant=profile, status=RegistrationStatus.PENDING)
    seeded.status = RegistrationStatus.CANCELLED
    seeded.cancelled_at = timezone.now()
    seeded.save()
    Registration.objects.create(
        participant=profile, sme=profile.sme, meeting=seeded.meeting, attendance_mode="in_person"
    )
    # A focal point approved another seeded registration: the seed puts the demo back as it was.
    brian = Registration.objects.filter(participant__user__email="brian.mwangi@lakeside-apps.example").first()
    brian.status, brian.decided_at = RegistrationStatus.VALIDATED, timezone.now()
    brian.save()
    seed_demo()
    assert Registration.objects.filter(participant=profile, meeting=seeded.meeting).count() == 2
    brian.refresh_from_db()
    assert brian.status == RegistrationStatus.PENDING and brian.decided_at is None


def test_every_seeded_row_passes_validation(debug):
    seed_demo()
    for model in MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_by_default_the_pilot_runs_and_registration_is_open_today(debug):
    seed_demo()
    today = timezone.localdate()
    pilot = Pilot.objects.get()
    assert pilot.starts_on <= today <= pilot.ends_on
    for meeting in Meeting.objects.all():
        assert meeting.registration_opens_on <= today <= meeting.registration_closes_on
        assert pilot.starts_on <= meeting.starts_on <= meeting.ends_on <= pilot.ends_on
    # Moved by whole weeks: the study group meetings still run Monday to Friday.
    assert {meeting.starts_on.weekday() for meeting in Meeting.objects.filter(kind=MeetingKind.STUDY_GROUP)} == {0}
    # Registrations were made in the past, decisions after them.
    for registration in Registration.objects.all():
        assert registration.created_at <= timezone.now()
        assert registration.decided_at is None or registration.decided_at > registration.created_at


def test_letter_dates_option_keeps_the_2018_dates(debug):
    output = seed_demo("--letter-dates")
    sg1 = Meeting.objects.get(study_group__number=1, kind=MeetingKind.STUDY_GROUP)
    sg2 = Meeting.objects.get(study_group__number=2, kind=MeetingKind.STUDY_GROUP)
    assert (sg1.starts_on, sg1.ends_on) == (datetime.date(2018, 4, 30), datetime.date(2018, 5, 4))
    assert (sg2.starts_on, sg2.ends_on) == (datetime.date(2018, 5, 7), datetime.date(2018, 5, 11))
    assert set(Meeting.objects.values_list("registration_opens_on", flat=True)) == {datetime.date(2018, 1, 18)}
    assert all("Geneva" in place for place in Meeting.objects.values_list("place", flat=True))
    assert Pilot.objects.get().ends_on == datetime.date(2018, 11, 16)
    assert "letter's 2018 dates" in output
    # With the letter's dates, the letter's titles: the 2018-2021 study period.
    pilot = Pilot.objects.get()
    assert pilot.name == "SME pilot project in ITU-D study groups (Council 2017)"
    assert {str(group) for group in pilot.study_groups.all()} == {"ITU-D SG1 (2018-2021)", "ITU-D SG2 (2018-2021)"}
    assert sg1.title == "ITU-D Study Group 1, first meeting of the 2018-2021 study period"
    assert sg2.title == "ITU-D Study Group 2, first meeting of the 2018-2021 study period"


def test_switching_between_letter_and_shifted_dates_updates_the_same_rows(debug):
    seed_demo("--letter-dates")
    counts = {model: model.objects.count() for model in MODELS}
    seed_demo()
    assert {model: model.objects.count() for model in MODELS} == counts
    assert Meeting.objects.filter(starts_on__year=2018).count() == 0


def test_demo_accounts_can_sign_in_and_are_printed(debug, client):
    output = seed_demo()
    users = get_user_model().objects
    secretariat = users.get(email=SECRETARIAT_EMAIL)
    focal = users.get(email=FOCAL_POINT_EMAIL)
    sme = users.get(email=SME_REPRESENTATIVE_EMAIL)
    assert secretariat.is_superuser and secretariat.is_staff
    assert FocalPoint.objects.get(user=focal).administration.country.code == "KE"
    assert sme.participant.sme.eligibility == Eligibility.CONFIRMED
    assert not focal.is_staff and not sme.is_staff
    for user in (secretariat, focal, sme):
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.get(user=user, email=user.email).verified
        assert f"{user.email}" in output
    assert DEMO_PASSWORD in output
    # The other seeded people exist for their data only: they cannot sign in.
    assert not users.get(email="brian.mwangi@lakeside-apps.example").has_usable_password()
    response = client.post("/accounts/login/", {"login": SECRETARIAT_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    # The admin asks for two-factor authentication, set up on first use (the output says how).
    assert client.get("/admin/")["Location"].startswith("/accounts/second-factor/")
    assert "totp_code" in output
    second_factor_pass(client, secretariat)
    assert client.get("/admin/").status_code == 200


def test_totp_code_prints_the_code_an_authenticator_app_shows(debug):
    secret = "JBSWY3DPEHPK3PXP"
    out = io.StringIO()
    call_command("totp_code", secret, stdout=out)
    assert out.getvalue().strip() == totp_code(secret)
    with pytest.raises(CommandError, match="not a secret"):
        call_command("totp_code", "not base32 at all!", stdout=io.StringIO())


def test_refuses_with_debug_off_and_says_why(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to seed with DEBUG off.*--allow-production"):
        seed_demo()
    assert not get_user_model().objects.exists()
    assert not Pilot.objects.exists()


def test_allow_production_uses_random_passwords(settings):
    settings.DEBUG = False
    output = seed_demo("--allow-production")
    secretariat = get_user_model().objects.get(email=SECRETARIAT_EMAIL)
    assert not secretariat.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD not in output
    printed = next(line for line in output.splitlines() if SECRETARIAT_EMAIL in line).split("password: ")[1]
    assert secretariat.check_password(printed.strip())


# --- Titles agree with the dates they sit beside ------------------------------------------------------

YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def titles_outside_their_study_period():
    """Every demo title mentioning a year outside the study period its dates fall in, and every date
    outside the study period its title names."""
    wrong = []
    pilot = Pilot.objects.get()
    periods = set()
    for group in pilot.study_groups.all():
        period = range(group.study_period_start, group.study_period_end + 1)
        periods.update(period)
        wrong += [(str(group), year) for year in map(int, YEAR.findall(str(group))) if year not in period]
        for meeting in group.meetings.all():
            wrong += [(meeting.title, year) for year in map(int, YEAR.findall(meeting.title)) if year not in period]
            wrong += [(meeting.title, day) for day in (meeting.starts_on, meeting.ends_on) if day.year not in period]
    wrong += [(pilot.name, year) for year in map(int, YEAR.findall(pilot.name)) if year not in periods]
    if pilot.ends_on.year not in periods:
        wrong.append((pilot.name, pilot.ends_on))
    return wrong


def test_shifted_titles_name_the_study_period_of_their_dates(debug):
    seed_demo()
    assert Meeting.objects.filter(starts_on__year=2018).count() == 0
    assert titles_outside_their_study_period() == []
    assert not Meeting.objects.filter(title__contains="2018-2021").exists()


@pytest.mark.parametrize(
    "today",
    # Around the turn of a year (meetings in one year, registration opening in the one before), mid-year,
    # and the end of a study period.
    [datetime.date(2026, 11, 30), datetime.date(2027, 1, 5), datetime.date(2027, 6, 30), datetime.date(2029, 12, 31)],
)
def test_titles_follow_the_dates_whatever_the_day(today):
    seed(today=today)
    assert titles_outside_their_study_period() == []
    first = Meeting.objects.filter(kind=MeetingKind.STUDY_GROUP).order_by("starts_on").first()
    assert f"{first.starts_on.year}-{first.starts_on.year + 3} study period" in first.title


def test_titles_are_renamed_in_place_when_the_dates_move(debug):
    """Moving the dates renames the same rows: registrations stay attached, nothing is duplicated."""
    seed(letter_dates=True)
    counts = {model: model.objects.count() for model in MODELS}
    seed(today=datetime.date(2027, 1, 5))
    seed(today=datetime.date(2031, 3, 3))
    assert {model: model.objects.count() for model in MODELS} == counts
    assert titles_outside_their_study_period() == []
    seed(letter_dates=True)
    assert {model: model.objects.count() for model in MODELS} == counts
    assert set(Meeting.objects.values_list("title", flat=True)) == {
        title.format(period="2018-2021") for _n, _k, title, *_ in letter.MEETINGS.values()
    }


# --- make run loads the demo into an empty database only; make demo-reset starts again -------------------

ALREADY_HAS_DATA = "Database already has data; demo not loaded. Run `make demo-reset` to start again from the demo."


def test_if_empty_loads_the_demo_into_an_empty_database(debug):
    output = seed_demo("--if-empty")
    assert "Demo data ready" in output
    assert Registration.objects.count() == len(REGISTRATIONS)
    assert ALREADY_HAS_DATA not in output


def test_if_empty_keeps_what_the_user_did_and_says_so(debug):
    """make run, a decision, make run again: the decision stays; plain seed_demo still resets it."""
    seed_demo("--if-empty")
    focal_point = get_user_model().objects.get(email=FOCAL_POINT_EMAIL)
    brian = Registration.objects.get(
        participant__user__email="brian.mwangi@lakeside-apps.example", meeting__study_group__number=1
    )
    registration_decide(registration=brian, decided_by=focal_point, approve=True)
    before = snapshot()

    output = seed_demo("--if-empty")

    assert output.strip() == ALREADY_HAS_DATA
    assert snapshot() == before
    brian.refresh_from_db()
    assert brian.status == RegistrationStatus.VALIDATED and brian.decided_by == focal_point
    # Without --if-empty, as documented: the demo is put back as it was.
    seed_demo()
    brian.refresh_from_db()
    assert brian.status == RegistrationStatus.PENDING and brian.decided_at is None


@pytest.mark.parametrize("what", ["an account", "a pilot"])
def test_if_empty_counts_an_account_or_a_pilot_as_data(debug, what):
    """Someone who created their superuser, or set up their own pilot, does not get the demo mixed in."""
    if what == "an account":
        get_user_model().objects.create_superuser("me", "me@example.org", "a-password-of-mine")
    else:
        Pilot.objects.create(
            name="Our pilot", starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2027, 12, 31)
        )
    before = snapshot()
    assert seed_demo("--if-empty").strip() == ALREADY_HAS_DATA
    assert snapshot() == before


def test_if_empty_with_debug_off_still_refuses(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to seed with DEBUG off"):
        seed_demo("--if-empty")
    assert not Pilot.objects.exists()


ROOT = Path(django_settings.BASE_DIR)


def make(*args, env=None):
    """Run make in the project, never (re)installing the virtualenv."""
    return subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )


def test_make_run_loads_the_demo_only_into_an_empty_database():
    commands = make("-n", "run").stdout
    assert "seed_demo --if-empty" in commands
    assert re.search(r"^(?!.*--if-empty).*seed_demo", commands, re.MULTILINE) is None


def test_make_demo_reset_starts_again_from_the_demo_on_the_sqlite_file_only(tmp_path):
    """It deletes make run's SQLite file, migrates and seeds; a DATABASE_URL in the environment (or in
    .env) pointing at PostgreSQL is never used."""
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE what_the_user_did (decision TEXT)")
    unreachable_postgres = "postgres://postgres@127.0.0.1:9/smepilot_must_not_be_touched"

    result = make("demo-reset", f"RUN_DB={database}", env={"DATABASE_URL": unreachable_postgres})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo data ready" in result.stdout
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "what_the_user_did" not in tables
        assert connection.execute("SELECT count(*) FROM registration_registration").fetchone() == (len(REGISTRATIONS),)
    dry_run = make("-n", "demo-reset", env={"DATABASE_URL": unreachable_postgres}).stdout
    removed = [line for line in dry_run.splitlines() if line.startswith("rm ")]
    assert removed == [
        f"rm -f {ROOT}/db.sqlite3 {ROOT}/db.sqlite3-journal {ROOT}/db.sqlite3-wal {ROOT}/db.sqlite3-shm"
    ]
    for line in dry_run.splitlines():
        if "manage.py" in line:
            assert f"DATABASE_URL=sqlite:///{ROOT}/db.sqlite3" in line, line
