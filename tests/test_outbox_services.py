"""smepilot.outbox.services: storing, queueing, classifying failures, backoff, sweep, resend."""

import smtplib
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from smepilot.celery import app
from smepilot.outbox import services
from smepilot.outbox.models import MessageStatus, OutgoingMessage
from tests.factories import OutgoingMessageFactory

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _test_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]


@pytest.fixture
def broker_queue():
    """The real broker's default queue, emptied before and after (no worker consumes it here)."""
    client = redis.Redis.from_url(app.conf.broker_url)
    app.control.purge()
    yield lambda: client.llen(app.conf.task_default_queue)
    app.control.purge()


def queue_one(**kwargs):
    return services.mail_queue(
        to="ada@example.org",
        template="emails/outbox_test",
        context={"name": "Ada", "link": "https://x.test/"},
        **kwargs,
    )


@pytest.mark.django_db
def test_mail_queue_stores_the_rendered_message_and_sends_only_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue_one(
            language="fr", attachments=[{"filename": "a.ics", "content": "X", "mimetype": "text/calendar"}]
        )

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.subject == "Hello Ada"
    assert message.body_text.startswith("Dear Ada,")
    assert '<a href="https://x.test/">' in message.body_html
    assert message.language == "fr"
    assert message.template == "emails/outbox_test"
    assert message.attachments == [{"filename": "a.ics", "content": "X", "mimetype": "text/calendar"}]
    assert message.attempts == 0
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_mail_queue_rendered_keeps_the_subject_on_one_line(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.mail_queue_rendered(
            to="ada@example.org", subject="Two\nlines ", body_text="Text", body_html="", template="account/email/x"
        )
    assert message.subject == "Two lines"
    assert message.language == "en"
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_mail_queue_in_autocommit_publishes_at_once(broker_queue):
    message = queue_one()

    assert OutgoingMessage.objects.get(pk=message.pk).status == MessageStatus.QUEUED
    assert broker_queue() == 1


@pytest.mark.django_db(transaction=True)
def test_mail_queue_with_the_broker_down_logs_and_keeps_the_row_queued(broker_down, broker_queue, caplog):
    with broker_down(), transaction.atomic():
        message = queue_one()

    assert "Could not queue outgoing message" in caplog.text
    assert OutgoingMessage.objects.get(pk=message.pk).status == MessageStatus.QUEUED
    assert broker_queue() == 0


@pytest.mark.django_db(transaction=True)
def test_enqueue_reports_a_broker_outage(broker_down, broker_queue):
    with broker_down():
        assert services.outgoing_message_enqueue(message_id=1) is False
    assert services.outgoing_message_enqueue(message_id=1) is True
    assert broker_queue() == 1


@pytest.mark.django_db
def test_requeue_sends_a_failed_message_again_with_fresh_attempts(django_capture_on_commit_callbacks):
    message = OutgoingMessageFactory(status=MessageStatus.FAILED, attempts=8, last_error="550 no")

    with django_capture_on_commit_callbacks() as callbacks:
        services.outgoing_message_requeue(message=message)

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 0
    assert message.last_error == "550 no"  # kept until the next attempt tells more
    assert len(callbacks) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT])
def test_requeue_refuses_a_message_that_has_not_failed(status, django_capture_on_commit_callbacks):
    message = OutgoingMessageFactory(status=status)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as error:
        services.outgoing_message_requeue(message=message)

    assert error.value.code == "not_failed"
    assert "Only failed messages" in error.value.messages[0]
    message.refresh_from_db()
    assert message.status == status
    assert callbacks == []


@pytest.mark.django_db
def test_sweep_requeues_only_messages_whose_task_was_lost(settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_STUCK_AFTER_SECONDS = 600
    now = timezone.now()
    long_ago = now - timedelta(seconds=601)
    lost = OutgoingMessageFactory(status=MessageStatus.QUEUED)
    fresh = OutgoingMessageFactory(status=MessageStatus.QUEUED)
    waiting_retry = OutgoingMessageFactory(status=MessageStatus.QUEUED)
    died_sending = OutgoingMessageFactory(status=MessageStatus.SENDING, attempts=1)
    sending_now = OutgoingMessageFactory(status=MessageStatus.SENDING, attempts=1)
    sent = OutgoingMessageFactory(status=MessageStatus.SENT)
    failed = OutgoingMessageFactory(status=MessageStatus.FAILED)
    OutgoingMessage.objects.filter(pk__in=[lost.pk, sent.pk, failed.pk]).update(
        next_attempt_at=long_ago, updated_at=long_ago
    )
    OutgoingMessage.objects.filter(pk=waiting_retry.pk).update(next_attempt_at=now + timedelta(seconds=60))
    OutgoingMessage.objects.filter(pk=died_sending.pk).update(updated_at=long_ago)

    with django_capture_on_commit_callbacks() as callbacks:
        assert services.outgoing_messages_requeue_stuck(now=now) == 2

    assert len(callbacks) == 2
    statuses = dict(OutgoingMessage.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: MessageStatus.QUEUED,
        fresh.pk: MessageStatus.QUEUED,
        waiting_retry.pk: MessageStatus.QUEUED,
        died_sending.pk: MessageStatus.QUEUED,
        sending_now.pk: MessageStatus.SENDING,
        sent.pk: MessageStatus.SENT,
        failed.pk: MessageStatus.FAILED,
    }
    # Re-queued messages are due now: a broker still down gets them swept again next time only.
    assert OutgoingMessage.objects.get(pk=lost.pk).next_attempt_at == now
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.outgoing_messages_requeue_stuck(now=now) == 0
    assert callbacks == []


@pytest.mark.django_db
def test_sweep_uses_the_same_queries_for_1_and_50_stuck_messages(settings, django_assert_num_queries):
    settings.OUTBOX_STUCK_AFTER_SECONDS = 0
    OutgoingMessageFactory()
    # SAVEPOINT, SELECT … FOR UPDATE SKIP LOCKED, UPDATE, RELEASE
    with django_assert_num_queries(4):
        assert services.outgoing_messages_requeue_stuck(now=timezone.now() + timedelta(seconds=1)) == 1
    OutgoingMessageFactory.create_batch(50)
    with django_assert_num_queries(4):
        assert services.outgoing_messages_requeue_stuck(now=timezone.now() + timedelta(seconds=2)) == 51


@pytest.mark.django_db
def test_failed_count():
    OutgoingMessageFactory.create_batch(2, status=MessageStatus.FAILED)
    OutgoingMessageFactory(status=MessageStatus.SENT)
    assert services.outgoing_messages_failed_count() == 2


def test_retry_countdown_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 30
    settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS = 3600
    for attempts, nominal in [(1, 30), (2, 60), (3, 120), (5, 480), (8, 3600), (30, 3600)]:
        countdowns = {services.retry_countdown(attempts=attempts) for _ in range(50)}
        assert all(nominal / 2 <= countdown <= nominal for countdown in countdowns)
        assert len(countdowns) > 1  # jittered


def test_longest_retry_countdown_stays_below_the_redis_visibility_timeout():
    """A Redis visibility timeout longer than any countdown, so a delayed retry is never delivered twice."""
    visibility_timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(services.retry_countdown(attempts=n) for n in range(1, 40) for _ in range(20))
    assert longest <= django_settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS < visibility_timeout
    assert app.conf.broker_transport_options["visibility_timeout"] == visibility_timeout


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPDataError(421, b"Try later"), False),
        (smtplib.SMTPDataError(451, b"Local error"), False),
        (smtplib.SMTPDataError(550, b"Rejected"), True),
        (smtplib.SMTPDataError(554, b"Spam"), True),
        (smtplib.SMTPSenderRefused(553, b"Bad sender", "a@b"), True),
        (smtplib.SMTPSenderRefused(452, b"Busy", "a@b"), False),
        (smtplib.SMTPRecipientsRefused({"a@b": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b": (450, b"Mailbox busy")}), False),
        (smtplib.SMTPConnectError(421, b"Too many connections"), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (socket.gaierror(-2, "Name or service not known"), False),
        (KeyError("filename"), True),
    ],
)
def test_smtp_errors_are_sorted_into_transient_and_permanent(error, permanent):
    assert services.smtp_error_is_permanent(error) is permanent


@pytest.mark.django_db(transaction=True)
def test_deliver_gives_up_on_a_message_that_keeps_dying_mid_send(settings, smtp_sink):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = OutgoingMessageFactory(status=MessageStatus.QUEUED, attempts=3, last_error="Worker lost")

    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.FAILED

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "Gave up after 3 attempts. Worker lost"
    assert smtp_sink.data_commands == 0


@pytest.mark.django_db(transaction=True)
def test_deliver_forgets_the_body_of_a_sent_sign_in_message(smtp_sink):
    message = OutgoingMessageFactory(template="account/email/login_code", body_text="Your code: ABC123")

    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.SENT

    [received] = smtp_sink.messages
    assert "ABC123" in received.get_body(("plain",)).get_content()
    message.refresh_from_db()
    assert "ABC123" not in message.body_text
    assert message.body_html == ""


@pytest.mark.django_db(transaction=True)
def test_deliver_keeps_the_body_of_other_sent_messages(smtp_sink):
    message = OutgoingMessageFactory(body_text="Meeting details")

    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.SENT

    message.refresh_from_db()
    assert message.body_text == "Meeting details"
    assert message.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_again_keeps_its_message_id(settings, smtp_sink):
    """The sweep may send a message twice (worker killed after the server accepted it): the copies
    carry one Message-ID, so mail clients show one, and no two messages share one."""
    settings.SITE_URL = "https://sme.example.org"
    message, other = OutgoingMessageFactory(), OutgoingMessageFactory()

    services.outgoing_message_deliver(message_id=message.pk)
    OutgoingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
    services.outgoing_message_deliver(message_id=message.pk)
    services.outgoing_message_deliver(message_id=other.pk)

    first, again, another = (received["Message-ID"] for received in smtp_sink.messages)
    assert first == again
    assert first != another
    assert first.startswith(f"<outbox.{message.pk}.") and first.endswith("@sme.example.org>")


@pytest.mark.django_db(transaction=True)
def test_one_transaction_publishes_one_broker_message_for_all_its_emails(broker_queue):
    with transaction.atomic():
        first, second = queue_one(), queue_one()
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            queue_one()  # rolled back with its savepoint: its id may ride along, its row does not
            raise ZeroDivisionError
        third = queue_one()

    assert broker_queue() == 1
    assert OutgoingMessage.objects.filter(pk__in=[first.pk, second.pk, third.pk]).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_that_published_first_leaves_the_rest_published_once(broker_queue):
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            queue_one()
            raise ZeroDivisionError
        queue_one()

    assert broker_queue() == 1


@pytest.mark.django_db
def test_mail_queue_stores_what_to_render_and_the_row_reads_as_it_will_be_sent():
    recipient = OutgoingMessageFactory(to="ada@example.org")  # any row, to stand in the context by its id

    message = services.mail_queue(
        to="ada@example.org",
        template="emails/outbox_test",
        context={"name": "Ada", "link": "https://x.test/", "row": recipient, "rows": [recipient]},
        language="fr",
    )

    stored = OutgoingMessage.objects.filter(pk=message.pk).values("subject", "body_text", "context").get()
    assert stored["subject"] == stored["body_text"] == ""  # nothing rendered in the request
    row = {"__model__": "outbox.outgoingmessage", "pk": recipient.pk}
    assert stored["context"] == {"name": "Ada", "link": "https://x.test/", "row": row, "rows": [row]}
    read = OutgoingMessage.objects.get(pk=message.pk)
    assert read.subject == "Hello Ada"
    assert read.body_text.startswith("Dear Ada,")


@pytest.mark.django_db
def test_a_context_that_json_cannot_hold_is_rendered_at_once():
    message = services.mail_queue(
        to="ada@example.org",
        template="emails/outbox_test",
        context={"name": "Ada", "link": "https://x.test/", "day": timezone.localdate()},
    )

    stored = OutgoingMessage.objects.filter(pk=message.pk).values("subject", "context").get()
    assert stored == {"subject": "Hello Ada", "context": None}


@pytest.mark.django_db
def test_the_claim_keeps_the_rendered_message_as_sent(smtp_sink):
    message = queue_one()

    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.SENT

    stored = OutgoingMessage.objects.filter(pk=message.pk).values("subject", "body_text", "context").get()
    assert stored["subject"] == "Hello Ada" and stored["body_text"].startswith("Dear Ada,")
    assert stored["context"] is None
    assert smtp_sink.messages[0]["Subject"] == "Hello Ada"


@pytest.mark.django_db
def test_the_messages_of_one_batch_read_the_rows_they_share_once(smtp_sink):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shared = OutgoingMessageFactory(to="shared@example.org")  # any row: the context names it by its id
    context = {"name": "Ada", "link": "https://x.test/", "row": shared}
    batch = [services.mail_queue(to=f"p{i}@example.org", template="emails/outbox_test", context=context) for i in "12"]

    with CaptureQueriesContext(connection) as captured:
        outcomes = services.outgoing_messages_deliver(message_ids=[message.pk for message in batch])

    assert outcomes == [MessageStatus.SENT, MessageStatus.SENT]
    context_reads = [
        query
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and f'."id" IN ({shared.pk})' in query["sql"]
    ]
    assert len(context_reads) == 1, context_reads
    assert smtp_sink.connections == 1


@pytest.mark.django_db
def test_a_batch_is_claimed_and_its_rows_read_once_whatever_its_size(smtp_sink):
    """Per message only the "sent" record is written; the claim, the rows the messages name and the
    commit are one each for the batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def deliver(count: int) -> int:
        rows = OutgoingMessageFactory.create_batch(count)  # any rows: each message's context names its own
        batch = [
            services.mail_queue(
                to=f"p{row.pk}@example.org",
                template="emails/outbox_test",
                context={"name": "Ada", "link": "https://x.test/", "row": row},
            )
            for row in rows
        ]
        with CaptureQueriesContext(connection) as captured:
            outcomes = services.outgoing_messages_deliver(message_ids=[message.pk for message in batch])
        assert outcomes == [MessageStatus.SENT] * count
        return len(captured)

    one, ten = deliver(1), deliver(10)

    assert ten - one == 9
    assert len(smtp_sink.messages) == 11


@pytest.mark.django_db
def test_a_message_that_cannot_be_rendered_fails_with_the_reason_and_the_batch_goes_on(smtp_sink):
    broken = OutgoingMessage.objects.create(
        to="ada@example.org", template="emails/no_such_template", subject="", body_text="", context={"name": "Ada"}
    )
    fine = queue_one()

    outcomes = services.outgoing_messages_deliver(message_ids=[broken.pk, fine.pk])

    assert outcomes == [MessageStatus.FAILED, MessageStatus.SENT]
    broken.refresh_from_db(fields=["status", "last_error"])
    assert broken.status == MessageStatus.FAILED
    assert "TemplateDoesNotExist" in broken.last_error
    assert [message["To"] for message in smtp_sink.messages] == ["ada@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_binary_attachment_is_stored_as_base64_and_sent_as_the_same_bytes(smtp_sink):
    pdf = b"%PDF-1.7\n\x00\xff binary"
    message = queue_one(attachments=[{"filename": "letter.pdf", "content": pdf, "mimetype": "application/pdf"}])

    stored = OutgoingMessage.objects.get(pk=message.pk).attachments
    assert stored[0]["filename"] == "letter.pdf" and "content" not in stored[0]
    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.SENT

    [received] = smtp_sink.messages
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


@pytest.mark.django_db(transaction=True)
def test_attachments_of_a_message_that_carries_personal_documents_are_dropped_once_sent(smtp_sink):
    message = OutgoingMessageFactory(
        template=services.ATTACHMENTS_DROPPED_AFTER_SENDING_TEMPLATES[0],
        attachments=[services.attachment_stored(filename="letter.pdf", content=b"%PDF", mimetype="application/pdf")],
    )

    assert services.outgoing_message_deliver(message_id=message.pk) == MessageStatus.SENT

    assert len(list(smtp_sink.messages[0].iter_attachments())) == 1
    message.refresh_from_db()
    assert message.attachments == [{"filename": "letter.pdf", "mimetype": "application/pdf", "removed": True}]


def test_an_attachment_to_draw_names_a_registered_renderer():
    from smepilot.outbox.rendering import NotStorable, attachment_drawn

    with pytest.raises(NotStorable):
        attachment_drawn(filename="x.svg", renderer="no_such_renderer", argument="1", mimetype="image/svg+xml")
    drawn = attachment_drawn(filename="x.svg", renderer="check_in_qr_svg", argument="1", mimetype="image/svg+xml")
    assert drawn == {"filename": "x.svg", "renderer": "check_in_qr_svg", "argument": "1", "mimetype": "image/svg+xml"}
