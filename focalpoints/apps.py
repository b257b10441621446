from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FocalPointsConfig(AppConfig):
    name = "focalpoints"
    verbose_name = _("Administrations and focal points")

    def ready(self):
        from . import bounces, signals  # noqa: F401 - connects the sign-in hook and the outbox's bounces
