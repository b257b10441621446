"""What people do on the site, step by step, as the browser tests need it."""

from playwright.sync_api import expect


def sign_in(page, site, email: str, password: str, *, next_path: str = "/"):
    """Sign in on allauth's page, whatever the page's language (fields found by their names)."""
    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.locator("main input[name=login]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main input[name=password]").press("Enter")
    expect(page.locator("form[action$='/accounts/logout/'] button")).to_be_visible()


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
