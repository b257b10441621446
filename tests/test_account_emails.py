"""People are named by their own name, never by the username allauth made up from their address, and
allauth's emails are ours: our words, marked for translation, naming and linking the site at SITE_URL.

Nobody chooses a username here; allauth fills one in ("amina.newuser"). The sign-in message, the
address confirmation page and every email allauth sends name the person by the given and family name
of their profile, else by their email. The emails' links and the site they name are SITE_URL's, not
the request's host nor the Site row (which may still say example.com, or an old address).
"""

import re
from html import unescape
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.conf import settings
from django.contrib.sites.models import Site
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from smepilot.accounts import user_display
from smepilot.outbox.models import OutgoingMessage
from tests.factories import FocalPointFactory, ParticipantProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
OURS = BASE_DIR / "templates" / "account" / "email"
ALLAUTHS = Path(allauth.__file__).parent / "templates" / "account" / "email"
# Every email allauth can send, by its template prefix (base_message.txt is a layout, not an email).
EMAILS = sorted(
    path.name.removesuffix("_message.txt")
    for path in ALLAUTHS.glob("*_message.txt")
    if path.name != "base_message.txt"
)
SITE_URL = "https://registration.example.org"
USERNAME = "amina.newuser"
PASSWORD = "a-long-pass-phrase-for-the-pilot"


@pytest.fixture
def amina():
    return ParticipantProfileFactory(
        user__username=USERNAME, user__email="amina@sme.example", given_name="Amina", family_name="Newuser"
    ).user


@pytest.fixture
def real_address(settings):
    """SITE_URL says where the site is; the Site row still says example.com, as a fresh install's does."""
    settings.SITE_URL = SITE_URL
    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com", name="example.com")
    Site.objects.clear_cache()


# --- The person's name ------------------------------------------------------------------------------


def test_a_person_is_named_by_their_profile_else_their_account_else_their_email(amina):
    assert user_display(amina) == "Amina Newuser"
    assert user_display(UserFactory(username="x.y", email="x.y@example.org")) == "x.y@example.org"
    assert user_display(UserFactory(username="o", first_name="Otieno", last_name="Were")) == "Otieno Were"
    focal_point = FocalPointFactory(name="Fatou Ndiaye", user__username="fatou.ndiaye")
    assert user_display(focal_point.user) == "Fatou Ndiaye"


def test_signing_in_says_signed_in_as_the_persons_name(client, amina):
    amina.set_password(PASSWORD)
    amina.save()

    response = client.post(reverse("account_login"), {"login": "amina@sme.example", "password": PASSWORD}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any("Amina Newuser" in message for message in messages), messages
    assert USERNAME not in response.content.decode()


def test_signing_in_without_a_profile_names_the_email(client):
    UserFactory(username="bob.lee", email="bob.lee@example.org", password=PASSWORD)
    response = client.post(
        reverse("account_login"), {"login": "bob.lee@example.org", "password": PASSWORD}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("bob.lee@example.org" in message for message in messages), messages
    assert "bob.lee." not in " ".join(messages).replace("bob.lee@", "")


def test_the_address_confirmation_page_names_the_person_not_a_username(client, real_address):
    client.post(
        reverse("account_signup"),
        {
            "email": "wanjiru@sme.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "given_name": "Wanjiru",
            "family_name": "Kamau",
            "privacy_consent": "on",
        },
    )
    client.logout()
    message = OutgoingMessage.objects.get(to="wanjiru@sme.example", template="account/email/email_confirmation_signup")
    url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body_text).group(0)
    assert url.startswith(f"{SITE_URL}/accounts/confirm-email/")
    username = message.to.split("@")[0]  # what allauth makes up from the address

    page = client.get(url.removeprefix(SITE_URL))

    assert page.status_code == 200
    assert "Wanjiru Kamau" in page.content.decode()
    for part in (message.subject, message.body_text, message.body_html, page.content.decode()):
        assert f"user {username}" not in part


# --- allauth's emails, ours -------------------------------------------------------------------------


def test_every_email_allauth_sends_is_ours_subject_text_and_html():
    assert len(EMAILS) >= 12, EMAILS  # the glob still finds allauth's emails
    for name in EMAILS:
        for suffix in ("_subject.txt", "_message.txt", "_message.html"):
            assert (OURS / f"{name}{suffix}").exists(), f"{name}{suffix}"


def _context(user):
    """What allauth passes, each link built as allauth builds it: from the request's host."""
    now = timezone.now()
    return {
        "user": user,
        "username": USERNAME,
        "email": user.email,
        "code": "QX7H-2KPM",
        "key": "confirmation-key",
        "activate_url": "http://testserver/accounts/confirm-email/confirmation-key/",
        "password_reset_url": "http://testserver/accounts/password/reset/key/1-set-password/",
        "signup_url": "http://testserver/accounts/signup/",
        "from_email": "old@sme.example",
        "to_email": "amina@sme.example",
        "deleted_email": "old@sme.example",
        "ip": "192.0.2.7",
        "user_agent": "Firefox",
        "timestamp": now,
        "reauthentication": False,
    }


@pytest.mark.parametrize("name", EMAILS)
def test_each_email_names_the_person_and_the_real_site_never_a_username(name, amina, real_address):
    request = RequestFactory().get("/accounts/login/")
    context = _context(amina)
    if name.startswith("email_confirmation"):
        del context["code"]  # confirmed by a link (ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED is off)
    with request_context(request):
        get_adapter(request).send_mail(f"account/email/{name}", amina.email, context)

    message = OutgoingMessage.objects.get(template=f"account/email/{name}")
    parts = {"subject": message.subject, "text": message.body_text, "html": message.body_html}
    for part, content in parts.items():
        assert content.strip(), (name, part)
        assert USERNAME not in content, (name, part)
        assert "example.com" not in content, (name, part)
        assert "testserver" not in content, (name, part)
        assert "Hello from" not in content and "Thank you for using" not in content, (name, part)
    for part in ("text", "html"):
        assert SITE_URL in parts[part], (name, part)
        assert "ITU-D SME pilot" in parts[part], (name, part)
    # The HTML part says what the text says, word for word (links made clickable, nothing lost).
    html_text = re.sub(r"<br>|</p>", " ", re.split(r"<body[^>]*>", message.body_html)[1])
    assert " ".join(unescape(re.sub(r"<[^>]+>", "", html_text)).split()) == " ".join(message.body_text.split())
    links = re.findall(r"https?://[^\s<>\"]+", message.body_text)
    assert all(link.startswith(SITE_URL) for link in links), (name, links)
    if name not in ("unknown_account", "account_already_exists", "login_code", "password_reset_code"):
        assert "Amina Newuser" in message.body_text, name


def test_the_real_flows_link_to_site_url_from_whatever_host_the_request_came_by(client, amina, real_address):
    client.post(reverse("account_reset_password"), {"email": amina.email})
    client.post(reverse("account_request_login_code"), {"email": "stranger@sme.example"})
    client.post(reverse("account_request_login_code"), {"email": amina.email})

    reset = OutgoingMessage.objects.get(to=amina.email, template="account/email/password_reset_key")
    assert f"{SITE_URL}/accounts/password/reset/key/" in reset.body_text
    assert "Amina Newuser" in reset.body_text
    for message in OutgoingMessage.objects.filter(template__startswith="account/email/"):
        for content in (message.subject, message.body_text, message.body_html):
            assert USERNAME not in content and "testserver" not in content and "example.com" not in content
            assert SITE_URL in message.body_text


def test_the_sign_in_code_stays_alone_on_its_line(client, amina):
    client.post(reverse("account_request_login_code"), {"email": amina.email})
    message = OutgoingMessage.objects.get(to=amina.email, template="account/email/login_code")
    assert re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body_text, re.MULTILINE)


def _untranslated(source: str) -> str:
    """What is left of a template once translated text, comments, tags and variables are taken out."""
    source = re.sub(r"{% comment %}.*?{% endcomment %}", "", source, flags=re.S)
    source = re.sub(r"{% blocktranslate.*?%}.*?{% endblocktranslate %}", "", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"<[^>]+>|&\w+;", "", source)
    return source


@pytest.mark.parametrize(
    "path",
    sorted([*OURS.glob("*.txt"), *OURS.glob("*.html"), *(BASE_DIR / "templates/account/messages").glob("*.txt")]),
    ids=lambda path: path.name,
)
def test_every_word_of_our_account_templates_is_marked_for_translation(path):
    source = path.read_text()
    assert not re.search(r"[^\W\d_]", _untranslated(source)), path.name
    assert "username" not in re.sub(r"{% comment %}.*?{% endcomment %}", "", source, flags=re.S), path.name


def test_the_templates_render_without_a_request_too(amina, real_address):
    """allauth may send without a request (no context processors): the sign-off still has the address."""
    get_adapter().send_mail("account/email/password_changed", amina.email, _context(amina))
    message = OutgoingMessage.objects.get(template="account/email/password_changed")
    assert settings.SECRETARIAT_EMAIL in message.body_text
    assert SITE_URL in message.body_text
    assert loader.get_template("account/email/base_message.txt")  # ours, found first
