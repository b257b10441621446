"""The validation link opened by the wrong person, or by nobody yet: each is told what the link is for
and what to do, never sent round to a page that refuses them.

- Signed out: the sign-in page says the link is a validation request for the Administration of its
  country (read from the signed link only when its signature holds, and nothing beyond the
  country), to sign in with the address the email was sent to or by a code sent to it, and gives
  no sign-up advice. Any other next, forged or expired, leaves the generic page.
- Signed in, not a focal point at all (an SME representative of that very country): 403, told that
  the link is for the focal points and who they are signed in as, offered to sign out, and linked
  to their own pages. A focal point of another Administration: 403 "another Administration", with
  their own pending list.
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import translation

from focalpoints import links
from tests.factories import FocalPointFactory, ParticipantProfileFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

SIGN_UP_ADVICE = "please sign up first"


def link_path(registration, focal_point, administration_id=None):
    token = links.link_token_make(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=administration_id or focal_point.administration_id,
    )
    return reverse("focalpoints:link", kwargs={"token": token})


def country_of(focal_point) -> str:
    """The country's name as the pages show it (in English, whatever an earlier test left active)."""
    with translation.override("en"):
        return str(focal_point.administration)


def text_of(response) -> str:
    """The page's text, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


class Hrefs(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.hrefs = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith(("mailto:", "#")):
            self.hrefs.append(href)


def main_links(response) -> list[str]:
    """The links of the page's own content (between <main> and </main>), not the navigation's."""
    html = response.content.decode()
    return Hrefs(html[html.index("<main") : html.index("</main>")]).hrefs


# --- Signed out: the sign-in page says what the link is for --------------------------------------


def test_the_link_sends_a_signed_out_focal_point_to_a_sign_in_page_that_says_what_it_is_for(
    client, registration, focal_point
):
    path = link_path(registration, focal_point)
    country = country_of(focal_point)

    login = client.get(path, follow=True)

    assert login.status_code == 200
    assert login.redirect_chain[-1][0] == f"{reverse('account_login')}?next={quote(path)}"
    text = text_of(login)
    assert f"a validation request for the Administration of {country}" in text
    assert "Sign in with the email address the validation email was sent to" in text
    assert SIGN_UP_ADVICE not in text
    # The code is offered, and brings them back to the link.
    assert f"{reverse('account_request_login_code')}?{urlencode({'next': path})}" in login.content.decode()
    # Nothing of the request itself: not the registrant, not the SME, not the meeting.
    for secret in ("Kofi Mensah", registration.sme.name, registration.meeting.title):
        assert secret not in login.content.decode()


def test_the_sign_in_code_page_and_a_failed_password_keep_saying_it(client, registration, focal_point):
    path = link_path(registration, focal_point)
    country = country_of(focal_point)

    code_page = client.get(reverse("account_request_login_code"), {"next": path})
    failed = client.post(
        f"{reverse('account_login')}?next={quote(path)}", {"login": "x@example.org", "password": "no"}
    )

    for response in (code_page, failed):
        assert response.status_code == 200
        text = text_of(response)
        assert f"a validation request for the Administration of {country}" in text
        assert "the email address the validation email was sent to" in text
        assert SIGN_UP_ADVICE not in text


@pytest.mark.parametrize(
    "next_url",
    [
        "/registrations/",
        "/validation/not-a-token/",
        "forged",
        "expired",
        "other-salt",
        "elsewhere",
    ],
)
def test_any_other_next_keeps_the_generic_sign_in_page(client, registration, focal_point, settings, next_url):
    path = link_path(registration, focal_point)
    token = path.split("/")[2]
    if next_url == "forged":
        value, _sep, signature = token.rpartition(":")
        next_url = reverse("focalpoints:link", kwargs={"token": f"{value}x:{signature}"})
    elif next_url == "expired":
        settings.VALIDATION_LINK_MAX_AGE_DAYS = 0
        next_url = path
    elif next_url == "other-salt":
        forged = signing.dumps({"r": [registration.pk], "f": focal_point.pk, "a": focal_point.administration_id})
        next_url = reverse("focalpoints:link", kwargs={"token": forged})
    elif next_url == "elsewhere":
        next_url = f"https://phishing.example{path}"

    response = client.get(reverse("account_login"), {"next": next_url})

    assert response.status_code == 200
    text = text_of(response)
    assert "validation request" not in text
    assert country_of(focal_point) not in text
    assert SIGN_UP_ADVICE in text


# --- Signed in as someone who is not a focal point --------------------------------------------------


def test_an_sme_representative_of_that_country_is_told_the_link_is_for_focal_points(client, registration, focal_point):
    representative = ParticipantProfileFactory(
        sme__administration=focal_point.administration,
        given_name="Wanjiru",
        family_name="Kamau",
        user__username="wanjiru.kamau7",
    )
    client.force_login(representative.user)
    path = link_path(registration, focal_point)

    response = client.get(path)

    assert response.status_code == 403
    text = text_of(response)
    assert "another Administration" not in text
    assert f"This link is for the focal points of the Administration of {country_of(focal_point)}" in text
    assert "You are signed in as Wanjiru Kamau, who is not a focal point" in text
    assert "sign in with the email address the validation email was sent to" in text
    assert "wanjiru.kamau7" not in text
    assert "Kofi Mensah" not in text
    hrefs = main_links(response)
    assert reverse("registration:list") in hrefs
    assert reverse("focalpoints:pending") not in response.content.decode()
    # A sign-out button that comes back to the link, then to the sign-in page that explains it.
    html = response.content.decode()
    assert f'action="{reverse("account_logout")}"' in html
    assert f'name="next" value="{path}"' in html
    signed_out = client.post(reverse("account_logout"), {"next": path})
    assert signed_out.status_code == 302 and signed_out["Location"] == path
    assert client.get(path)["Location"] == f"{reverse('account_login')}?next={quote(path)}"


def test_no_link_on_the_refusal_leads_to_another_refusal(client, registration, focal_point):
    someone = ParticipantProfileFactory(sme__administration=focal_point.administration)
    client.force_login(someone.user)
    response = client.get(link_path(registration, focal_point))
    assert response.status_code == 403
    hrefs = main_links(response)
    assert hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_an_account_without_a_profile_is_named_by_its_email(client, registration, focal_point):
    user = UserFactory(email="nobody.yet@example.org", username="nobody.yet")
    client.force_login(user)
    response = client.get(link_path(registration, focal_point))
    assert response.status_code == 403
    text = text_of(response)
    assert "You are signed in as nobody.yet@example.org, who is not a focal point" in text
    # POST too: refused the same way, nothing decided.
    response = client.post(
        link_path(registration, focal_point), {"registration": registration.pk, "decision": "approve"}
    )
    assert response.status_code == 403
    assert "who is not a focal point" in text_of(response)


def test_a_focal_point_of_another_administration_keeps_the_other_administration_message(
    client, registration, focal_point
):
    stranger = FocalPointFactory()
    sign_in_with_second_factor(client, stranger.user)

    response = client.get(link_path(registration, focal_point))

    assert response.status_code == 403
    text = text_of(response)
    assert "This request is for another Administration" in text
    assert "who is not a focal point" not in text
    hrefs = main_links(response)
    assert reverse("focalpoints:pending") in hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_focal_point_pages_refusing_a_non_focal_point_link_to_their_own_pages(client):
    client.force_login(ParticipantProfileFactory().user)
    for name in ("focalpoints:pending", "focalpoints:smes"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        hrefs = main_links(response)
        assert reverse("focalpoints:pending") not in hrefs
        assert reverse("registration:list") in hrefs
        for href in hrefs:
            assert client.get(href).status_code == 200, href


def test_problem_pages_of_the_link_never_offer_the_pending_list_to_a_non_focal_point(
    client, registration, focal_point, settings
):
    sign_in_with_second_factor(client, ParticipantProfileFactory(sme__administration=focal_point.administration).user)
    settings.VALIDATION_LINK_MAX_AGE_DAYS = 0  # expired: 410 for anyone
    response = client.get(link_path(registration, focal_point))
    assert response.status_code == 410
    assert reverse("focalpoints:pending") not in main_links(response)
    assert urlsplit(main_links(response)[0]).path == reverse("registration:list")
