"""Celery tasks of the outbox. They take ids and call services; the rules live in services.py."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True)
def outgoing_message_send(message_id: int) -> str:
    """Send one stored message once (running it again for the same id sends nothing more)."""
    return services.outgoing_message_deliver(message_id=message_id)


@shared_task(ignore_result=True, acks_late=True)
def outgoing_messages_send(message_ids: list[int]) -> list[str]:
    """Send the messages one transaction stored, over one SMTP connection (each once, as above).

    A worker killed half-way leaves the messages it had not claimed to the redelivered task, and those it
    had claimed but not sent (at most ``services.CLAIM_BATCH_SIZE``) to the sweep.
    """
    return services.outgoing_messages_deliver(message_ids=message_ids)


@shared_task(ignore_result=True)
def outgoing_message_sweep() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE "outbox-sweep"): re-queue messages whose task was lost."""
    return services.outgoing_messages_requeue_stuck()
