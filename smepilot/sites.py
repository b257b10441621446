"""The current Site follows SITE_URL, so that allauth's emails name this site, not example.com."""

from urllib.parse import urlsplit

from django.conf import settings

SITE_NAME = "ITU-D SME pilot"


def site_sync(*, using="default"):
    """Make the Site of SITE_ID carry SITE_URL's host name and the site's name (idempotent)."""
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    site, _created = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": SITE_NAME}
    )
    Site.objects.clear_cache()
    return site


def site_sync_post_migrate(sender, using="default", **kwargs):
    # Sent once per migrated app; run once, for the sites app, after it has created its table.
    if getattr(sender, "label", None) == "sites":
        site_sync(using=using)
