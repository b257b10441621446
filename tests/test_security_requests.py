"""Security audit: CSRF on every POST, nothing changed by GET or HEAD, and no redirect off-site.

The CSRF tests use ``Client(enforce_csrf_checks=True)`` (the default test client skips the check)
and a positive control, so that a 403 means "CSRF", not "forbidden for another reason".
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from focalpoints import links
from registration.models import SME, Eligibility, ParticipantProfile, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AdministrationFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    SMEFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # the factories' password
EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "https:evil.example",
    "/\\evil.example/",
    "http://testserver@evil.example/",
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def csrf_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        sign_in_with_second_factor(client, user)
    return client


def csrf_token(client, url):
    """The token a real browser would post: the page sets the cookie, the form carries the token."""
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, f"no CSRF token in the form of {url}"
    return match.group(1)


def assert_local(location):
    """A path on this site: "/..." (never "//host" or "/\\host"), or an absolute URL of the test host."""
    for own in ("http://testserver/", "https://testserver/"):
        if location.startswith(own):
            location = location[len(own) - 1 :]
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location
    assert urlsplit(location).netloc == "", location


def _status(registration):
    registration.refresh_from_db()
    return registration.status


# --- CSRF --------------------------------------------------------------------------------------


def test_focal_point_decisions_need_the_csrf_token(focal_point, registration):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    client = csrf_client(focal_point.user)
    token = links.link_token_make(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    decision = {"registration": registration.pk, "decision": "approve"}
    for url, data in [
        (reverse("focalpoints:link", kwargs={"token": token}), decision),
        (reverse("focalpoints:registration", args=[registration.pk]), decision),
        (reverse("focalpoints:bulk_approve"), {"registrations": [registration.pk]}),
        (reverse("focalpoints:sme", args=[sme.pk]), {"decision": "confirm"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert _status(registration) == RegistrationStatus.PENDING
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING

    # Positive control: the same POST with the page's token decides.
    url = reverse("focalpoints:registration", args=[registration.pk])
    response = client.post(url, {**decision, "csrfmiddlewaretoken": csrf_token(client, url)})
    assert response.status_code == 302
    assert _status(registration) == RegistrationStatus.VALIDATED


def test_representative_forms_need_the_csrf_token():
    meeting = MeetingFactory()
    PilotFactory(study_groups=[meeting.study_group])
    profile = ParticipantProfileFactory(given_name="Before")
    registration = RegistrationFactory(participant=profile)
    client = csrf_client(profile.user)
    for url, data in [
        (
            reverse("registration:profile"),
            {"given_name": "After", "family_name": "X", "administration": profile.administration_id},
        ),
        (reverse("registration:profile_sme"), {"sme": SMEFactory(administration=profile.administration).pk}),
        (
            reverse("registration:sme_declare"),
            {
                "name": "Forged Ltd",
                "employees": 3,
                "annual_revenue": "10",
                "revenue_currency": "USD",
                "address": "x",
            },
        ),
        (reverse("registration:new"), {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": "in_person"}),
        (reverse("registration:cancel", args=[registration.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    profile.refresh_from_db()
    assert profile.given_name == "Before"
    assert not profile.registrations.filter(meeting=meeting).exists()
    assert _status(registration) == RegistrationStatus.PENDING

    url = reverse("registration:cancel", args=[registration.pk])
    assert client.post(url, {"csrfmiddlewaretoken": csrf_token(client, url)}).status_code == 302
    assert _status(registration) == RegistrationStatus.CANCELLED


def test_account_forms_need_the_csrf_token():
    UserFactory(email="someone@sme.example")
    client = csrf_client()
    for url, data in [
        (reverse("account_login"), {"login": "someone@sme.example", "password": PASSWORD}),
        (reverse("account_request_login_code"), {"email": "someone@sme.example"}),
        (reverse("account_reset_password"), {"email": "someone@sme.example"}),
        (
            reverse("account_signup"),
            {
                "email": "new@sme.example",
                "password1": "a-long-pass-phrase-for-the-pilot",
                "password2": "a-long-pass-phrase-for-the-pilot",
                "given_name": "A",
                "family_name": "B",
                "privacy_consent": "on",
            },
        ),
        (reverse("set_language"), {"language": "fr", "next": "/"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert "_auth_user_id" not in client.session
    assert not OutgoingMessage.objects.exists()

    signed_in = csrf_client(UserFactory())
    assert signed_in.post(reverse("account_logout")).status_code == 403
    assert "_auth_user_id" in signed_in.session


def test_admin_actions_need_the_csrf_token():
    registration = RegistrationFactory()
    client = csrf_client(secretariat_officer())
    response = client.post(
        reverse("admin:registration_registration_changelist"),
        {
            "action": "approve_on_behalf",
            "_selected_action": [registration.pk],
            "index": 0,
            "post": "yes",
            "reason": "Forged.",
        },
    )
    assert response.status_code == 403
    assert _status(registration) == RegistrationStatus.PENDING


# --- No state change on GET or HEAD ------------------------------------------------------------


def test_get_and_head_with_decision_parameters_change_nothing(client, focal_point, registration):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    sign_in_with_second_factor(client, focal_point.user)
    query = {"registration": registration.pk, "registrations": registration.pk, "decision": "approve"}
    for url in [
        reverse("focalpoints:registration", args=[registration.pk]),
        reverse("focalpoints:sme", args=[sme.pk]),
        reverse("focalpoints:pending"),
    ]:
        for method in (client.get, client.head):
            assert method(url, {**query, "decision": "confirm" if "smes" in url else "approve"}).status_code == 200
    assert client.get(reverse("focalpoints:bulk_approve"), query).status_code == 405
    assert client.head(reverse("focalpoints:bulk_approve"), query).status_code == 405
    assert _status(registration) == RegistrationStatus.PENDING
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_representative_pages_change_nothing_on_get():
    administration = AdministrationFactory()
    profile = ParticipantProfileFactory(given_name="Before", sme__administration=administration)
    other_sme = SMEFactory(administration=administration)
    client = Client()
    client.force_login(profile.user)
    for url, query in [
        (reverse("registration:profile"), {"given_name": "After", "administration": administration.pk}),
        (reverse("registration:profile_sme"), {"sme": other_sme.pk}),
        (reverse("registration:sme_declare"), {"name": "By Get Ltd", "employees": 1}),
    ]:
        assert client.get(url, query).status_code == 200, url
    saved = ParticipantProfile.objects.get(pk=profile.pk)
    assert (saved.given_name, saved.sme_id) == ("Before", profile.sme_id)
    assert not SME.objects.filter(name="By Get Ltd").exists()


# --- Open redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("evil", EVIL)
def test_password_sign_in_never_redirects_off_site(evil):
    UserFactory(email="pw@sme.example")
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=" + evil, {"login": "pw@sme.example", "password": PASSWORD, "next": evil}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert_local(response["Location"])


@pytest.mark.parametrize("evil", EVIL[:2])
def test_sign_in_by_code_never_redirects_off_site(evil):
    UserFactory(email="code@sme.example")
    client = Client()
    response = client.post(reverse("account_request_login_code") + "?next=" + evil, {"email": "code@sme.example"})
    assert response.status_code == 302
    assert_local(response["Location"])
    body = OutgoingMessage.objects.filter(to="code@sme.example").last().body_text
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", body, re.MULTILINE).group(1)
    response = client.post(response["Location"], {"code": code, "next": evil})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert_local(response["Location"])


@pytest.mark.parametrize("evil", EVIL)
def test_set_language_never_redirects_off_site(client, evil):
    response = client.post(reverse("set_language"), {"language": "fr", "next": evil}, HTTP_REFERER=evil)
    assert response.status_code == 302
    assert_local(response["Location"])


@pytest.mark.parametrize("evil", EVIL[:2])
def test_sign_out_never_redirects_off_site(client, evil):
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"), {"next": evil})
    assert response.status_code == 302
    assert_local(response["Location"])


def test_the_links_sign_in_comes_back_to_the_link_only(client, focal_point, registration):
    token = links.link_token_make(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    path = reverse("focalpoints:link", kwargs={"token": token})
    response = client.get(path + "?next=https://evil.example/")
    assert response.status_code == 302
    assert_local(response["Location"])
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert_local(next_url)
    assert next_url.startswith(path)
