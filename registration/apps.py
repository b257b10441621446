from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = _("SMEs, participants and registrations")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
