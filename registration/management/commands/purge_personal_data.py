from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registration.retention import BATCH_SIZE, personal_data_purge

LABELS = {
    "people": "SME representatives anonymised",
    "registrations": "their registrations (kept, free text removed)",
    "smes": "SMEs anonymised",
    "focal_points": "focal point designations anonymised",
    "deputies": "deputies anonymised",
    "accounts": "accounts made unusable",
    "history_records": "history records anonymised",
    "email_addresses": "email addresses removed",
    "social_accounts": "ITU account links removed",
    "sessions": "sessions removed",
    "outbox_messages": "stored emails deleted",
    "visa_passports": "visa letter requests whose passport details were erased",
}


class Command(BaseCommand):
    help = (
        "Anonymise the people, SMEs and focal points whose retention period (PERSONAL_DATA_RETENTION_DAYS) has "
        "run out, keeping the pilot report's figures; the daily task does the same. --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; change nothing.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="People per transaction.")

    def handle(self, *args, dry_run, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        self.stdout.write(f"Retention period: {days} days.{' Dry run: nothing is changed.' if dry_run else ''}")

        def progress(stage, done, total):
            if verbosity >= 1:
                self.stdout.write(f"  {stage}: {done}/{total}")

        figures = personal_data_purge(dry_run=dry_run, batch_size=batch_size, progress=progress)
        verb = "would be" if dry_run else "done"
        for name, value in figures.as_dict().items():
            if dry_run and name in {"history_records", "email_addresses", "social_accounts", "sessions"}:
                continue  # counted only when done
            self.stdout.write(f"{LABELS[name]} ({verb}): {value}")
