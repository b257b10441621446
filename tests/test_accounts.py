"""Accounts through allauth and the test client: sign-up with recorded consent, verification by
POST only, sign-in by code, password reset without enumeration, allauth's pages in our layout,
and the TIES OpenID Connect switch (smepilot.auth_settings)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from registration.models import ParticipantProfile
from smepilot.auth_settings import socialaccount_providers, ties_enabled
from smepilot.outbox.models import OutgoingMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-pass-phrase-for-the-pilot"
User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the (Redis) cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


def emails_to(address):
    """Bodies of the emails for ``address``: through the outbox, or Django's backend directly."""
    bodies = [m.body_text + m.body_html for m in OutgoingMessage.objects.filter(to=address).order_by("pk")]
    bodies += [m.body for m in mail.outbox if address in m.to]
    return bodies


def signup(client, email, **extra):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "given_name": "Wanjiru",
        "family_name": "Kamau",
        "privacy_consent": "on",
    }
    data.update(extra)
    return client.post(reverse("account_signup"), data)


def assert_site_layout(response):
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in content and "devsg@itu.int" in content  # our base.html
    assert "Menu:" not in content  # not allauth's bare layout


def test_signup_page_uses_the_site_layout_with_labels_and_no_username(client):
    response = client.get(reverse("account_signup"))
    assert_site_layout(response)
    content = response.content.decode()
    assert 'name="username"' not in content
    assert '<label for="id_email">' in content
    assert "Given name" in content
    assert f'href="{reverse("registration:privacy")}"' in content


def test_signup_by_email_records_consent_and_sends_a_confirmation_link(client):
    response = signup(client, "wanjiru@sme.example")
    assert response.status_code == 302
    user = User.objects.get(email="wanjiru@sme.example")
    assert user.username  # filled in by allauth: no username is asked for
    profile = ParticipantProfile.objects.get(user=user)
    assert (profile.given_name, profile.family_name) == ("Wanjiru", "Kamau")
    assert profile.privacy_consent_at is not None
    assert not EmailAddress.objects.get(user=user).verified
    assert any("/accounts/confirm-email/" in body for body in emails_to("wanjiru@sme.example"))


def test_two_people_can_sign_up(client):
    assert signup(client, "one@sme.example").status_code == 302
    client.logout()
    assert signup(client, "two@sme.example").status_code == 302
    assert User.objects.filter(email__in=["one@sme.example", "two@sme.example"]).count() == 2


def test_signup_without_consent_is_refused(client):
    response = signup(client, "noconsent@sme.example", privacy_consent="")
    assert response.status_code == 200  # allauth re-renders its form
    assert "Accept the privacy notice to create an account." in response.content.decode()
    assert not User.objects.filter(email="noconsent@sme.example").exists()


def test_signup_with_a_known_address_answers_as_for_a_new_one(client):
    UserFactory(email="known@sme.example")
    known = signup(client, "known@sme.example")
    client.logout()
    new = signup(client, "new@sme.example")
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert User.objects.filter(email="known@sme.example").count() == 1


def confirmation_url(address):
    for body in emails_to(address):
        match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no confirmation link sent to {address}")


def test_the_emailed_link_confirms_only_on_post(client):
    signup(client, "verify@sme.example")
    client.logout()
    url = confirmation_url("verify@sme.example")
    response = client.get(url)  # what a mail scanner does
    assert_site_layout(response)
    assert "<form" in response.content.decode() and 'type="submit"' in response.content.decode()
    client.head(url)
    address = EmailAddress.objects.get(email="verify@sme.example")
    assert not address.verified
    response = client.post(url)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified


def test_an_unverified_account_cannot_sign_in_with_its_password(client):
    signup(client, "pending@sme.example")
    client.logout()
    response = client.post(reverse("account_login"), {"login": "pending@sme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_sign_in_by_password(client):
    UserFactory(email="pw@sme.example", password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "pw@sme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_sign_in_by_a_code_sent_by_email(client):
    user = UserFactory(email="code@sme.example")
    assert_site_layout(client.get(reverse("account_request_login_code")))
    response = client.post(reverse("account_request_login_code"), {"email": "code@sme.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert_site_layout(client.get(reverse("account_confirm_login_code")))
    bodies = emails_to("code@sme.example")
    assert bodies
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", bodies[-1], re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_wrong_code_does_not_sign_in(client):
    UserFactory(email="wrongcode@sme.example")
    client.post(reverse("account_request_login_code"), {"email": "wrongcode@sme.example"})
    response = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email="member@sme.example")
    assert_site_layout(client.get(reverse("account_reset_password")))
    known = client.post(reverse("account_reset_password"), {"email": "member@sme.example"})
    unknown = client.post(reverse("account_reset_password"), {"email": "stranger@sme.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert_site_layout(client.get(reverse("account_reset_password_done")))
    assert any("/accounts/password/reset/key/" in body for body in emails_to("member@sme.example"))
    assert not any("/accounts/password/reset/key/" in body for body in emails_to("stranger@sme.example"))


def test_sign_in_page_uses_the_site_layout_and_offers_a_code(client):
    response = client.get(reverse("account_login"))
    assert_site_layout(response)
    content = response.content.decode()
    assert reverse("account_request_login_code") in content
    assert "ITU account (TIES)" not in content  # off by default


# --- TIES (OpenID Connect), switched on by three settings ------------------------------------


@pytest.mark.parametrize(
    ("server_url", "client_id", "secret"),
    [("", "", ""), ("https://ties.example", "", ""), ("https://ties.example", "id", ""), ("", "id", "secret")],
)
def test_ties_is_off_unless_all_three_settings_are_set(server_url, client_id, secret):
    providers = socialaccount_providers(
        ties_server_url=server_url, ties_client_id=client_id, ties_client_secret=secret
    )
    assert providers == {"openid_connect": {"APPS": []}}
    assert not ties_enabled(providers)


def test_ties_is_an_openid_connect_app_when_configured():
    providers = socialaccount_providers(
        ties_server_url="https://ties.example/oidc", ties_client_id="smepilot", ties_client_secret="s3cret"
    )
    assert ties_enabled(providers)
    assert providers["openid_connect"]["APPS"] == [
        {
            "provider_id": "ties",
            "name": "ITU account (TIES)",
            "client_id": "smepilot",
            "secret": "s3cret",
            "settings": {"server_url": "https://ties.example/oidc", "oauth_pkce_enabled": True},
        }
    ]


def test_settings_read_the_three_environment_variables():
    code = (
        "from django.conf import settings; "
        "apps = settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']; "
        "print('RESULT', settings.TIES_ENABLED, [a['provider_id'] for a in apps])"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIES_")}

    def run(**extra):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1].removeprefix("RESULT ")

    assert run() == "False []"
    assert run(TIES_OIDC_SERVER_URL="https://ties.example", TIES_OIDC_CLIENT_ID="id") == "False []"
    assert (
        run(TIES_OIDC_SERVER_URL="https://ties.example", TIES_OIDC_CLIENT_ID="id", TIES_OIDC_CLIENT_SECRET="x")
        == "True ['ties']"
    )


def test_sign_in_page_offers_ties_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        ties_server_url="https://ties.example/oidc", ties_client_id="smepilot", ties_client_secret="s3cret"
    )
    content = client.get(reverse("account_login")).content.decode()
    assert "ITU account (TIES)" in content
    assert "/accounts/oidc/ties/login/" in content
