from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from meetings.secretariat import SECRETARIAT_GROUP_NAME, SecretariatAccountEmailTaken, secretariat_account_create


class Command(BaseCommand):
    help = (
        f'Create a staff account in the "{SECRETARIAT_GROUP_NAME}" group for --email, with a verified address '
        "and no password, and print a one-time link with which the person sets their own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The secretariat member's address.")

    def handle(self, *args, email, **options):
        try:
            user = secretariat_account_create(email=email)
        except SecretariatAccountEmailTaken as error:
            raise CommandError(
                f"{error} already has an account. Make that account staff and add it to the "
                f"{SECRETARIAT_GROUP_NAME} group in the admin (as a superuser), or use another address."
            ) from error
        except ValidationError as error:
            raise CommandError(f"{email.strip()!r} is not a valid email address.") from error
        # allauth's password reset key: valid once (it changes with the password) and for
        # PASSWORD_RESET_TIMEOUT; the address is verified, so the person may also sign in by code.
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
        days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.email}: staff, in the {SECRETARIAT_GROUP_NAME} group, no password yet.")
        )
        self.stdout.write(
            f"Send this one-time link to {user.email}, to choose a password (valid {days} days, once):\n"
            f"{settings.SITE_URL}{path}\n"
            "They can also sign in with a code emailed to that address."
        )
