"""Response headers that limit what a browser does with our pages.

- Content-Security-Policy (django-csp): scripts, styles, images and fonts from the site itself
  only, no inline script or style on our pages, never framed, forms posted only to the site (and to
  the ITU account provider when single sign-on is on). The Django admin keeps its inline <style>
  (its change list has one), so its pages alone allow inline styles; scripts stay external there too.
- Permissions-Policy: no camera, microphone, location, payment… for any page (the check-in desk alone
  may use the camera, to read badges: registration.admin_checkin).
- Cache-Control: no-store on every page that may show someone's personal data: every response to a
  signed-in person, and every page under the prefixes below (sign-in and sign-up included), so that
  neither a shared computer's browser cache nor a proxy keeps a copy.
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.utils.cache import add_never_cache_headers

POLICY_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
)


def permissions_policy(*, allow: tuple[str, ...] = ()) -> str:
    """The Permissions-Policy header: every feature denied, those in ``allow`` to the site itself only."""
    return ", ".join(f"{feature}=(self)" if feature in allow else f"{feature}=()" for feature in POLICY_FEATURES)


PERMISSIONS_POLICY = permissions_policy()

# Pages with people's data whoever asks (the sign-in pages: an email address typed, a code).
PERSONAL_PREFIXES = ("/focal-point/", "/registrations/", "/profile/", "/validation/", "/accounts/", "/admin/")
ADMIN_PREFIX = "/admin/"


def content_security_policy(*, oidc_server_url: str) -> dict:
    """The CONTENT_SECURITY_POLICY setting (django-csp 4); ``oidc_server_url`` adds its origin to form-action."""
    form_action = [SELF]
    if oidc_server_url:
        parts = urlsplit(oidc_server_url)
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            "form-action": form_action,
        }
    }


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with inline styles allowed on the Django admin's pages only."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": [SELF, "'unsafe-inline'"]}
        return parts


class PrivacyHeadersMiddleware:
    """Permissions-Policy on every response; no-store where personal data may show (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(PERSONAL_PREFIXES):
            add_never_cache_headers(response)
        return response
