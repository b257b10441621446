"""What people do on the site, step by step, as the browser tests need it."""

import re

from playwright.sync_api import expect


def sign_in(page, site, email: str, password: str, *, next_path: str = "/"):
    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.get_by_label(re.compile("^Email", re.I)).fill(email)
    page.get_by_label(re.compile("^Password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("^Sign in", re.I)).click()
    expect(page.get_by_role("button", name=re.compile("^Sign out", re.I))).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name=re.compile("^Sign out", re.I)).click()
    # allauth asks to confirm on its own page; the header's button posts straight away.
    confirm = page.locator("main").get_by_role("button", name=re.compile("^Sign out", re.I))
    if confirm.count():
        confirm.click()
    expect(page.get_by_role("link", name=re.compile("^Sign in", re.I)).first).to_be_visible()


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
