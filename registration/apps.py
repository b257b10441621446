from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = _("SMEs, participants and registrations")

    def ready(self):
        # Registered on import: the check-in QR code the outbox's worker draws, and the system checks.
        from . import badges, checks  # noqa: F401
