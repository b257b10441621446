from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from registration.views import home

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("meetings.urls")),
    path("", include("registration.urls")),
    path("", include("focalpoints.urls")),
    path("", home, name="home"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
