"""Sign-in hook: link focal points to the account that signs in with their verified address."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="focalpoints.link_on_login")
def focal_points_link_on_login(sender, request, user, **kwargs):
    from . import accounts, selectors

    accounts.focal_points_link_user(user=user)
    if request is not None and hasattr(request, "session"):
        # Read by the navigation (templates/includes/nav_links.html) without a query per page.
        request.session["is_focal_point"] = selectors.focal_point_administrations(user).exists()
