"""python manage.py seed_volume --registrations N: a pilot's worth of data for measuring (smepilot.demo.volume)."""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from smepilot.demo.volume import VOLUME_PASSWORD, volume_seed


class Command(BaseCommand):
    help = (
        "Add, on top of what the database holds, a pilot's worth of data with N registrations: study groups, "
        "meetings, Administrations, focal points with authenticator apps, SMEs, representatives, leaders. "
        "Every account's password is the one printed; for measuring, never on a production site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--registrations", type=int, required=True, help="How many registrations to add.")
        parser.add_argument(
            "--seed", type=int, default=0, help="Random seed: the same seed builds the same data (default 0)."
        )
        parser.add_argument(
            "--focal-points-per-administration",
            type=int,
            default=2,
            help="New focal points for each Administration (default 2).",
        )
        parser.add_argument(
            "--json",
            dest="json_path",
            metavar="PATH",
            help="Write the result (ids, focal points' emails and authenticator secrets, ...) as JSON to PATH "
            "('-' for the standard output).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (a benchmark's production-shape site).",
        )

    def handle(
        self, *args, registrations, seed, focal_points_per_administration, json_path, allow_production, **options
    ):
        if registrations < 0 or focal_points_per_administration < 1:
            raise CommandError("--registrations must be 0 or more and --focal-points-per-administration 1 or more.")
        if not (settings.DEBUG or allow_production or settings.BENCHMARK_VIEWS):
            raise CommandError(
                "Refusing to seed with DEBUG off: every account this adds signs in with a password published in "
                "the source, focal points included. Run it with DEBUG=true, on a benchmark's site "
                "(BENCHMARK_VIEWS=true), or pass --allow-production for a database that is not production's."
            )
        progress_out = self.stderr if json_path == "-" else self.stdout
        result = volume_seed(
            registrations=registrations,
            seed=seed,
            focal_points_per_administration=focal_points_per_administration,
            progress=progress_out.write,
        )
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in sorted(result["counts"].items()))
        progress_out.write(f"Added: {counts}.")
        statuses = ", ".join(
            f"{count} {status}" for status, count in sorted(result["registrations_by_status"].items())
        )
        progress_out.write(f"Registrations: {statuses or 'none'}.")
        progress_out.write(f"Every account added signs in with the password {VOLUME_PASSWORD!r}.")
        if json_path:
            _write_json(result, json_path)


def _write_json(result, path):
    text = json.dumps(result, ensure_ascii=False)
    if path == "-":
        sys.stdout.write(text + "\n")
        return
    with open(path, "w", encoding="utf-8") as out:
        out.write(text + "\n")
