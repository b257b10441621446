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


@register()
def sweep_settings_consistent(app_configs=None, **kwargs):
    """The sweep (outgoing_messages_requeue_stuck) must neither take a live send for a lost one nor run
    too seldom to catch one.

    A send lasts at most a few SMTP timeouts (connection, then each command): a threshold below three
    EMAIL_TIMEOUTs would re-queue a message still being sent and deliver it twice. A lost email goes
    out again within OUTBOX_STUCK_AFTER_SECONDS + OUTBOX_SWEEP_EVERY_SECONDS.
    """
    errors = []
    if settings.OUTBOX_STUCK_AFTER_SECONDS <= 3 * settings.EMAIL_TIMEOUT:
        errors.append(
            Error(
                f"OUTBOX_STUCK_AFTER_SECONDS ({settings.OUTBOX_STUCK_AFTER_SECONDS}) must be above three times "
                f"EMAIL_TIMEOUT ({settings.EMAIL_TIMEOUT}), or the sweep re-sends messages still being sent.",
                id="outbox.E002",
            )
        )
    if not 0 < settings.OUTBOX_SWEEP_EVERY_SECONDS <= settings.OUTBOX_STUCK_AFTER_SECONDS:
        errors.append(
            Error(
                f"OUTBOX_SWEEP_EVERY_SECONDS ({settings.OUTBOX_SWEEP_EVERY_SECONDS}) must be positive and at most "
                f"OUTBOX_STUCK_AFTER_SECONDS ({settings.OUTBOX_STUCK_AFTER_SECONDS}).",
                id="outbox.E003",
            )
        )
    return errors
