"""The current Site names this site (allauth puts it in its emails), never example.com."""

from urllib.parse import urlsplit

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command

from smepilot.sites import SITE_NAME, site_sync

pytestmark = pytest.mark.django_db


def test_migrate_leaves_the_site_named_after_site_url(settings):
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.domain == urlsplit(settings.SITE_URL).netloc
    assert site.name == SITE_NAME


def test_site_follows_a_changed_site_url_at_the_next_migrate(settings):
    settings.SITE_URL = "https://registration.example.org"
    call_command("migrate", verbosity=0)
    assert Site.objects.get_current().domain == "registration.example.org"


def test_site_sync_is_idempotent(settings):
    settings.SITE_URL = "https://sme.itu.example:8443/"
    site_sync()
    site_sync()
    assert list(Site.objects.values_list("pk", "domain")) == [(settings.SITE_ID, "sme.itu.example:8443")]
