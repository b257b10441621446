"""Every page says what the browser may load and do (Content-Security-Policy, Permissions-Policy) and
pages with people's data are never stored by a browser or a proxy (Cache-Control: no-store)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from smepilot.headers import content_security_policy
from tests.factories import UserFactory, secretariat_officer
from tests.second_factor import sign_in_with_second_factor
from tests.test_templates_a11y_i18n import PAGES, get, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

PERSONAL_PREFIXES = ("/focal-point/", "/registrations/", "/profile/", "/validation/", "/accounts/", "/admin/")


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_headers(response, *, signed_in: bool, admin_page: bool = False):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("script-src", [])
    assert "'unsafe-eval'" not in policy.get("script-src", [])
    if not admin_page:
        assert "'unsafe-inline'" not in policy.get("style-src", [])
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    path = response.wsgi_request.path
    if signed_in or path.startswith(PERSONAL_PREFIXES):
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, (path, cache_control)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
STYLE = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_site_page_has_the_security_headers_and_nothing_inline(client, world, name):  # noqa: F811
    response = get(client, world, name)
    assert_headers(response, signed_in=PAGES[name][0] is not None)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), name
    assert not STYLE.search(html), (name, STYLE.search(html))


def test_a_visitors_public_page_may_be_cached_but_the_sign_in_page_may_not(client):
    assert "no-store" not in client.get(reverse("meetings:list")).get("Cache-Control", "")
    assert "no-store" in client.get(reverse("account_login"))["Cache-Control"]


def test_a_signed_in_persons_public_page_is_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("meetings:list"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.fixture
def secretariat_client(client):
    sign_in_with_second_factor(client, secretariat_officer())
    return client


def test_the_secretariats_admin_pages_have_the_headers(secretariat_client):
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        if secretariat_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")):
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    urls.append(reverse("admin:registration_sme_add"))
    for url in urls:
        response = secretariat_client.get(url)
        assert response.status_code in (200, 403), url
        assert_headers(response, signed_in=True, admin_page=True)


def test_the_admin_sign_in_page_is_not_stored(client):
    response = client.get(reverse("admin:login"))
    assert_headers(response, signed_in=False, admin_page=True)
    assert "no-store" in response["Cache-Control"]


def test_our_templates_have_no_inline_script_or_style_except_emails():
    root = Path(settings.BASE_DIR) / "templates"
    offending = []
    for path in root.rglob("*.html"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("emails/", "account/email/")):
            continue  # an email is not a web page: mail readers need inline styles
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or STYLE.search(text):
            offending.append(relative)
    assert offending == []


def test_form_action_allows_the_single_sign_on_provider_only_when_configured():
    assert content_security_policy(oidc_server_url="")["DIRECTIVES"]["form-action"] == ["'self'"]
    policy = content_security_policy(oidc_server_url="https://ties.itu.example/auth/realms/itu/")
    assert policy["DIRECTIVES"]["form-action"] == ["'self'", "https://ties.itu.example"]
