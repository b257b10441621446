"""Who reaches the admin (no focal point or SME representative) and what the Secretariat group may do there."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from meetings.secretariat import SECRETARIAT_GROUP_NAME, secretariat_group_sync, secretariat_permission_codenames
from tests.factories import (
    AdministrationFactory,
    AppointmentFactory,
    DecisionFactory,
    FocalPointFactory,
    MeetingFactory,
    OutgoingMessageFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


# (app_label, model): what the secretariat's work needs there.
SECRETARIAT_MODELS = [
    ("meetings", "pilot"),
    ("meetings", "studygroup"),
    ("meetings", "meeting"),
    ("meetings", "appointment"),
    ("meetings", "decision"),
    ("meetings", "pilotreport"),
    ("focalpoints", "administration"),
    ("focalpoints", "focalpoint"),
    ("registration", "sme"),
    ("registration", "participantprofile"),
    ("registration", "registration"),
]


@pytest.fixture
def superuser_client(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def _login_redirect_next(response):
    assert response.status_code == 302
    parts = urlsplit(response.url)
    return parts.path, parse_qs(parts.query).get("next", [None])[0]


# --- anonymous ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_allauth_login_keeping_next(client):
    response = client.get("/admin/meetings/meeting/")
    path, next_url = _login_redirect_next(response)
    assert path == reverse("admin:login")
    assert next_url == "/admin/meetings/meeting/"

    response = client.get(response.url)
    path, next_url = _login_redirect_next(response)
    assert path == reverse("account_login")
    assert next_url == "/admin/meetings/meeting/"


def test_admin_login_never_forwards_to_another_site(client):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    path, next_url = _login_redirect_next(response)
    assert path == reverse("account_login")
    assert next_url == reverse("admin:index")


def test_admin_login_form_post_does_not_sign_in(client):
    """The admin's own password form is gone: sign-in is allauth's, with its rate limits."""
    UserFactory(email="boss@itu.example", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "boss@itu.example", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert urlsplit(response.url).path == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_allauth_login_rate_limit_applies_to_admin_sign_in(client, settings):
    from django.core.cache import cache

    cache.clear()  # allauth counts attempts in the cache (this test run's own Redis database)
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip,2/5m/key"}
    UserFactory(email="boss@itu.example", is_staff=True, is_superuser=True)
    login_url = reverse("admin:login") + "?next=/admin/"
    allauth_url = client.get(login_url).url
    for attempt in range(2):
        client.post(allauth_url, {"login": "boss@itu.example", "password": f"wrong-{attempt}"})
    # Now even the right password is refused until the window passes.
    response = client.post(allauth_url, {"login": "boss@itu.example", "password": "correct-horse-battery-staple"})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()


# --- SME representatives and focal points never reach the admin -------------------------------


def _assert_no_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    path, _next = _login_redirect_next(response)
    assert path == reverse("admin:login")
    assert client.get(response.url).status_code == 403
    assert client.get("/admin/registration/registration/").status_code == 302


def test_sme_representative_and_focal_point_are_not_staff():
    assert not ParticipantProfileFactory().user.is_staff
    assert not FocalPointFactory().user.is_staff


@pytest.mark.parametrize("is_staff", [False, True])
def test_sme_representative_never_reaches_the_admin(client, is_staff):
    # Even flagged staff by mistake: the admin is the secretariat's alone.
    user = ParticipantProfileFactory().user
    user.is_staff = is_staff
    user.save()
    _assert_no_admin(client, user)


@pytest.mark.parametrize("is_staff", [False, True])
def test_focal_point_never_reaches_the_admin(client, is_staff):
    user = FocalPointFactory().user
    user.is_staff = is_staff
    user.save()
    _assert_no_admin(client, user)


def test_signed_in_secretariat_officer_at_admin_login_goes_to_the_index(officer_client):
    response = officer_client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


# --- the Secretariat group ------------------------------------------------------------------


def test_group_holds_exactly_the_listed_permissions():
    group, count = secretariat_group_sync()
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert held == secretariat_permission_codenames()
    assert count == len(held) == 47  # deputies: view and change (confirm, decline, end)
    assert not any(code.startswith("auth.") for code in held)
    assert "registration.delete_registration" not in held
    assert "meetings.delete_decision" not in held
    assert "registration.delete_visaletterrequest" not in held
    assert "focalpoints.add_deputyship" not in held  # focal points name their deputies; the admin never adds one


def test_setup_command_is_idempotent_and_removes_extra_permissions():
    call_command("setup_secretariat_group")
    group = Group.objects.get(name=SECRETARIAT_GROUP_NAME)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    call_command("setup_secretariat_group")
    call_command("setup_secretariat_group")
    assert Group.objects.filter(name=SECRETARIAT_GROUP_NAME).count() == 1
    assert not group.permissions.filter(codename="delete_user").exists()
    assert group.permissions.count() == 47


def test_officer_permissions_are_the_groups():
    officer = secretariat_officer()
    assert officer.get_all_permissions() == secretariat_permission_codenames()
    assert not officer.has_perm("auth.change_user")
    assert not officer.has_perm("auth.add_group")


def _objects():
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    return {
        ("meetings", "pilot"): PilotFactory(),
        ("meetings", "studygroup"): StudyGroupFactory(),
        ("meetings", "meeting"): meeting,
        ("meetings", "appointment"): AppointmentFactory(),
        ("meetings", "decision"): DecisionFactory(meeting=meeting),
        ("focalpoints", "administration"): AdministrationFactory(),
        ("focalpoints", "focalpoint"): FocalPointFactory(),
        ("registration", "sme"): SMEFactory(),
        ("registration", "participantprofile"): registration.participant,
        ("registration", "registration"): registration,
    }


@pytest.mark.parametrize("who", ["officer", "superuser"])
def test_staff_can_view_add_and_change_what_the_work_needs(client, who):
    user = secretariat_officer() if who == "officer" else UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, user)
    objects = _objects()
    assert client.get(reverse("admin:index")).status_code == 200
    for app_label, model in SECRETARIAT_MODELS:
        assert client.get(reverse(f"admin:{app_label}_{model}_changelist")).status_code == 200, model
        if (app_label, model) != ("registration", "registration"):
            # Registrations are made by SME representatives; the secretariat follows and decides them.
            assert client.get(reverse(f"admin:{app_label}_{model}_add")).status_code == 200, model
        obj = objects.get((app_label, model))
        if obj is not None:
            change_url = reverse(f"admin:{app_label}_{model}_change", args=[obj.pk])
            assert client.get(change_url).status_code == 200, model
            history_url = reverse(f"admin:{app_label}_{model}_history", args=[obj.pk])
            assert client.get(history_url).status_code == 200, model
    message = OutgoingMessageFactory()
    assert client.get(reverse("admin:outbox_outgoingmessage_changelist")).status_code == 200
    assert client.get(reverse("admin:outbox_outgoingmessage_change", args=[message.pk])).status_code == 200


def test_officer_cannot_manage_users_groups_or_delete_the_audit_trail(officer_client):
    objects = _objects()
    for url in [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
    ]:
        assert officer_client.get(url).status_code == 403, url
    registration = objects[("registration", "registration")]
    decision = objects[("meetings", "decision")]
    for url in [
        reverse("admin:registration_registration_delete", args=[registration.pk]),
        reverse("admin:meetings_decision_delete", args=[decision.pk]),
        reverse("admin:meetings_appointment_delete", args=[objects[("meetings", "appointment")].pk]),
    ]:
        assert officer_client.get(url).status_code == 403, url
        assert officer_client.post(url, {"post": "yes"}).status_code == 403, url
    assert type(registration).objects.filter(pk=registration.pk).exists()
    assert type(decision).objects.filter(pk=decision.pk).exists()


def test_superuser_can_manage_users(superuser_client):
    assert superuser_client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:auth_group_changelist")).status_code == 200


def test_staff_outside_the_group_sees_nothing(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:meetings_appointment_changelist")).status_code == 403


def test_done_when_an_officer_runs_the_pilot_from_the_admin(officer_client):
    """The secretariat sets up a meeting, follows its registrations, prints the participants and the report."""
    from meetings.models import Meeting, PilotReport

    group = StudyGroupFactory()
    response = officer_client.post(
        reverse("admin:meetings_meeting_add"),
        {
            "study_group": group.pk,
            "kind": "study_group",
            "title_en": "Second meeting of ITU-D SG1",
            "starts_on": "2027-04-30",
            "ends_on": "2027-05-04",
            "place_en": "Geneva",
            "remote_participation": "on",
            "registration_opens_on": "2027-01-18",
            "registration_closes_on": "2027-04-20",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(study_group=group)
    RegistrationFactory(meeting=meeting)
    changelist = officer_client.get(
        reverse("admin:registration_registration_changelist") + f"?meeting__id__exact={meeting.pk}"
    )
    assert changelist.status_code == 200
    for name in ["participants", "badges", "attendance_sheet"]:
        assert officer_client.get(reverse(f"admin:meetings_meeting_{name}", args=[meeting.pk])).status_code == 200, (
            name
        )
    report = PilotReport.objects.create(
        pilot=PilotFactory(),
        title="Progress report",
        addressed_to="Council 2018",
        period_start="2018-01-01",
        period_end="2018-12-31",
    )
    assert officer_client.get(reverse("admin:meetings_pilotreport_report", args=[report.pk])).status_code == 200
    assert officer_client.get(reverse("admin:meetings_pilotreport_report_csv", args=[report.pk])).status_code == 200
