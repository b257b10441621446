"""Every page a visitor, an SME representative and a focal point can reach, as they meet it.

On phones of 360 and 390 CSS pixels no page scrolls sideways and every control stays on the
screen; axe-core finds no serious or critical violation. The tour must cover every page of the
site's own apps and of two-factor authentication: a new page fails the coverage test until it is
added here.
"""

import pytest
from django.urls import get_resolver, reverse
from playwright.sync_api import expect

from tests.browser.checks import assert_accessible, assert_fits_phone, axe_blocking_violations
from tests.browser.conftest import PHONES
from tests.browser.people import request_page_of, second_factor_pass_before, sign_in, validation_link_of

DEMO_PASSWORD_ROLES = {"representative": "SME representative", "focal_point": "Focal point"}


def _first_link(path: str, selector: str):
    """The address of the first link matching the CSS selector on that page (whatever its language)."""

    def reach(site, page):
        page.goto(site.url + path)
        return page.locator(selector).first.get_attribute("href")

    return reach


# (name, how to reach it, expected status). A callable reaches pages whose address comes from the data.
VISITOR_PAGES = [
    ("home", lambda site, page: reverse("home"), 200),
    ("account_login", lambda site, page: reverse("account_login"), 200),
    ("account_signup", lambda site, page: reverse("account_signup"), 200),
    ("account_reset_password", lambda site, page: reverse("account_reset_password"), 200),
    ("account_request_login_code", lambda site, page: reverse("account_request_login_code"), 200),
    ("meetings:list", lambda site, page: reverse("meetings:list"), 200),
    ("registration:privacy", lambda site, page: reverse("registration:privacy"), 200),
    ("meetings:participants", _first_link("/meetings/", "main a[href$='/participants/']"), 200),
    # What a person sees once they closed their account and were signed out.
    ("registration:account_closed", lambda site, page: reverse("registration:account_closed"), 200),
    # Signed out, a focal point's link leads to the sign-in page that says what it is for.
    ("focalpoints:link", lambda site, page: validation_link_of(site, site.account("Focal point").email), 200),
]


REPRESENTATIVE_PAGES = [
    ("home", lambda site, page: reverse("home"), 200),
    ("registration:profile", lambda site, page: reverse("registration:profile"), 200),
    ("registration:profile_sme", lambda site, page: reverse("registration:profile_sme"), 200),
    ("registration:sme_declare", lambda site, page: reverse("registration:sme_declare"), 200),
    ("registration:list", lambda site, page: reverse("registration:list"), 200),
    ("registration:new", lambda site, page: reverse("registration:new"), 200),
    ("registration:cancel", _first_link("/registrations/", "main a[href$='/cancel/']"), 200),
    # The demo representative's validated registration to attend in person offers a visa support letter.
    ("registration:visa_request", _first_link("/registrations/", "main a[href$='/visa-letter/']"), 200),
    ("registration:list_consent", _first_link("/registrations/", "main a[href$='/list-of-participants/']"), 200),
    # A meeting's list as a registered participant sees it (the demo's first meeting is theirs).
    ("meetings:participants", _first_link("/meetings/", "main a[href$='/participants/']"), 200),
    # The confirmation only: closing takes the POST with the password.
    ("registration:account_close", lambda site, page: reverse("registration:account_close"), 200),
    ("meetings:list", lambda site, page: reverse("meetings:list"), 200),
    ("account_email", lambda site, page: reverse("account_email"), 200),
    ("account_change_password", lambda site, page: reverse("account_change_password"), 200),
    ("socialaccount_connections", lambda site, page: reverse("socialaccount_connections"), 200),
    # Two-factor authentication is offered to everyone: the page that explains it and the app's set-up.
    ("mfa_index", lambda site, page: reverse("mfa_index"), 200),
    ("mfa_activate_totp", lambda site, page: reverse("mfa_activate_totp"), 200),
    ("second_factor", lambda site, page: reverse("second_factor") + "?next=/profile/", 200),
    # A representative is not a focal point: told so, with somewhere useful to go.
    ("focalpoints:pending", lambda site, page: reverse("focalpoints:pending"), 403),
    ("focalpoints:link", lambda site, page: validation_link_of(site, site.account("Focal point").email), 403),
]

FOCAL_POINT_PAGES = [
    ("focalpoints:pending", lambda site, page: reverse("focalpoints:pending"), 200),
    ("focalpoints:registration", lambda site, page: request_page_of(site, site.account("Focal point").email), 200),
    ("focalpoints:link", lambda site, page: validation_link_of(site, site.account("Focal point").email), 200),
    ("focalpoints:smes", lambda site, page: reverse("focalpoints:smes"), 200),
    ("focalpoints:sme", _first_link("/focal-point/smes/", "main a[href*='/focal-point/smes/']"), 200),
    ("focalpoints:deputies", lambda site, page: reverse("focalpoints:deputies"), 200),
    ("home", lambda site, page: reverse("home"), 200),
    # The focal point passed the second factor at sign-in (the app set up, or its code): its pages.
    ("mfa_index", lambda site, page: reverse("mfa_index"), 200),
    ("mfa_view_recovery_codes", lambda site, page: reverse("mfa_view_recovery_codes"), 200),
    ("mfa_generate_recovery_codes", lambda site, page: reverse("mfa_generate_recovery_codes"), 200),
    ("mfa_reauthenticate", lambda site, page: reverse("mfa_reauthenticate") + "?next=/focal-point/", 200),
    ("mfa_deactivate_totp", lambda site, page: reverse("mfa_deactivate_totp"), 200),
]

TOURS = {"visitor": VISITOR_PAGES, "representative": REPRESENTATIVE_PAGES, "focal_point": FOCAL_POINT_PAGES}
# Pages that only answer a POST, and what stands for them in the tour.
POST_ONLY = {"focalpoints:bulk_approve": "focalpoints:pending", "focalpoints:deputy_end": "focalpoints:deputies"}
# Two-factor authentication's pages (smepilot.second_factor and allauth.mfa's), toured like the site's own.
SECOND_FACTOR_PAGES = {
    "second_factor",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "mfa_authenticate",
}
# And those no tour opens, with where they are met instead.
NOT_TOURED = {
    "mfa_authenticate": "a step of signing in: test_journey signs in with the app's code there",
    "mfa_download_recovery_codes": "a text file to save, not a page",
}
# Addresses that answer with a file to save rather than a page, and the page that links to them.
DOWNLOADS = {
    "registration:data_download": "registration:profile",
    "registration:visa_letter_download": "registration:list",
}


def _site_page_names() -> set[str]:
    names = set()
    for namespace in ("meetings", "registration", "focalpoints"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    return names | SECOND_FACTOR_PAGES


def test_the_tours_cover_every_page_of_the_site():
    toured = {name for pages in TOURS.values() for name, _reach, _status in pages}
    missing = _site_page_names() - toured - set(POST_ONLY) - set(NOT_TOURED) - set(DOWNLOADS)
    assert not missing, f"Pages no tour visits (add them to a tour): {sorted(missing)}"


@pytest.mark.parametrize(
    ("who", "language"), [(who, "en") for who in sorted(TOURS)] + [("representative", "ar"), ("focal_point", "fr")]
)
def test_every_page_fits_phones_and_passes_axe(who, language, embedded_site, new_context, screenshots):
    """Each tour in English, and two in other languages: Arabic (right to left) and French (longer words)."""
    site = embedded_site
    context = new_context(viewport=PHONES["phone-390"], locale=language)
    page = context.new_page()
    if who in DEMO_PASSWORD_ROLES:
        account = site.account(DEMO_PASSWORD_ROLES[who])
        sign_in(page, site, account.email, account.password)
    if who == "focal_point":
        # The focal-point pages ask for the second factor first: the app set up, or its code given.
        second_factor_pass_before(page, site, account.email, "/focal-point/")
    problems = []
    for name, reach, expected_status in TOURS[who]:
        path = reach(site, page)
        url = path if path.startswith("http") else site.url + path
        response = page.goto(url)
        if response.status != expected_status:
            problems.append(f"{name}: {url} answered {response.status}, expected {expected_status}")
            continue
        direction = "rtl" if language == "ar" else "ltr"
        if (
            page.locator("html").get_attribute("lang") != language
            or page.locator("html").get_attribute("dir") != direction
        ):
            problems.append(f"{name}: not shown in {language} ({direction})")
        for phone, viewport in PHONES.items():
            page.set_viewport_size(viewport)
            try:
                assert_fits_phone(page, f"{name} on {phone}")
            except AssertionError as error:
                problems.append(str(error))
            screenshots.take(page, f"{who}-{language}-{name}-{phone}")
        problems += [f"{name}: {line}" for line in axe_blocking_violations(page)]
    assert not problems, "\n".join(problems)


def test_error_pages_fit_phones_and_pass_axe(production_site, new_context, screenshots):
    """The production shape's own error pages (with DEBUG, Django shows its technical pages instead)."""
    site = production_site
    page = new_context(viewport=PHONES["phone-360"]).new_page()
    response = page.goto(site.url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_fits_phone(page, "404")
    assert_accessible(page, "404")
    screenshots.take(page, "404")

    representative = site.account("SME representative")
    sign_in(page, site, representative.email, representative.password)
    response = page.goto(site.url + reverse("focalpoints:pending"))
    assert response.status == 403
    assert_fits_phone(page, "403")
    assert_accessible(page, "403")
    screenshots.take(page, "403")
