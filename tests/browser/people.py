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


def validation_link_of(site, email: str) -> str:
    """A fresh validation link for the pending requests of the focal point with this address."""
    output = site.manage(
        "shell",
        "--no-imports",
        "-c",
        "from focalpoints.links import link_url\n"
        "from focalpoints.models import FocalPoint\n"
        "from registration.models import Registration\n"
        f"fp = FocalPoint.objects.filter(user__email={email!r}).first()\n"
        "ids = list(Registration.objects.filter(status='pending', sme__administration_id=fp.administration_id)"
        ".values_list('pk', flat=True)[:2])\n"
        "print(link_url(registration_ids=ids, focal_point_id=fp.pk, administration_id=fp.administration_id))",
    )
    return output.strip().splitlines()[-1]
