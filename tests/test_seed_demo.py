"""python manage.py seed_demo: the letter's demo data, idempotent, usable today or with the 2018 dates."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from focalpoints.models import Administration, FocalPoint, ItuRegion
from meetings.models import Meeting, MeetingKind, Pilot, StudyGroup
from registration.models import SME, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.demo.accounts import DEMO_PASSWORD, FOCAL_POINT_EMAIL, SECRETARIAT_EMAIL, SME_REPRESENTATIVE_EMAIL
from smepilot.demo.registrations import REGISTRATIONS

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
    assert {str(group) for group in pilot.study_groups.all()} == {"ITU-D SG1 (2018-2021)", "ITU-D SG2 (2018-2021)"}
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
    Registration.objects.create(participant=profile, sme=profile.sme, meeting=seeded.meeting, attendance="in_person")
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
    assert client.get("/admin/").status_code == 200


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
