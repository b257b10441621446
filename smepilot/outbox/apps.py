from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "smepilot.outbox"
    label = "outbox"
    verbose_name = _("Outgoing email")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
