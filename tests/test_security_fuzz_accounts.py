"""Property-based, the account and language forms: sign-up, sign-in, sign-in by code, password reset,
adding an email address, choosing the SME and the language answer any post without a server error,
and a refused post stores nothing (see tests/test_security_fuzz.py for the strategies)."""

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import example, given
from hypothesis import strategies as st

from tests.factories import SMEFactory
from tests.test_security_fuzz import HYPOTHESIS, check, form_data
from tests.test_templates_a11y_i18n import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-7391"
EMAILS = st.one_of(
    st.sampled_from(
        [
            "new.person@example.org",
            "NEW.PERSON@EXAMPLE.ORG",
            "ahmed@مثال.مصر",
            "kofi@xn--mgbh0fb.xn--wgbh1c",
            "a" * 300 + "@example.org",
            "x@example.org\r\nBcc: y@example.org",
            "\u202ex@example.org",
            "x@[127.0.0.1]",
            "@example.org",
            "x@",
        ]
    ),
    st.emails().map(str),
)


def test_sign_up(client):
    url = reverse("account_signup")

    @HYPOTHESIS
    @given(
        form_data(
            email="new.person@example.org",
            password1=PASSWORD,
            password2=PASSWORD,
            given_name="Kofi",
            family_name="Mensah",
            privacy_consent="on",
        ),
        EMAILS,
    )
    @example(
        {"given_name": "Kofi\r\nBcc: x@example.org", "family_name": "\u202eMensah", "privacy_consent": "on"},
        "kofi@example.org",
    )
    def run(data, email):
        client.logout()
        check(client, url, {**data, "email": data.get("email", email)})

    run()


def test_sign_in(client, world):  # noqa: F811
    url = reverse("account_login")
    known = world["participant"].user.email

    @HYPOTHESIS
    @given(form_data(login=known, password="wrong-password", remember="on"))
    def run(data):
        client.logout()
        check(client, url, data, may_store=False)

    run()


def test_sign_in_by_emailed_code(client, world):  # noqa: F811
    url = reverse("account_request_login_code")

    @HYPOTHESIS
    @given(EMAILS.flatmap(lambda email: form_data(email=email)))
    def run(data):
        client.logout()
        check(client, url, data)

    run()


def test_password_reset(client, world):  # noqa: F811
    url = reverse("account_reset_password")

    @HYPOTHESIS
    @given(EMAILS.flatmap(lambda email: form_data(email=email)))
    @example({"email": world["participant"].user.email.upper()})
    def run(data):
        check(client, url, data)

    run()


def test_adding_an_email_address(client, world):  # noqa: F811
    client.force_login(world["participant"].user)
    url = reverse("account_email")

    @HYPOTHESIS
    @given(EMAILS.flatmap(lambda email: form_data(email=email, action_add="")))
    def run(data):
        check(client, url, data)

    run()


def test_choosing_the_sme(client, world):  # noqa: F811
    participant = world["participant"]
    client.force_login(participant.user)
    url = reverse("registration:profile_sme")
    other_country = SMEFactory()

    @HYPOTHESIS
    @given(
        form_data(sme=str(participant.sme_id)),
        st.sampled_from([str(participant.sme_id), str(other_country.pk), "²", "-1", "99999999999999999999"]),
    )
    def run(data, sme):
        check(client, url, {**data, "sme": data.get("sme", sme)})

    run()


def test_choosing_the_language(client, world):  # noqa: F811
    url = reverse("set_language")

    @HYPOTHESIS
    @given(form_data(language="fr", next="/meetings/"))
    @example({"language": "ar", "next": "https://attacker.example/"})
    def run(data):
        response = client.post(url, data)
        assert response.status_code < 500, data
        if response.status_code == 302:
            assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"}), "never sent off the site"

    run()
