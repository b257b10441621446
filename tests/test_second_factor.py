"""Two-factor authentication (smepilot.second_factor): offered to everyone, required of secretariat staff
and focal points before they decide, export or open the admin.

Without a second factor passed in this session they are sent to a page that says why and how (a GET),
and a POST changes nothing; setting the app up, or entering its code, brings them back. Every way of
signing in (password, emailed code, the ITU account) asks an account that has the app for its code.
"""

import re
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import DELETION, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Eligibility, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action
from tests.factories import RegistrationFactory, UserFactory, secretariat_officer
from tests.second_factor import (
    authenticator_app_give,
    recovery_codes_of,
    sign_in_with_second_factor,
    totp_code,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-for-the-pilot"
SECOND_FACTOR_PAGE = reverse("second_factor")


def sent_to_second_factor(response, next_path):
    """A redirect to the page that asks for the second factor, coming back to ``next_path``."""
    assert response.status_code in (302, 303), response.status_code
    location = response["Location"]
    assert location.startswith(SECOND_FACTOR_PAGE), location
    assert f"next={quote(next_path, safe='')}" in location, location
    return True


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


# --- The secretariat and the admin -----------------------------------------------------------


def test_staff_without_an_authenticator_app_cannot_open_the_admin(client):
    client.force_login(secretariat_officer())
    assert sent_to_second_factor(client.get("/admin/"), "/admin/")
    assert sent_to_second_factor(client.get("/admin/registration/registration/"), "/admin/registration/registration/")


def test_staff_with_the_app_but_not_in_this_session_cannot_open_the_admin(client):
    officer = secretariat_officer()
    authenticator_app_give(officer)
    client.force_login(officer)
    assert sent_to_second_factor(client.get("/admin/"), "/admin/")
    page = client.get(client.get("/admin/")["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Enter the code from your authenticator app" in content
    assert f'action="{reverse("mfa_reauthenticate")}"' in content
    assert 'name="next" value="/admin/"' in content


def test_staff_who_passed_the_second_factor_open_the_admin(client):
    sign_in_with_second_factor(client, secretariat_officer())
    assert client.get("/admin/").status_code == 200


def test_an_admin_page_asks_for_the_authenticator_app_once(officer_client):
    """The admin checks permission several times a page; the rule is answered once per request."""
    with CaptureQueriesContext(connection) as queries:
        response = officer_client.get(reverse("admin:registration_registration_changelist"))
    assert response.status_code == 200
    assert [query["sql"] for query in queries if "mfa_authenticator" in query["sql"]] != []
    assert len([query for query in queries if "mfa_authenticator" in query["sql"]]) == 1


def test_the_admin_sign_in_page_sends_signed_in_staff_to_the_second_factor(client):
    client.force_login(secretariat_officer())
    response = client.get(reverse("admin:login") + "?next=/admin/meetings/")
    assert sent_to_second_factor(response, "/admin/meetings/")


def test_an_export_without_the_second_factor_sends_nothing_and_says_why(client):
    registration = RegistrationFactory()
    client.force_login(secretariat_officer())
    response = admin_action(
        client, "export_csv", [registration], changelist="admin:registration_registration_changelist"
    )
    assert response.status_code == 303
    assert "Content-Disposition" not in response
    assert sent_to_second_factor(response, "/admin/registration/registration/")
    assert any("Nothing was changed" in message for message in messages_of(response))


def test_a_decision_on_behalf_without_the_second_factor_changes_nothing(client):
    registration = RegistrationFactory()
    client.force_login(secretariat_officer())
    response = admin_action(
        client,
        "approve_on_behalf",
        [registration],
        changelist="admin:registration_registration_changelist",
        reason="Confirmed by phone",
        apply="1",
    )
    assert response.status_code == 303
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


# --- Focal points ----------------------------------------------------------------------------


def test_a_focal_point_without_the_second_factor_is_sent_to_set_it_up(client, focal_point, registration):
    client.force_login(focal_point.user)
    for path in (
        reverse("focalpoints:pending"),
        reverse("focalpoints:registration", args=[registration.pk]),
        reverse("focalpoints:smes"),
        reverse("focalpoints:sme", args=[registration.sme.pk]),
    ):
        assert sent_to_second_factor(client.get(path), path)
    page = client.get(SECOND_FACTOR_PAGE + "?next=/focal-point/")
    content = page.content.decode()
    assert "Set up the authenticator app" in content
    assert reverse("mfa_activate_totp") in content


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_focal_point_cannot_decide_without_the_second_factor(client, focal_point, registration, decision):
    client.force_login(focal_point.user)
    path = reverse("focalpoints:registration", args=[registration.pk])
    response = client.post(path, {"registration": registration.pk, "decision": decision, "reason": "Not eligible"})
    assert sent_to_second_factor(response, path)
    assert response.status_code == 303
    assert any("Nothing was changed" in message for message in messages_of(response))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_a_focal_point_cannot_bulk_approve_without_the_second_factor(client, focal_point, registration):
    client.force_login(focal_point.user)
    response = client.post(reverse("focalpoints:bulk_approve"), {"registrations": [registration.pk]})
    assert sent_to_second_factor(response, reverse("focalpoints:pending"))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_a_focal_point_cannot_confirm_an_sme_without_the_second_factor(client, focal_point, registration):
    sme = registration.sme
    sme.eligibility = Eligibility.PENDING
    sme.save(update_fields=["eligibility"])
    client.force_login(focal_point.user)
    response = client.post(reverse("focalpoints:sme", args=[sme.pk]), {"decision": "confirm", "reason": ""})
    assert response.status_code == 303
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_a_focal_point_cannot_decide_from_the_emailed_link_without_the_second_factor(
    client, focal_point, registration
):
    from focalpoints import links

    token = links.link_token_make(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    path = reverse("focalpoints:link", kwargs={"token": token})
    client.force_login(focal_point.user)
    assert sent_to_second_factor(client.get(path), path)
    response = client.post(path, {"registration": registration.pk, "decision": "approve"})
    assert response.status_code == 303
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_a_focal_point_who_passed_the_second_factor_decides(client, focal_point, registration):
    sign_in_with_second_factor(client, focal_point.user)
    path = reverse("focalpoints:registration", args=[registration.pk])
    response = client.post(path, {"registration": registration.pk, "decision": "approve"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED


# --- SME representatives are not forced, and anyone may set it up -----------------------------


def test_a_representative_is_not_asked_for_a_second_factor(client, participant):
    client.force_login(participant.user)
    for name in ("registration:profile", "registration:list", "registration:new"):
        assert client.get(reverse(name)).status_code in (200, 302)
        response = client.get(reverse(name))
        assert not response.get("Location", "").startswith(SECOND_FACTOR_PAGE)


def test_the_profile_links_to_two_factor_authentication_for_everyone(client, participant):
    client.force_login(participant.user)
    assert reverse("mfa_index") in client.get(reverse("registration:profile")).content.decode()
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "Set up the authenticator app" in page.content.decode()


# --- Setting the app up, and confirming with it, bring people back -----------------------------


def secret_on(page) -> str:
    """The secret as the set-up page writes it, in text beside the QR code."""
    match = re.search(r'<code id="authenticator-secret"[^>]*>([A-Z2-7=]+)</code>', page.content.decode())
    assert match, "the set-up page shows the secret as text"
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_setting_up_the_app_counts_as_passing_it_and_leads_back(client):
    """allauth announces the new app when its transaction commits, inside the request as on the site."""
    officer = secretariat_officer()
    officer.set_password(PASSWORD)
    officer.save()
    # Signed in moments ago: allauth does not ask for the password again before the set-up.
    client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    client.get(SECOND_FACTOR_PAGE + "?next=/admin/meetings/")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    content = page.content.decode()
    assert '<img class="qr-code" src="data:image/svg+xml;base64,' in content
    assert 'for="id_code"' in content
    secret = secret_on(page)

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert recovery_codes_of(officer)[0] in codes.content.decode()
    assert 'href="/admin/meetings/"' in codes.content.decode()
    assert client.get("/admin/").status_code == 200


def test_confirming_with_the_app_leads_back_to_the_page(client, focal_point):
    authenticator = authenticator_app_give(focal_point.user)
    client.force_login(focal_point.user)
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(authenticator), "next": "/focal-point/"})
    assert response.status_code == 302
    assert response["Location"] == "/focal-point/"
    assert client.get("/focal-point/").status_code == 200


def test_a_recovery_code_replaces_the_app(client, focal_point):
    authenticator_app_give(focal_point.user)
    client.force_login(focal_point.user)
    code = recovery_codes_of(focal_point.user)[0]
    response = client.post(reverse("mfa_reauthenticate"), {"code": code, "next": "/focal-point/"})
    assert response["Location"] == "/focal-point/"
    assert client.get("/focal-point/").status_code == 200
    assert code not in recovery_codes_of(focal_point.user)


def test_a_wrong_code_says_so_and_too_many_are_refused(client, focal_point):
    authenticator = authenticator_app_give(focal_point.user)
    client.force_login(focal_point.user)
    wrong = str((int(totp_code(authenticator)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("mfa_reauthenticate"), {"code": wrong, "next": "/focal-point/"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    for _attempt in range(5):
        response = client.post(reverse("mfa_reauthenticate"), {"code": wrong, "next": "/focal-point/"})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right code waits now: the limit holds, whatever is guessed.
    right = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(authenticator), "next": "/focal-point/"})
    assert right.status_code != 302
    assert client.get("/focal-point/").status_code == 302


def test_the_second_factor_page_goes_back_once_passed_and_never_elsewhere(client, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    assert client.get(SECOND_FACTOR_PAGE + "?next=/focal-point/")["Location"] == "/focal-point/"
    assert client.get(SECOND_FACTOR_PAGE + "?next=https://evil.example/")["Location"] == reverse("home")


# --- Every way of signing in asks for the app's code once it is set up --------------------------


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_by_password_asks_for_the_apps_code(client):
    officer = secretariat_officer()
    officer.set_password(PASSWORD)
    officer.save()
    authenticator = authenticator_app_give(officer)
    response = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302
    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200 and 'for="id_code"' in page.content.decode()
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(authenticator)})
    assert signed_in(client)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_sign_in_by_an_emailed_code_asks_for_the_apps_code(client, focal_point):
    authenticator = authenticator_app_give(focal_point.user)
    email = EmailAddress.objects.get(user=focal_point.user).email
    client.post(reverse("account_request_login_code"), {"email": email})
    body = OutgoingMessage.objects.filter(to=email).latest("pk").body_text
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(authenticator)})
    assert signed_in(client)
    assert client.get("/focal-point/").status_code == 200


def test_sign_in_with_the_itu_account_asks_for_the_apps_code(client, ties):
    from tests.test_ties_sign_in import claims_of, come_back, sign_up_with_ties

    claims = claims_of("salma", given_name="Salma", family_name="Idris")
    sign_up_with_ties(client, ties, claims)
    user = EmailAddress.objects.get(email=claims["email"]).user
    user.is_staff = True
    user.save()
    authenticator = authenticator_app_give(user)
    client.post(reverse("account_logout"))

    response = come_back(client, ties, "salma")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(authenticator)})
    assert signed_in(client)


# --- Resetting someone's two-factor authentication -------------------------------------------


def test_only_superusers_see_and_reset_authenticators(client):
    officer = secretariat_officer()
    sign_in_with_second_factor(client, officer)
    assert client.get(reverse("admin:mfa_authenticator_changelist")).status_code == 403


def test_a_superuser_resets_someones_app_without_seeing_its_secret(client, focal_point):
    authenticator = authenticator_app_give(focal_point.user)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, superuser)
    page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    assert page.status_code == 200
    assert authenticator.data["secret"] not in page.content.decode()
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403

    response = client.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=focal_point.user).exists()  # recovery codes gone too
    assert LogEntry.objects.filter(user=superuser, action_flag=DELETION, object_id=str(authenticator.pk)).exists()
    # The focal point sets it up again before deciding.
    client.force_login(focal_point.user)
    assert client.get("/focal-point/")["Location"].startswith(SECOND_FACTOR_PAGE)
