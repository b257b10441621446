"""smepilot.outbox.checks, and the worker settings the outbox relies on: late acknowledgement, one task at a time,
and a sweep that runs more often than a message counts as stuck."""

from django.conf import settings as django_settings

from smepilot.celery import app
from smepilot.outbox.checks import retry_backoff_below_visibility_timeout, sweep_settings_consistent


def test_default_settings_pass_the_check():
    assert retry_backoff_below_visibility_timeout() == []


def test_a_backoff_cap_at_or_above_the_visibility_timeout_is_an_error(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS = 600

    [error] = retry_backoff_below_visibility_timeout()

    assert error.id == "outbox.E001"
    assert "visibility_timeout" in error.msg


def test_worker_acknowledges_late_one_task_at_a_time():
    # A worker lost mid-task leaves the message in Redis for another worker.
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] > django_settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS


def test_beat_runs_the_sweep_more_often_than_the_stuck_threshold():
    entry = app.conf.beat_schedule["outbox-sweep"]
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert entry["task"] in app.tasks
    assert entry["task"] == "smepilot.outbox.tasks.outgoing_message_sweep"
    assert 0 < entry["schedule"] <= django_settings.OUTBOX_STUCK_AFTER_SECONDS
    # A message mid-conversation is not taken for stuck: the threshold is well above the timeout.
    assert django_settings.OUTBOX_STUCK_AFTER_SECONDS > 3 * django_settings.EMAIL_TIMEOUT


def test_default_sweep_settings_send_a_lost_email_again_within_two_minutes():
    """Worst case: the task is lost just after the email was due; it counts as stuck after
    OUTBOX_STUCK_AFTER_SECONDS, and the next sweep comes at most OUTBOX_SWEEP_EVERY_SECONDS later."""
    schedule = app.conf.beat_schedule["outbox-sweep"]["schedule"]
    assert django_settings.OUTBOX_STUCK_AFTER_SECONDS + schedule <= 120


def test_a_stuck_threshold_within_a_live_smtp_conversation_is_an_error(settings):
    # The sweep would take a message still being sent for a lost one and send it a second time.
    settings.EMAIL_TIMEOUT = 60
    settings.OUTBOX_STUCK_AFTER_SECONDS = 90

    [error] = sweep_settings_consistent()

    assert error.id == "outbox.E002"
    assert "EMAIL_TIMEOUT" in error.msg


def test_a_sweep_less_frequent_than_the_stuck_threshold_is_an_error(settings):
    settings.OUTBOX_SWEEP_EVERY_SECONDS = 600
    settings.OUTBOX_STUCK_AFTER_SECONDS = 90

    [error] = sweep_settings_consistent()

    assert error.id == "outbox.E003"


def test_default_sweep_settings_pass_the_check():
    assert sweep_settings_consistent() == []
