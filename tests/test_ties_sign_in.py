"""The ITU account (TIES) sign-in against a real OpenID Connect provider (tests/oidc.py).

The site fetches the provider's discovery document, exchanges the code (with PKCE) for tokens,
checks the ID token against the provider's keys and asks for the userinfo, all over HTTP; the
person's browser at the provider is driven with requests, ours with Django's test client.
"""

import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from registration.models import ParticipantProfile
from smepilot.outbox.models import OutgoingMessage
from tests.factories import ParticipantProfileFactory
from tests.oidc import ties_providers

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-pass-phrase-for-the-pilot"
LOGIN_URL = "/accounts/oidc/ties/login/"


def claims_of(sub, *, email=None, given_name="Nadia", family_name="Haddad", email_verified=True):
    return {
        "sub": sub,
        "email": email or f"{sub}@itu-account.example",
        "email_verified": email_verified,
        "given_name": given_name,
        "family_name": family_name,
        "name": f"{given_name} {family_name}",
    }


def emails_to(address):
    bodies = [m.body_text + m.body_html for m in OutgoingMessage.objects.filter(to=address).order_by("pk")]
    bodies += [m.body for m in mail.outbox if address in m.to]
    return bodies


def site_path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_at_provider(client, process="login"):
    """Press "ITU account" on our site: the address of the provider's authorization endpoint."""
    response = client.post(LOGIN_URL, {"process": process})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def come_back(client, provider, sub, process="login"):
    """The whole round trip: our login POST, the provider's sign-in and consent, our callback."""
    callback = provider.authorize(start_at_provider(client, process), sub)
    return client.get(site_path(callback))


def sign_up_with_ties(client, provider, claims, **form):
    provider.add_account(**claims)
    response = come_back(client, provider, claims["sub"])
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    data = {
        "email": claims["email"],
        "given_name": claims["given_name"],
        "family_name": claims["family_name"],
        "privacy_consent": "on",
    }
    data.update(form)
    return client.post(reverse("socialaccount_signup"), data)


# --- The round trip itself -------------------------------------------------------------------


def test_a_new_person_signs_up_with_the_itu_account_and_is_signed_in(client, ties):
    claims = claims_of("nadia")
    response = sign_up_with_ties(client, ties, claims)
    assert response.status_code == 302
    user = User.objects.get(email=claims["email"])
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.get(user=user).uid == "nadia"
    assert EmailAddress.objects.get(user=user, email=claims["email"]).verified  # the provider said so
    profile = ParticipantProfile.objects.get(user=user)
    assert (profile.given_name, profile.family_name) == ("Nadia", "Haddad")


def test_a_linked_person_signs_in_again_with_the_itu_account(client, ties):
    claims = claims_of("omar", given_name="Omar", family_name="Farouk")
    sign_up_with_ties(client, ties, claims)
    user = User.objects.get(email=claims["email"])
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    response = come_back(client, ties, "omar")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_existing_account_is_not_taken_over_by_a_provider_account_with_its_address(client, ties):
    owner = ParticipantProfileFactory(user__email="owner@sme.example").user
    ties.add_account(**claims_of("mallory", email="owner@sme.example"))
    response = come_back(client, ties, "mallory")
    assert "_auth_user_id" not in client.session
    if response.status_code == 302 and response["Location"] == reverse("socialaccount_signup"):
        response = client.post(
            reverse("socialaccount_signup"),
            {"email": "owner@sme.example", "given_name": "M", "family_name": "X", "privacy_consent": "on"},
        )
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.filter(user=owner).exists()


# --- (c) PKCE --------------------------------------------------------------------------------


def test_the_authorization_request_carries_a_pkce_challenge(client, ties):
    query = parse_qs(urlsplit(start_at_provider(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]


# --- (f) names from the provider's claims ----------------------------------------------------


def test_the_sign_up_form_is_prefilled_with_the_names_the_provider_gives(client, ties):
    ties.add_account(**claims_of("li", given_name="Li", family_name="Wei", email="li.wei@itu-account.example"))
    response = come_back(client, ties, "li")
    assert response["Location"] == reverse("socialaccount_signup")
    content = client.get(reverse("socialaccount_signup")).content.decode()
    assert re.search(r'name="given_name"[^>]*value="Li"', content)
    assert re.search(r'name="family_name"[^>]*value="Wei"', content)
    assert re.search(r'name="email"[^>]*value="li.wei@itu-account.example"', content)


# --- (b) the provider down or not answering --------------------------------------------------


def assert_unavailable_page(response):
    assert response.status_code == 503
    content = response.content.decode()
    assert "The ITU account sign-in is not available at the moment" in content
    assert f'href="{reverse("account_login")}"' in content  # sign in with the email address instead
    assert f'href="{reverse("account_request_login_code")}"' in content


@pytest.fixture
def provider_at(settings):
    def point_at(server_url):
        settings.SOCIALACCOUNT_PROVIDERS = ties_providers(server_url)
        settings.TIES_ENABLED = True

    return point_at


def test_the_provider_down_gets_a_page_saying_so_not_an_error(client, provider_at, closed_port):
    provider_at(closed_port)
    assert_unavailable_page(client.post(LOGIN_URL, {"process": "login"}))


def test_the_provider_not_answering_gets_the_page_after_a_short_wait(client, settings, provider_at, hanging_server):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
    provider_at(hanging_server)
    started = time.monotonic()
    response = client.post(LOGIN_URL, {"process": "login"})
    assert time.monotonic() - started < 5
    assert_unavailable_page(response)


def test_the_provider_calls_have_a_short_timeout():
    from django.conf import settings

    assert 0 < settings.SOCIALACCOUNT_REQUESTS_TIMEOUT <= 5


def test_the_unavailable_page_is_translated(client, provider_at, closed_port):
    provider_at(closed_port)
    response = client.post(LOGIN_URL, {"process": "login"}, headers={"accept-language": "fr"})
    assert response.status_code == 503
    assert '<html lang="fr"' in response.content.decode()


@pytest.mark.parametrize("failure", ["closed_port", "hanging_server"])
def test_the_provider_failing_before_the_callback_gets_the_page(client, settings, ties, provider_at, failure, request):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
    ties.add_account(**claims_of("samir"))
    callback = ties.authorize(start_at_provider(client), "samir")
    provider_at(request.getfixturevalue(failure))
    assert_unavailable_page(client.get(site_path(callback)))
    assert "_auth_user_id" not in client.session


# --- (a) an address nobody verified belongs to nobody ----------------------------------------

VICTIM = "amina.owner@sme.example"


def sign_up_by_email(client, email, given_name="Amina"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "given_name": given_name,
            "family_name": "Owner",
            "privacy_consent": "on",
        },
    )


def templates_to(address):
    return list(OutgoingMessage.objects.filter(to=address).order_by("pk").values_list("template", flat=True))


def links_in(bodies):
    return [link for body in bodies for link in re.findall(r"https?://[^\s\"<]+", body)]


def confirm_by_link(client, email):
    link = next(link for link in links_in(emails_to(email)) if "/accounts/confirm-email/" in link)
    return client.post(site_path(link))


@pytest.fixture
def squatter_with_ties(ties):
    """Mallory signs up with her ITU account, typing Amina's address on the sign-up form."""
    from django.test import Client

    mallory = Client()
    claims = claims_of("mallory-sq", given_name="Mallory", family_name="Squat")
    sign_up_with_ties(mallory, ties, claims, email=VICTIM)
    account = SocialAccount.objects.get(uid="mallory-sq").user
    assert not EmailAddress.objects.get(user=account, email=VICTIM).verified
    # Not silent: the address's owner is asked to confirm it, and may ignore it.
    assert templates_to(VICTIM) == ["account/email/email_confirmation"]
    mail.outbox.clear()
    OutgoingMessage.objects.all().delete()
    return account


def test_an_address_typed_on_the_ties_form_does_not_keep_its_owner_from_signing_up(client, squatter_with_ties):
    response = sign_up_by_email(client, VICTIM)
    assert response.status_code == 302
    bodies = emails_to(VICTIM)
    assert not [body for body in bodies if "/accounts/password/reset/" in body]  # no way into Mallory's account
    confirm_by_link(client, VICTIM)
    amina = User.objects.get(pk=client.session["_auth_user_id"])
    assert amina != squatter_with_ties
    assert EmailAddress.objects.get(user=amina, email=VICTIM).verified
    # Mallory's account no longer claims the address its owner proved.
    assert not EmailAddress.objects.filter(user=squatter_with_ties, email__iexact=VICTIM).exists()
    squatter_with_ties.refresh_from_db()
    assert squatter_with_ties.email.lower() != VICTIM


def test_no_password_reset_reaches_an_address_for_an_account_that_never_verified_it(client, squatter_with_ties):
    client.post(reverse("account_reset_password"), {"email": VICTIM})
    # Told there is no account for it (enumeration prevention), nothing more.
    assert templates_to(VICTIM) == ["account/email/unknown_account"]


def test_no_sign_in_code_reaches_an_address_for_an_account_that_never_verified_it(client, squatter_with_ties):
    client.post(reverse("account_request_login_code"), {"email": VICTIM})
    assert templates_to(VICTIM) == ["account/email/unknown_account"]


def test_an_address_added_on_the_email_page_does_not_keep_its_owner_from_signing_up(client):
    from django.test import Client

    mallory = ParticipantProfileFactory().user
    other = Client()
    other.force_login(mallory)
    other.post(reverse("account_email"), {"action_add": "", "email": VICTIM})
    assert EmailAddress.objects.filter(user=mallory, email=VICTIM, verified=False).exists()
    mail.outbox.clear()
    OutgoingMessage.objects.all().delete()
    cache.clear()  # later: allauth sends one confirmation per address every three minutes

    assert sign_up_by_email(client, VICTIM).status_code == 302
    assert not [body for body in emails_to(VICTIM) if "/accounts/password/reset/" in body]
    confirm_by_link(client, VICTIM)
    amina = User.objects.get(pk=client.session["_auth_user_id"])
    assert amina != mallory
    assert not EmailAddress.objects.filter(user=mallory, email__iexact=VICTIM).exists()


def test_a_verified_address_still_keeps_a_second_sign_up_out(client):
    owner = ParticipantProfileFactory(user__email=VICTIM).user
    sign_up_by_email(client, VICTIM, given_name="Eve")
    assert list(User.objects.filter(email__iexact=VICTIM)) == [owner]
    assert any("already have an account" in body for body in emails_to(VICTIM))


# --- (d) an existing account links its ITU account -------------------------------------------


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_the_profile_page_leads_to_linking_the_itu_account(client, ties):
    person = ParticipantProfileFactory()
    client.force_login(person.user)
    content = client.get(reverse("registration:profile")).content.decode()
    assert f'href="{reverse("socialaccount_connections")}"' in content
    connections = client.get(reverse("socialaccount_connections"))
    assert connections.status_code == 200
    page = connections.content.decode()
    assert "ITU account (TIES)" in page
    assert LOGIN_URL in page and 'name="process" value="connect"' in page


def test_the_profile_page_does_not_offer_the_itu_account_when_it_is_off(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    settings.TIES_ENABLED = False
    client.force_login(ParticipantProfileFactory().user)
    content = client.get(reverse("registration:profile")).content.decode()
    assert f'href="{reverse("socialaccount_connections")}"' not in content


def test_an_existing_account_links_its_itu_account_and_is_told_so(client, ties):
    person = ParticipantProfileFactory(user__email="kofi@sme.example")
    client.force_login(person.user)
    ties.add_account(**claims_of("kofi-ties", email="kofi.mensah@itu-account.example", given_name="Kofi"))
    mail.outbox.clear()
    OutgoingMessage.objects.all().delete()

    response = come_back(client, ties, "kofi-ties", process="connect")
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_connections")
    page = client.get(response["Location"])
    told = " ".join(messages_of(page))
    assert "Your ITU account is now linked" in told
    assert "onfirmation" not in told  # no confirmation email was sent, none is announced
    assert SocialAccount.objects.get(uid="kofi-ties").user == person.user
    assert templates_to("kofi@sme.example") + templates_to("kofi.mensah@itu-account.example") == []

    # From now on the ITU account signs in to this account.
    client.post(reverse("account_logout"))
    come_back(client, ties, "kofi-ties")
    assert client.session["_auth_user_id"] == str(person.user.pk)


def test_an_itu_account_linked_elsewhere_is_not_moved_and_the_person_is_told(client, ties):
    from django.test import Client

    sign_up_with_ties(Client(), ties, claims_of("shared-ties"))
    person = ParticipantProfileFactory()
    client.force_login(person.user)
    response = come_back(client, ties, "shared-ties", process="connect")
    page = client.get(response["Location"])
    assert "already linked to another account" in " ".join(messages_of(page))
    assert SocialAccount.objects.get(uid="shared-ties").user != person.user


def test_signing_in_with_an_itu_account_of_an_existing_address_says_to_sign_in_and_link(client, ties):
    person = ParticipantProfileFactory(user__email="kwame@sme.example")
    ties.add_account(**claims_of("kwame-ties", email="kwame@sme.example"))
    response = come_back(client, ties, "kwame-ties")
    assert response.status_code == 200
    content = response.content.decode()
    assert "You already have an account" in content
    assert "link your ITU account from your profile" in content
    assert f'href="{reverse("account_request_login_code")}"' in content
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.filter(uid="kwame-ties").exists()
    assert not SocialAccount.objects.filter(user=person.user).exists()


def test_a_linked_itu_account_is_unlinked_from_the_same_page(client, ties):
    person = ParticipantProfileFactory()
    client.force_login(person.user)
    ties.add_account(**claims_of("unlink-me"))
    come_back(client, ties, "unlink-me", process="connect")
    account = SocialAccount.objects.get(uid="unlink-me")
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert f'value="{account.pk}"' in page
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk}, follow=True)
    assert "Your ITU account is no longer linked" in " ".join(messages_of(response))
    assert not SocialAccount.objects.filter(pk=account.pk).exists()


# --- (e) signing out ends the provider's session too -----------------------------------------


def needs_login_at_provider(client, provider):
    """Whether pressing "ITU account" again asks the person to sign in at the provider."""
    url = start_at_provider(client)
    for _step in range(6):
        response = provider.browser.get(url, allow_redirects=False, timeout=5)
        if not response.is_redirect:
            return 'name="login"' in response.text
        url = urljoin(url, response.headers["Location"])
        if url.startswith("https://testserver"):
            return False
    pytest.fail("the provider kept redirecting")


def test_signing_out_ends_the_session_at_the_provider(client, ties):
    claims = claims_of("leila", given_name="Leila")
    sign_up_with_ties(client, ties, claims)
    assert ties.signed_in()

    response = client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{ties.issuer}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["https://testserver/"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token the provider issued

    assert ties.end_session(end_session) == "https://testserver/"
    assert needs_login_at_provider(client, ties)


def test_still_signed_in_at_the_provider_without_signing_out(client, ties):
    sign_up_with_ties(client, ties, claims_of("yusuf"))
    client.session.flush()  # our session ended some other way (expired): the provider's is still there
    assert not needs_login_at_provider(client, ties)


def test_signing_out_of_an_email_account_stays_on_the_site(client):
    client.force_login(ParticipantProfileFactory().user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- (g) what to register with the provider is documented ------------------------------------


def test_the_readme_says_what_to_register_with_the_provider_and_every_setting():
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "/accounts/oidc/ties/login/callback/" in readme  # the redirect URI
    assert "post_logout_redirect_uri" in readme
    assert "PKCE" in readme
    settings_source = (Path(settings.BASE_DIR) / "smepilot" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\("(TIES_OIDC_\w+)"', settings_source))
    assert names >= {"TIES_OIDC_SERVER_URL", "TIES_OIDC_CLIENT_ID", "TIES_OIDC_CLIENT_SECRET", "TIES_OIDC_TIMEOUT"}
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []


def test_the_owner_signing_up_with_the_itu_account_takes_the_address_from_an_unverified_claim(client, ties):
    from django.test import Client

    sign_up_by_email(Client(), "farah@sme.example", given_name="Eve")
    squatter = User.objects.get(email="farah@sme.example")
    claims = claims_of("farah-ties", email="farah@sme.example", given_name="Farah")
    response = sign_up_with_ties(client, ties, claims)
    assert response.status_code == 302
    farah = User.objects.get(pk=client.session["_auth_user_id"])
    assert farah != squatter
    assert EmailAddress.objects.get(user=farah, email="farah@sme.example").verified
    assert not EmailAddress.objects.filter(user=squatter, email__iexact="farah@sme.example").exists()


def test_the_token_endpoint_failing_gets_the_page_too(client, settings, ties, closed_port):
    """Discovery answers, the code exchange does not: inside allauth's own error handling."""
    ties.add_account(**claims_of("tariq"))
    callback = ties.authorize(start_at_provider(client), "tariq")
    providers = ties_providers(ties.issuer)
    providers["openid_connect"]["APPS"][0]["settings"]["openid_configuration_overrides"] = {
        "token_endpoint": f"{closed_port}/token"
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers
    assert_unavailable_page(client.get(site_path(callback)))
    assert "_auth_user_id" not in client.session
