"""Celery tasks of the focal-point work. They call services; the rules live in services.py."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def focal_point_reminders_send() -> int:
    """Daily (CELERY_BEAT_SCHEDULE "focalpoints-reminders"): one digest per focal point of overdue requests."""
    return services.focal_point_reminders_queue()
