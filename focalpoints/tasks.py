"""Celery tasks of the focal-point work. They call the services; the rules live there."""

from celery import shared_task

from . import escalation, notifications


@shared_task(ignore_result=True)
def focal_point_reminders_send() -> int:
    """Daily (CELERY_BEAT_SCHEDULE "focalpoints-reminders"): one digest per focal point of overdue requests."""
    return notifications.focal_point_reminders_queue()


@shared_task(ignore_result=True)
def decision_escalation_send() -> int:
    """Daily (CELERY_BEAT_SCHEDULE "decision-escalation"): requests near their approve-by date, to the secretariat."""
    return escalation.decision_escalations_queue()
