"""The admin's history pages read as a record of who changed what, and when.

Each change is listed with who made it (a person's name and capacity; the system when a task or a
command made it, with no one signed in; the registrant when they made it themselves on the site), when
(in Geneva time, in the language's date format), the whole reason, and what changed, with empty
values shown as empty rather than "None" or "Deleted user (pk=None)".
"""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from registration.models import ParticipantProfile, RegistrationStatus
from tests import factories
from tests.admin_helpers import admin_action
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

CHANGELIST = "admin:registration_registration_changelist"
LONG_REASON = (
    "The Administration's focal point wrote on 3 April that the company no longer meets the national "
    "criteria after its merger with a larger operator; the secretariat records the refusal on its behalf "
    "and has told the registrant by email."
)


def _text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@pytest.fixture
def officer(client):
    user = factories.secretariat_officer()
    user.first_name, user.last_name = "Nadia", "Haddad"
    user.save()
    sign_in_with_second_factor(client, user)
    return user


@pytest.fixture
def registration():
    """Made outside any request (as a command or a task would): its first version has no user."""
    return factories.RegistrationFactory(participant__given_name="Wanjiru", participant__family_name="Otieno")


def _history(client, registration):
    response = client.get(reverse("admin:registration_registration_history", args=[registration.pk]))
    assert response.status_code == 200
    return response


def _rows(response) -> list[str]:
    """The text of each change listed (latest first), from the page's table of changes."""
    table = re.search(r'<table id="change-history".*?</table>', response.content.decode(), flags=re.S)
    assert table, "the history page lists the changes in a table"
    body = table.group(0).split("</thead>", 1)[1]
    return [_text_of(row) for row in re.findall(r"<tr\b.*?</tr>", body, flags=re.S)]


def _text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_a_change_by_a_staff_member_names_them_with_the_whole_reason_and_local_times(client, officer, registration):
    admin_action(client, "reject_on_behalf", [registration], changelist=CHANGELIST, post="yes", reason=LONG_REASON)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED

    text = _text(_history(client, registration))

    assert "Nadia Haddad" in text
    assert LONG_REASON in text, "the reason is shown whole"
    assert "chars]" not in text
    # When: Geneva time, in the language's format; never the stored UTC value.
    for record in registration.history.all():
        assert _local(record.history_date) in text
    assert _local(registration.decided_at) in text
    assert "+00:00" not in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", text)
    # An empty value before the decision is shown as empty.
    assert "Deleted user" not in text
    assert "pk=None" not in text
    assert not re.search(r"\bNone\b", text)


def test_a_change_with_no_user_is_the_systems(client, officer, registration):
    registration.attendance_mode = "remote"
    registration.save()

    response = _history(client, registration)
    text = _text(response)

    rows = _rows(response)
    assert len(rows) == 2
    for row in rows:
        assert "the system" in row.lower()
    assert "Deleted user" not in text
    assert not re.search(r"\bNone\b", text)


def test_a_change_the_registrant_made_on_the_site_says_so(client, officer, registration):
    registrant = registration.participant.user
    client.force_login(registrant)
    response = client.post(reverse("registration:cancel", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED

    sign_in_with_second_factor(client, officer)
    latest = _rows(_history(client, registration))[0]

    assert "the registrant on the site" in latest
    assert "Wanjiru Otieno" in latest


def test_a_reopening_shows_its_whole_change_reason(client, officer, registration):
    registration.status = RegistrationStatus.VALIDATED
    registration.decided_by = officer
    registration.decided_at = timezone.now()
    registration.save()
    reason = "Reopened: the Administration's email of 3 April asked for a new decision on this registration."
    assert len(reason) <= 100
    admin_action(client, "reopen_for_new_decision", [registration], changelist=CHANGELIST, post="yes", reason=reason)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING

    text = _text(_history(client, registration))

    assert reason in text
    assert "Nadia Haddad" in text
    assert "Deleted user" not in text
    assert not re.search(r"\bNone\b", text)


def test_a_focal_points_decision_names_the_focal_point(client, officer, focal_point):
    registration = factories.RegistrationFactory(participant__sme__administration=focal_point.administration)
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(
        reverse("focalpoints:registration", args=[registration.pk]),
        {"decision": "approve", "registration": registration.pk, "reason": ""},
    )
    assert response.status_code == 302
    sign_in_with_second_factor(client, officer)

    latest = _rows(_history(client, registration))[0]

    assert "Amina Diallo" in latest
    assert "focal point" in latest


def test_every_history_page_is_free_of_none_and_raw_timestamps(client, officer):
    """SMEs, profiles, focal points, appointments and decisions: the same readable history."""
    sme = factories.SMEFactory()
    sme.website = "https://changed.example"
    sme.save()
    appointment = factories.AppointmentFactory()
    appointment.ends_on = appointment.starts_on
    appointment.save()
    focal_point = factories.FocalPointFactory()
    focal_point.is_active = False
    focal_point.save()
    profile = factories.ParticipantProfileFactory()
    profile.job_title = "Director"
    profile.save()
    for url in (
        reverse("admin:registration_sme_history", args=[sme.pk]),
        reverse("admin:meetings_appointment_history", args=[appointment.pk]),
        reverse("admin:focalpoints_focalpoint_history", args=[focal_point.pk]),
        reverse("admin:registration_participantprofile_history", args=[profile.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert "the system" in text.lower(), url
        assert not re.search(r"\bNone\b", text), url
        assert "pk=None" not in text, url
        assert "+00:00" not in text, url


def test_a_profile_made_at_sign_up_is_the_registrants(client, officer):
    client.logout()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "wanjiru@sme.example",
            "password1": "a-long-pass-phrase-for-the-pilot",
            "password2": "a-long-pass-phrase-for-the-pilot",
            "given_name": "Wanjiru",
            "family_name": "Kamau",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    profile = ParticipantProfile.objects.get(user__email="wanjiru@sme.example")
    assert profile.history.get().history_user == profile.user

    sign_in_with_second_factor(client, officer)
    response = client.get(reverse("admin:registration_participantprofile_history", args=[profile.pk]))
    assert response.status_code == 200
    (first,) = _rows(response)
    assert "Wanjiru Kamau (the registrant on the site)" in first


def test_a_past_version_names_its_list_and_its_date(client, officer, registration):
    version = registration.history.get()
    response = client.get(
        reverse("admin:registration_registration_simple_history", args=[registration.pk, version.history_id])
    )
    assert response.status_code == 200
    breadcrumbs = _text_of(re.search(r'<div class="breadcrumbs">.*?</div>', response.content.decode(), re.S).group(0))
    assert "Registrations" in breadcrumbs
    assert "Historical" not in breadcrumbs
    assert f"Version of {_local(version.history_date)}" in breadcrumbs


@pytest.mark.parametrize(("object_id", "version_id"), [("abc", "1"), ("1", "xyz"), ("1", "999999")])
def test_a_past_version_that_does_not_exist_is_not_found(client, officer, registration, object_id, version_id):
    if object_id == "1":
        object_id = str(registration.pk)
    response = client.get(reverse("admin:registration_registration_simple_history", args=[object_id, version_id]))
    assert response.status_code == 404


def test_the_history_of_a_mistyped_record_is_not_found(client, officer):
    response = client.get(reverse("admin:registration_registration_history", args=["abc"]))
    assert response.status_code == 404
