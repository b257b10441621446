"""The outbox's Celery tasks end to end: a real worker, the real Redis broker, a real SMTP server."""

import socket
from pathlib import Path

import pytest
from django.db import transaction

from smepilot.outbox.models import MessageStatus, OutgoingMessage
from smepilot.outbox.services import mail_queue
from smepilot.outbox.tasks import outgoing_message_send, outgoing_message_sweep
from tests.factories import OutgoingMessageFactory
from tests.smtp_sink import run_in_threads, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TEST_TEMPLATES = Path(__file__).parent / "templates"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


@pytest.fixture(autouse=True)
def _test_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]


def queue_one(**kwargs):
    with transaction.atomic():
        return mail_queue(
            to=kwargs.pop("to", "ada@example.org"),
            template="emails/outbox_test",
            context={"name": "Ada", "link": "https://example.org/x"},
            **kwargs,
        )


def status_of(message):
    return OutgoingMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def wait_for_status(message, status):
    wait_until(lambda: status_of(message) == status, message=f"message {message.pk} to be {status}")
    message.refresh_from_db()
    return message


def test_committed_message_is_delivered_once_with_text_html_and_attachment(smtp_sink, celery_worker_real):
    message = queue_one(attachments=[{"filename": "meeting.ics", "content": ICS, "mimetype": "text/calendar"}])

    [received] = smtp_sink.wait_for(1)
    message = wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()

    assert len(smtp_sink.messages) == 1
    assert received["To"] == "ada@example.org"
    assert received["Subject"] == "Hello Ada"
    assert received.get_body(("plain",)).get_content().startswith("Dear Ada,")
    assert '<a href="https://example.org/x">' in received.get_body(("html",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "meeting.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment.get_content()
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""


def test_rolled_back_transaction_sends_nothing(smtp_sink, celery_worker_real):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        queue_one()
        raise Abort

    celery_worker_real.wait_idle()
    assert not OutgoingMessage.objects.exists()
    assert smtp_sink.messages == []
    assert smtp_sink.data_commands == 0


def test_broker_down_at_commit_keeps_the_message_and_the_sweep_delivers_it(
    smtp_sink, celery_worker_real, broker_down, settings, caplog
):
    with broker_down():
        # The caller's transaction commits and returns normally although publishing failed.
        message = queue_one()

    assert "Could not queue outgoing message" in caplog.text
    celery_worker_real.wait_idle()
    assert status_of(message) == MessageStatus.QUEUED
    assert smtp_sink.messages == []

    # The broker is back; the periodic sweep finds the message queued past the threshold.
    settings.OUTBOX_STUCK_AFTER_SECONDS = 0
    assert outgoing_message_sweep() == 1

    smtp_sink.wait_for(1)
    message = wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1
    assert message.attempts == 1
    assert outgoing_message_sweep() == 0


def test_sweep_runs_on_the_worker_and_requeues_a_message_stuck_sending(smtp_sink, celery_worker_real, settings):
    # A worker died after claiming the message: it stays "sending" with no task left.
    message = OutgoingMessageFactory(status=MessageStatus.SENDING, attempts=1)
    settings.OUTBOX_STUCK_AFTER_SECONDS = 0

    outgoing_message_sweep.delay()

    smtp_sink.wait_for(1)
    message = wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1
    assert message.attempts == 2


def test_transient_421_is_retried_and_delivered_once(smtp_sink, celery_worker_real):
    smtp_sink.script_data("421 4.3.0 Try again later")

    message = queue_one()

    smtp_sink.wait_for(1)
    message = wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.data_commands == 2
    assert message.attempts == 2
    assert "421" in message.last_error


def test_transient_4xx_recipient_refusal_is_retried(smtp_sink, celery_worker_real):
    smtp_sink.script_rcpt("450 4.2.1 Mailbox busy")

    message = queue_one()

    message = wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1
    assert message.attempts == 2


def test_permanent_550_fails_at_once_without_retry(smtp_sink, celery_worker_real):
    smtp_sink.script_rcpt("550 5.1.1 No such user here", "550 5.1.1 No such user here")

    message = queue_one()

    message = wait_for_status(message, MessageStatus.FAILED)
    celery_worker_real.wait_idle()
    assert message.attempts == 1
    assert "SMTPRecipientsRefused" in message.last_error
    assert "550" in message.last_error
    assert smtp_sink.messages == []
    # The second scripted refusal was never used: nobody tried again.
    assert len(smtp_sink.handler.rcpt_responses) == 1


def test_permanent_554_on_data_fails_without_retry(smtp_sink, celery_worker_real):
    smtp_sink.script_data("554 5.6.0 Message rejected")

    message = queue_one()

    message = wait_for_status(message, MessageStatus.FAILED)
    celery_worker_real.wait_idle()
    assert message.attempts == 1
    assert "554" in message.last_error
    assert smtp_sink.data_commands == 1


def test_unreachable_server_is_retried_then_failed_after_max_attempts(celery_worker_real, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_MAX_ATTEMPTS = 3

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        settings.EMAIL_PORT = closed.getsockname()[1]
        message = queue_one()
        message = wait_for_status(message, MessageStatus.FAILED)

    celery_worker_real.wait_idle()
    assert message.attempts == 3
    assert "ConnectionRefusedError" in message.last_error


def test_task_published_twice_sends_one_message(smtp_sink, celery_worker_real):
    message = queue_one()
    outgoing_message_send.delay(message.pk)  # a duplicate: redelivery, sweep, double click

    smtp_sink.wait_for(1)
    wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1

    outgoing_message_send.delay(message.pk)  # and once more, after it was sent
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_task_run_twice_at_the_same_time_sends_one_message(smtp_sink):
    message = OutgoingMessageFactory()
    smtp_sink.slow_down(0.5)  # the first sender is mid-conversation when the second arrives

    run_in_threads(lambda: outgoing_message_send(message.pk))

    assert len(smtp_sink.messages) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1


def test_task_for_a_missing_message_does_nothing(smtp_sink):
    assert outgoing_message_send(123456789) == "skipped"
    assert smtp_sink.data_commands == 0


def test_one_transactions_emails_go_out_in_one_task_over_one_smtp_connection(smtp_sink, celery_worker_real):
    with transaction.atomic():
        messages = [queue_one(to=f"person{index}@example.org") for index in range(3)]

    smtp_sink.wait_for(3)
    for message in messages:
        wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert sorted(received["To"] for received in smtp_sink.messages) == [
        f"person{index}@example.org" for index in range(3)
    ]
    assert smtp_sink.connections == 1


def test_a_message_refused_mid_batch_is_retried_and_the_rest_still_go_out(smtp_sink, celery_worker_real):
    smtp_sink.script_data("250 2.0.0 Message accepted", "421 4.3.0 Try again later")

    with transaction.atomic():
        messages = [queue_one(to=f"person{index}@example.org") for index in range(3)]

    for message in messages:
        wait_for_status(message, MessageStatus.SENT)
    celery_worker_real.wait_idle()
    assert len(smtp_sink.messages) == 3 - 1  # the scripted "250" accepted one without storing it
    assert [OutgoingMessage.objects.get(pk=message.pk).attempts for message in messages] == [1, 2, 1]
