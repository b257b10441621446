"""python manage.py seed_demo: the demo data of smepilot.demo, and how to sign in."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import date_format

from smepilot.demo.accounts import DEMO_PASSWORD, FOCAL_POINT_EMAIL, SECRETARIAT_EMAIL, SME_REPRESENTATIVE_EMAIL
from smepilot.demo.seed import database_is_empty, seed

ALREADY_HAS_DATA = "Database already has data; demo not loaded. Run `make demo-reset` to start again from the demo."


class Command(BaseCommand):
    help = (
        "Create or update the demo data that mirrors the circular letter (pilot, ITU-D Study Groups 1 and 2, "
        "meetings, Administrations, focal points, SMEs, registrations, demo accounts). Safe to run twice: "
        "it puts the demo rows back as they were, undoing decisions taken on them since (see --if-empty)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--letter-dates",
            action="store_true",
            help="Keep the letter's 2018 dates (registration opens 18 January 2018) instead of moving them to today.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off; the demo accounts then get random passwords, printed once.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load the demo only into an empty database (no pilot, no user account); otherwise say so and "
            "change nothing. What `make run` does, so that restarting it keeps what was done on the site.",
        )

    def handle(self, *args, letter_dates, allow_production, if_empty, **options):
        if settings.DEBUG:
            # The password documented in the README: acceptable on a developer's machine only.
            passwords = dict.fromkeys(demo_account_emails(), DEMO_PASSWORD)
        elif allow_production:
            # A real site must not get accounts with a password published in the README: new random
            # ones at every run (the previous ones stop working).
            passwords = {email: secrets.token_urlsafe(12) for email in demo_account_emails()}
        else:
            raise CommandError(
                "Refusing to seed with DEBUG off: the demo creates a superuser, a focal point and an SME "
                "representative that anyone who reads the README could sign in as, plus fictitious SMEs and "
                "registrations. Run it on a development machine (DEBUG=true), or pass --allow-production to seed "
                "this database anyway: the demo accounts then get random passwords, printed once."
            )

        if if_empty and not database_is_empty():
            self.stdout.write(self.style.WARNING(ALREADY_HAS_DATA))
            return

        result = seed(letter_dates=letter_dates, passwords=passwords)

        pilot = result.pilot
        if letter_dates:
            self.stdout.write("Demo data ready, with the letter's 2018 dates.")
        else:
            self.stdout.write(
                f"Demo data ready, dates moved by {result.shift.days // 7} weeks so that registration is open today."
            )
        starts_on, ends_on = date_format(pilot.starts_on, "DATE_FORMAT"), date_format(pilot.ends_on, "DATE_FORMAT")
        self.stdout.write(f"Pilot: {pilot.name}, {starts_on} to {ends_on}.")
        self.stdout.write("")
        self.stdout.write(f"Sign in at {settings.SITE_URL}/accounts/login/ (the secretariat also at /admin/):")
        for account in result.accounts:
            self.stdout.write(f"  {account.role:<45} {account.email:<28} password: {account.password}")
        self.stdout.write("With the default EMAIL_URL (consolemail://) emails are printed on the server's console.")
        self.stdout.write(
            "The secretariat and the focal point set up two-factor authentication the first time they open the "
            "admin or the focal-point pages: scan the QR code with an authenticator app, or run "
            "`python manage.py totp_code SECRET` with the secret the page shows for the current code."
        )


def demo_account_emails():
    return [SECRETARIAT_EMAIL, FOCAL_POINT_EMAIL, SME_REPRESENTATIVE_EMAIL]
