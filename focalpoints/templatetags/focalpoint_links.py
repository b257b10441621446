"""What the sign-in pages say when they were reached from a focal point's validation link."""

from django import template

from focalpoints import links
from focalpoints.models import Administration

register = template.Library()


@register.simple_tag
def validation_link_administration(next_url):
    """The Administration whose validation request ``next_url`` opens, else None.

    Only for a correctly signed, unexpired link of this site, and only the Administration: the
    person signing in learns what the link is for, not whose request it is.
    """
    link = links.link_from_path(next_url)
    if link is None:
        return None
    return Administration.objects.filter(pk=link.administration_id).first()
