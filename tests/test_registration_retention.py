"""The retention purge: people, SMEs and focal points anonymised once PERSONAL_DATA_RETENTION_DAYS have
passed, with the pilot report's figures unchanged (terms of reference, point 5)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone

from focalpoints.models import FocalPoint
from meetings.report import pilot_report_figure_rows, pilot_report_figures
from registration import retention, tasks
from registration.models import SME, ParticipantProfile, Registration, RegistrationStatus
from smepilot.models import AccountPreferences
from smepilot.outbox.models import MessageStatus, OutgoingMessage
from tests.factories import (
    AccountPreferencesFactory,
    DecisionParticipantFactory,
    FocalPointFactory,
    MeetingFactory,
    OutgoingMessageFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.test_report import PERIOD, data_set  # noqa: F401 - the report's worked example, as a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

LONG_AGO = datetime.datetime(2018, 6, 1, 9, tzinfo=datetime.UTC)


def _backdate(when=LONG_AGO):
    """Everything in the database last changed at `when` (auto_now fields cannot be set on save)."""
    get_user_model().objects.update(date_joined=when, last_login=when)
    ParticipantProfile.objects.update(created_at=when, updated_at=when)
    SME.objects.update(created_at=when, updated_at=when)
    Registration.objects.filter(updated_at__gt=when).update(updated_at=when)
    Registration.objects.filter(created_at__gt=when).update(created_at=when)
    FocalPoint.objects.update(created_at=when)
    FocalPoint.history.model.objects.update(history_date=when)


def _old_registration(**extra):
    meeting = MeetingFactory(
        starts_on=datetime.date(2018, 5, 7),
        ends_on=datetime.date(2018, 5, 11),
        registration_opens_on=datetime.date(2018, 1, 18),
        registration_closes_on=datetime.date(2018, 4, 30),
    )
    return RegistrationFactory(meeting=meeting, **extra)


def _figures(pilot):
    return pilot_report_figures(pilot=pilot, period_start=PERIOD[0], period_end=PERIOD[1])


def test_the_pilot_report_is_the_same_after_the_purge(data_set):  # noqa: F811
    _backdate()
    before = _figures(data_set)
    before_rows = pilot_report_figure_rows(before)

    figures = retention.personal_data_purge()

    assert figures.people == 8
    assert figures.registrations == 10
    assert figures.smes == 6
    assert figures.focal_points == 1  # the inactive one of Kenya
    after = _figures(data_set)
    assert after == before
    assert pilot_report_figure_rows(after) == before_rows
    assert not ParticipantProfile.objects.filter(anonymised_at__isnull=True).exists()


def test_a_person_is_anonymised_everywhere_we_hold_their_data():
    registration = _old_registration(
        participant__given_name="Kofi",
        participant__family_name="Mensah",
        participant__job_title="Chief engineer",
        participant__user__email="kofi@savannah.example",
        status=RegistrationStatus.REJECTED,
        reason="Kofi Mensah is not an employee of the SME.",
        decided_at=LONG_AGO,
    )
    profile = registration.participant
    user = profile.user
    SocialAccount.objects.create(user=user, provider="ties", uid="kofi-ties", extra_data={"name": "Kofi Mensah"})
    AccountPreferencesFactory(user=user, language="fr")
    OutgoingMessageFactory(to="KOFI@savannah.example", body_text="Dear Kofi Mensah")
    other = OutgoingMessageFactory(to="someone.else@example.org")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    _backdate()

    figures = retention.personal_data_purge()

    assert figures.people == 1
    assert figures.outbox_messages == 1
    assert figures.sessions == 1
    profile.refresh_from_db()
    user.refresh_from_db()
    registration.refresh_from_db()
    assert profile.anonymised_at is not None
    assert "Kofi" not in profile.full_name and "Mensah" not in profile.full_name
    assert profile.job_title == ""
    assert profile.sme_id == registration.sme_id and profile.administration_id is not None
    assert user.email == "" and user.first_name == "" and not user.is_active
    assert not user.has_usable_password()
    assert user.username.startswith(retention.ANONYMISED_USERNAME_PREFIX)
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not AccountPreferences.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert list(OutgoingMessage.objects.all()) == [other]
    # The registration keeps what the report counts; its free text is gone.
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.reason == retention.REMOVED_TEXT
    # And so is every copy the change history kept.
    profile_history = ParticipantProfile.history.filter(id=profile.pk)
    assert profile_history.exists()
    assert not profile_history.filter(given_name="Kofi").exists()
    assert not profile_history.filter(job_title="Chief engineer").exists()
    assert not Registration.history.filter(id=registration.pk, reason__icontains="Kofi").exists()


def test_people_still_within_the_retention_period_are_kept(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 730
    recent_meeting = MeetingFactory(
        starts_on=timezone.localdate() - datetime.timedelta(days=100),
        ends_on=timezone.localdate() - datetime.timedelta(days=96),
        registration_opens_on=timezone.localdate() - datetime.timedelta(days=200),
        registration_closes_on=timezone.localdate() - datetime.timedelta(days=110),
    )
    recent = RegistrationFactory(meeting=recent_meeting)
    also_recent = _old_registration()
    RegistrationFactory(participant=also_recent.participant, sme=also_recent.sme, meeting=recent_meeting)
    signed_in_lately = _old_registration()
    _backdate()
    get_user_model().objects.filter(pk=signed_in_lately.participant.user_id).update(last_login=timezone.now())

    figures = retention.personal_data_purge()

    assert figures.people == 0
    assert not ParticipantProfile.objects.filter(anonymised_at__isnull=False).exists()
    recent.participant.user.refresh_from_db()
    assert recent.participant.user.is_active


def test_secretariat_focal_points_and_decision_makers_are_never_purged_as_people():
    staff = _old_registration(participant__user__is_staff=True).participant
    focal = _old_registration().participant
    FocalPointFactory(user=focal.user, email=focal.user.email, administration=focal.administration)
    decision_maker = ParticipantProfileFactory(sme=None, administration=None)
    DecisionParticipantFactory(person=decision_maker.user)
    _backdate()

    figures = retention.personal_data_purge()

    assert figures.people == 0
    for profile in (staff, focal, decision_maker):
        profile.refresh_from_db()
        assert profile.anonymised_at is None


def test_the_purge_is_idempotent_and_the_dry_run_changes_nothing():
    _old_registration(participant__given_name="Amina")
    _backdate()

    dry = retention.personal_data_purge(dry_run=True)
    assert (dry.people, dry.registrations, dry.smes) == (1, 1, 1)
    assert ParticipantProfile.objects.get().given_name == "Amina"

    first = retention.personal_data_purge()
    second = retention.personal_data_purge()
    assert (first.people, first.smes) == (1, 1)
    assert second == retention.PurgeFigures()


def test_an_sme_is_anonymised_only_when_nobody_identifiable_represents_it():
    old = _old_registration(
        participant__sme__name="Savannah Fibre Ltd", participant__sme__address="1 Moi Avenue, Nairobi"
    )
    colleague = ParticipantProfileFactory(sme=old.sme)  # signed up lately, still here
    _backdate()
    get_user_model().objects.filter(pk=colleague.user_id).update(last_login=timezone.now())

    retention.personal_data_purge()
    old.sme.refresh_from_db()
    assert old.sme.name == "Savannah Fibre Ltd"

    get_user_model().objects.filter(pk=colleague.user_id).update(last_login=LONG_AGO)
    retention.personal_data_purge()
    old.sme.refresh_from_db()
    assert old.sme.anonymised_at is not None
    assert "Savannah" not in old.sme.name and old.sme.address == "" and old.sme.website == ""
    assert old.sme.employees == 25 and old.sme.eligibility == "confirmed"
    assert not SME.history.filter(id=old.sme.pk, name__icontains="Savannah").exists()


def test_a_focal_point_is_anonymised_once_inactive_for_the_retention_period():
    active = FocalPointFactory(name="Amina Diallo")
    inactive = FocalPointFactory(name="Jean Dupont", is_active=False, administration=active.administration)
    _backdate()

    figures = retention.personal_data_purge()

    assert figures.focal_points == 1
    active.refresh_from_db()
    inactive.refresh_from_db()
    assert active.name == "Amina Diallo"
    assert "Dupont" not in inactive.name
    assert inactive.email.endswith("@" + retention.ANONYMISED_EMAIL_DOMAIN)
    assert not inactive.is_active
    assert not FocalPoint.history.filter(id=inactive.pk, name="Jean Dupont").exists()
    inactive.user.refresh_from_db()
    assert not inactive.user.is_active and inactive.user.email == ""
    active.user.refresh_from_db()
    assert active.user.is_active


def test_a_focal_point_deactivated_lately_is_kept():
    inactive = FocalPointFactory(name="Jean Dupont")
    _backdate()
    inactive.is_active = False
    inactive.save()  # its history records the deactivation today

    assert retention.personal_data_purge().focal_points == 0


def test_old_sent_emails_are_deleted_recent_and_queued_ones_kept():
    old_sent = OutgoingMessageFactory(status=MessageStatus.SENT)
    old_queued = OutgoingMessageFactory(status=MessageStatus.QUEUED)
    recent_sent = OutgoingMessageFactory(status=MessageStatus.SENT)
    OutgoingMessage.objects.filter(pk__in=[old_sent.pk, old_queued.pk]).update(created_at=LONG_AGO)

    figures = retention.personal_data_purge()

    assert figures.outbox_messages == 1
    assert set(OutgoingMessage.objects.values_list("pk", flat=True)) == {old_queued.pk, recent_sent.pk}


def test_the_command_prints_figures_and_progress(capsys):
    _old_registration()
    _old_registration()
    _backdate()

    call_command("purge_personal_data", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run" in out
    assert "SME representatives anonymised (would be): 2" in out
    assert ParticipantProfile.objects.filter(anonymised_at__isnull=True).count() == 2

    call_command("purge_personal_data", "--batch-size", "1")
    out = capsys.readouterr().out
    assert "people: 1/2" in out and "people: 2/2" in out
    assert "SME representatives anonymised (done): 2" in out
    assert not ParticipantProfile.objects.filter(anonymised_at__isnull=True).exists()


def test_the_daily_task_runs_the_purge(settings):
    _old_registration()
    _backdate()
    assert "personal-data-purge" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["personal-data-purge"]["task"] == "registration.tasks.personal_data_purge"

    assert tasks.personal_data_purge()["people"] == 1
    assert tasks.personal_data_purge()["people"] == 0  # idempotent
    assert ParticipantProfile.objects.get().anonymised_at is not None


@pytest.mark.parametrize(("days", "errors"), [(730, 0), (90, 0), (3650, 0), (30, 1), (0, 1), (100000, 1)])
def test_the_retention_period_is_bounded(settings, days, errors):
    settings.PERSONAL_DATA_RETENTION_DAYS = days
    found = [check for check in run_checks() if check.id == "registration.E001"]
    assert len(found) == errors


def test_closing_an_account_on_the_persons_written_request_and_only_once():
    from django.core.exceptions import ValidationError

    profile = _old_registration().participant
    officer = UserFactory(is_staff=True)

    figures = retention.account_close(user=profile.user, closed_by=officer)

    assert figures.people == 1
    with pytest.raises(ValidationError, match="closed already"):
        retention.account_close(user=profile.user, closed_by=officer)


def test_an_official_account_is_not_closed_on_request():
    from django.core.exceptions import ValidationError

    focal = FocalPointFactory()
    with pytest.raises(ValidationError, match="end the designation"):
        retention.account_close(user=focal.user, closed_by=UserFactory(is_staff=True))
    focal.user.refresh_from_db()
    assert focal.user.is_active


def test_an_anonymised_persons_second_factor_is_removed():
    from allauth.mfa.models import Authenticator

    from tests.second_factor import authenticator_app_give

    profile = _old_registration().participant
    authenticator_app_give(profile.user)
    _backdate()

    retention.personal_data_purge()

    assert not Authenticator.objects.filter(user=profile.user).exists()


def test_the_admin_shows_when_a_profile_and_an_sme_were_anonymised(client):
    from django.urls import reverse

    from tests.second_factor import sign_in_with_second_factor

    profile = _old_registration().participant
    _backdate()
    retention.personal_data_purge()
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))

    for url in (
        reverse("admin:registration_participantprofile_change", args=[profile.pk]),
        reverse("admin:registration_sme_change", args=[profile.sme_id]),
    ):
        page = client.get(url).content.decode()
        assert "anonymised at" in page.lower(), url
