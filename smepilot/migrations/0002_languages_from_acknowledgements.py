"""Accounts that registered before languages were stored keep the language they registered in.

Until then a registrant's later emails (outcome, reopening) went in the language of their last
registration acknowledgement, the language they were using the site in when they registered; that
language becomes their stored one. Accounts that already have one keep it.
"""

from django.conf import settings
from django.db import migrations
from django.db.models.functions import Lower


def preferences_from_acknowledgements(apps, schema_editor):
    OutgoingMessage = apps.get_model("outbox", "OutgoingMessage")
    AccountPreferences = apps.get_model("smepilot", "AccountPreferences")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    supported = {code for code, _name in settings.LANGUAGES}
    latest = {}
    acknowledgements = (
        OutgoingMessage.objects.filter(template="emails/registration_acknowledgement", language__in=supported)
        .order_by("pk")
        .values_list("to", "language")
    )
    for to, language in acknowledgements.iterator():
        latest[to.strip().lower()] = language
    if not latest:
        return
    users = User.objects.annotate(address=Lower("email")).filter(address__in=list(latest), preferences__isnull=True)
    AccountPreferences.objects.bulk_create(
        [AccountPreferences(user_id=pk, language=latest[address]) for pk, address in users.values_list("pk", "address")],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("smepilot", "0001_initial"),
        ("outbox", "0002_next_attempt_at"),
    ]

    operations = [migrations.RunPython(preferences_from_acknowledgements, migrations.RunPython.noop)]
