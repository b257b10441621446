"""System checks of the registration app's settings."""

from django.conf import settings
from django.core.checks import Error, register

# A retention period shorter than the pilot's reporting cycle would anonymise people before the
# report to Council that counts them is written; longer than ten years is no retention at all.
RETENTION_DAYS_MIN = 90
RETENTION_DAYS_MAX = 3650


@register()
def personal_data_retention_bounded(app_configs=None, **kwargs):
    days = settings.PERSONAL_DATA_RETENTION_DAYS
    if isinstance(days, int) and RETENTION_DAYS_MIN <= days <= RETENTION_DAYS_MAX:
        return []
    return [
        Error(
            f"PERSONAL_DATA_RETENTION_DAYS is {days!r}; it must be a number of days from {RETENTION_DAYS_MIN} "
            f"to {RETENTION_DAYS_MAX}.",
            hint="Set PERSONAL_DATA_RETENTION_DAYS (docs/OPERATIONS.md, Personal data); the default is 730.",
            id="registration.E001",
        )
    ]
