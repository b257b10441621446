from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Pilot, study groups and meetings")

    def ready(self):
        from .secretariat import secretariat_group_post_migrate

        # Every app's post_migrate, not only ours: the group needs the permissions of apps
        # migrated after this one (registration, focal points); the sync is idempotent.
        post_migrate.connect(secretariat_group_post_migrate, dispatch_uid="meetings_secretariat_group")
