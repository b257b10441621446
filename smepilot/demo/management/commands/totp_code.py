"""python manage.py totp_code SECRET: the code an authenticator app would show now for that secret.

For the demo and for developers without an authenticator app on a phone: the set-up page of the
two-factor authentication writes the secret as text beside its QR code; this prints the current
code for it. It reads nothing from the database: whoever has the secret can make the codes anyway.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current code of an authenticator app for SECRET (the text the set-up page shows)."

    def add_arguments(self, parser):
        parser.add_argument("secret", help="The secret, as the set-up page of the authenticator app shows it.")

    def handle(self, *args, secret, **options):
        try:
            value = hotp_value(secret.strip().replace(" ", "").upper(), int(time.time()) // app_settings.TOTP_PERIOD)
        except (ValueError, TypeError) as error:
            raise CommandError("That is not a secret the set-up page shows (base32 letters and digits).") from error
        self.stdout.write(format_hotp_value(value))
