"""The current Site follows SITE_URL, so that allauth's emails name this site, not example.com."""

from urllib.parse import urlsplit

from django.conf import settings

SITE_NAME = "ITU-D SME pilot"


def site_domain() -> str:
    """SITE_URL's host (and port, if any): the site's address as people type it."""
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def site_sync(*, using="default"):
    """Make the Site of SITE_ID carry SITE_URL's host name and the site's name (idempotent)."""
    from django.contrib.sites.models import Site

    site, _created = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": SITE_NAME}
    )
    Site.objects.clear_cache()
    return site


def site_sync_post_migrate(sender, using="default", **kwargs):
    # Sent once per migrated app; run once, for the sites app, after it has created its table.
    if getattr(sender, "label", None) == "sites":
        site_sync(using=using)


def configured_site():
    """The site as SITE_URL names it now (an unsaved Site): what emails say, even before the next migrate."""
    from django.contrib.sites.models import Site

    return Site(pk=settings.SITE_ID, domain=site_domain(), name=SITE_NAME)
