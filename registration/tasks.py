"""Celery tasks of the registration app. They call the services; the rules live there."""

from celery import shared_task

from . import retention


@shared_task(ignore_result=True)
def personal_data_purge() -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE "personal-data-purge"): anonymise what the retention period ran out for."""
    return retention.personal_data_purge().as_dict()
