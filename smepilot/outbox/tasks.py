"""Celery tasks of the outbox. They take ids and call services; the rules live in services.py."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True)
def outgoing_message_send(message_id: int) -> str:
    """Send one stored message once (running it again for the same id sends nothing more)."""
    return services.outgoing_message_deliver(message_id=message_id)


@shared_task(ignore_result=True)
def outgoing_message_sweep() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE "outbox-sweep"): re-queue messages whose task was lost."""
    return services.outgoing_messages_requeue_stuck()
