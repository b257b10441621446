from django.core.management.base import BaseCommand

from meetings.secretariat import SECRETARIAT_GROUP_NAME, secretariat_group_sync


class Command(BaseCommand):
    help = (
        f'Create or update the "{SECRETARIAT_GROUP_NAME}" group with exactly the permissions the '
        "secretariat's work needs (idempotent; also run after every migrate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        group, count = secretariat_group_sync(using=database)
        self.stdout.write(self.style.SUCCESS(f'Group "{group.name}" holds {count} permissions.'))
