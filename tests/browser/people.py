"""What people do on the site, step by step, as the browser tests need it."""

import re

from playwright.sync_api import expect


def sign_in(page, site, email: str, password: str, *, next_path: str = "/"):
    """Sign in on allauth's page, whatever the page's language (fields found by their names); an
    account with an authenticator app then gives the app's code (second_factor_pass)."""
    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.locator("main input[name=login]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main input[name=password]").press("Enter")
    page.wait_for_load_state()
    if AUTHENTICATE_PATH in page.url:
        second_factor_pass(page, site, email)
    expect(page.locator("form[action$='/accounts/logout/'] button")).to_be_visible()


# --- Two-factor authentication: the app's codes, computed from its secret as a phone would -----------

AUTHENTICATE_PATH = "/accounts/2fa/authenticate/"
SECOND_FACTOR_PATH = "/accounts/second-factor/"
_SECRETS = {}  # (site, email): the secret the set-up page showed
_USED = set()  # (site, email, counter): the site accepts each code once


def _secret_of(site, email: str) -> str:
    """The app's secret: as the set-up page showed it in this test run, else from the site's database."""
    if (site.url, email) not in _SECRETS:
        _SECRETS[site.url, email] = _shell(
            site,
            "from allauth.mfa.models import Authenticator\n"
            f"a = Authenticator.objects.get(user__email={email!r}, type='totp')\n"
            "from allauth.mfa.utils import decrypt\nprint(decrypt(a.data['secret']))",
        )
    return _SECRETS[site.url, email]


def app_code(site, email: str) -> str:
    """A code the authenticator app shows now (or in the 30 seconds around now) that was not used yet."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = _secret_of(site, email)
    while True:
        counter = int(time.time()) // 30
        for step in (0, 1, -1):  # the site accepts the codes of the periods either side too
            if (site.url, email, counter + step) not in _USED:
                _USED.add((site.url, email, counter + step))
                return format_hotp_value(hotp_value(secret, counter + step))
        time.sleep(5)


def second_factor_pass(page, site, email: str):
    """Whatever the site asks for on this page: the app's code, or setting the app up (the first time:
    the secret read from the page as text, the code computed from it, the way back taken after the
    recovery codes). Ends on the page the person was going to."""
    set_up = page.locator("main a[href$='/accounts/2fa/totp/activate/']")
    if SECOND_FACTOR_PATH in page.url and set_up.count():
        set_up.first.click()
        secret = page.locator("#authenticator-secret").inner_text().strip()
        _SECRETS[site.url, email] = secret
        page.locator("main input[name=code]").fill(app_code(site, email))
        page.locator("main form button[type=submit]").first.click()
        expect(page).to_have_url(re.compile("/accounts/2fa/recovery-codes/"))
        page.locator("#second-factor-continue").click()
        return
    page.locator("main input[name=code]").fill(app_code(site, email))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def second_factor_pass_before(page, site, email: str, next_path: str):
    """Open the second-factor page for ``next_path`` and pass it (set up the app, or give its code)."""
    page.goto(f"{site.url}{SECOND_FACTOR_PATH}?next={next_path}")
    if SECOND_FACTOR_PATH in page.url:
        second_factor_pass(page, site, email)


def _shell(site, code: str) -> str:
    """Run Python in the site's own settings and database; its last printed line."""
    return site.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1]


_REQUESTS_OF_FOCAL_POINT = (
    "from focalpoints.models import FocalPoint\n"
    "from registration.models import Registration\n"
    "fp = FocalPoint.objects.filter(user__email={email!r}).first()\n"
    # Whatever other tests decided meanwhile, the Administration always has requests to show.
    "ids = list(Registration.objects.filter(sme__administration_id=fp.administration_id)"
    ".order_by('pk').values_list('pk', flat=True)[:2])\n"
)


def validation_link_of(site, email: str) -> str:
    """A fresh validation link for two requests of the Administration of the focal point with this address."""
    return _shell(
        site,
        _REQUESTS_OF_FOCAL_POINT.format(email=email) + "from focalpoints.links import link_url\n"
        "print(link_url(registration_ids=ids, focal_point_id=fp.pk, administration_id=fp.administration_id))",
    )


def request_page_of(site, email: str) -> str:
    """The focal-point page of one request of the Administration of the focal point with this address."""
    return _shell(
        site,
        _REQUESTS_OF_FOCAL_POINT.format(email=email) + "from django.urls import reverse\n"
        "print(reverse('focalpoints:registration', args=[ids[0]]))",
    )


class Words:
    """The site's words in one language, from the same catalogues the site uses (for locators).

    ``words("Approve")`` is the button's text in that language; ``words.start("You approved this
    registration at %(when)s.")`` is the sentence up to its first placeholder.
    """

    def __init__(self, language: str):
        self.language = language

    def __call__(self, message: str, context: str | None = None) -> str:
        from django.utils import translation

        with translation.override(self.language):
            return translation.pgettext(context, message) if context else translation.gettext(message)

    def start(self, message: str) -> str:
        return self(message).split("%(")[0].strip()

    def country(self, code: str) -> str:
        from django.utils import translation
        from django_countries import countries

        with translation.override(self.language):
            return str(countries.name(code))


def meeting_titles(site, language: str) -> dict[str, str]:
    """The demo meetings' titles in that language, by a part of their English title."""
    import json

    output = _shell(
        site,
        "import json\nfrom django.utils import translation\nfrom meetings.models import Meeting\n"
        "english = {m.pk: m.title for m in Meeting.objects.all()}\n"
        f"translation.activate({language!r})\n"
        "print(json.dumps({english[m.pk]: m.title for m in Meeting.objects.all()}))",
    )
    return json.loads(output)


def assert_no_english(page, where: str):
    """No sentence of the site's English source shows on a page in another language (its <html lang>).

    Sentences only (two words or more, ten characters or more) that the catalogue translates
    differently: names, codes and data people typed are not the catalogue's.
    """
    language = page.locator("html").get_attribute("lang") or "en"
    if language == "en":
        return
    text = page.locator("body").inner_text()
    leaks = [source for source in _english_sentences(language) if source in text]
    assert not leaks, f"{where}: English on the {language} page: {leaks[:5]}"


_SENTENCES = {}


def _english_sentences(language: str) -> list[str]:
    if language not in _SENTENCES:
        from pathlib import Path

        from babel.messages.pofile import read_po

        directory = {"zh-hans": "zh_Hans"}.get(language, language)
        path = Path(__file__).resolve().parents[2] / "locale" / directory / "LC_MESSAGES" / "django.po"
        with path.open("rb") as file:
            catalog = read_po(file)
        sentences = []
        for message in catalog:
            for source in [message.id] if isinstance(message.id, str) else list(message.id):
                for piece in source.split("%("):
                    piece = piece.split(")s", 1)[-1].split(")d", 1)[-1].strip(" .,:;—-")
                    if len(piece) >= 10 and " " in piece and "<" not in piece and piece not in str(message.string):
                        sentences.append(piece)
        _SENTENCES[language] = sorted(set(sentences), key=len, reverse=True)
    return _SENTENCES[language]
