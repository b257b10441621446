from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SmepilotConfig(AppConfig):
    """The project itself as an app: its system checks, the Site kept in step with SITE_URL and the
    application database role's grants (DATABASE_APP_ROLE) renewed after every migrate."""

    name = "smepilot"
    verbose_name = "smepilot"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .database_roles import app_role_grant_post_migrate
        from .sites import site_sync_post_migrate

        post_migrate.connect(site_sync_post_migrate, dispatch_uid="smepilot_site_sync")
        post_migrate.connect(app_role_grant_post_migrate, dispatch_uid="smepilot_app_role_grant")
