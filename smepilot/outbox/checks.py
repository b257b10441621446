"""System checks for the outbox's retry settings."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def retry_backoff_below_visibility_timeout(app_configs=None, **kwargs):
    """A countdown longer than Redis's visibility timeout gets the task delivered twice.

    Redis hands an unacknowledged message (a retry waiting for its countdown is one, with
    acks_late) to another worker once the visibility timeout has passed.
    """
    visibility_timeout = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get(
        "visibility_timeout", 60 * 60
    )
    if visibility_timeout <= settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS:
        return [
            Error(
                f"OUTBOX_RETRY_BACKOFF_MAX_SECONDS ({settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS}) must be below the "
                f"Redis visibility_timeout ({visibility_timeout}) in CELERY_BROKER_TRANSPORT_OPTIONS.",
                id="outbox.E001",
            )
        ]
    return []
