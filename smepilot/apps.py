from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SmepilotConfig(AppConfig):
    """The project itself as an app: its system checks and the Site kept in step with SITE_URL."""

    name = "smepilot"
    verbose_name = "smepilot"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .sites import site_sync_post_migrate

        post_migrate.connect(site_sync_post_migrate, dispatch_uid="smepilot_site_sync")
