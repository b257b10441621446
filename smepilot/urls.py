from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from registration.views import home
from smepilot.health import health
from smepilot.second_factor_views import second_factor
from smepilot.ties import callback as ties_callback
from smepilot.ties import login as ties_login
from smepilot.views import set_language


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for whatever the page says: the site's icon (static/favicon.svg)."""

    permanent = False  # the static file's hashed name changes with its content

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    # For load balancers and container healthchecks (smepilot.health); exempt from the HTTPS redirect.
    path("health/", health, name="health"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    # Django's set_language, remembering a signed-in person's choice (the only view of django.conf.urls.i18n).
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Why and how a second factor is asked for (smepilot.second_factor); allauth's own pages are under accounts/2fa/.
    path("accounts/second-factor/", second_factor, name="second_factor"),
    path("accounts/", include("allauth.urls")),
    path("", include("meetings.urls")),
    path("", include("registration.urls")),
    path("", include("focalpoints.urls")),
    path("", home, name="home"),
]

# allauth's OpenID Connect views for the ITU account, answering when its provider fails (smepilot.ties);
# the same addresses as allauth's, found first.
urlpatterns = [
    path("accounts/oidc/<str:provider_id>/login/", ties_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", ties_callback),
    *urlpatterns,
]

# The benchmark's baseline views (smepilot.bench_views): only where BENCHMARK_VIEWS is on, never in production.
if settings.BENCHMARK_VIEWS:
    urlpatterns += [path("bench/", include("smepilot.bench_views"))]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
