"""The one path every email takes, modelled on pretix's outgoing mail.

``mail_queue`` stores what to render (smepilot.outbox.rendering) as a row in the caller's transaction and
asks Celery to send it once that transaction commits (one task for all the messages of a
transaction): work that is rolled back sends nothing. ``outgoing_messages_deliver`` is what the
Celery task runs: it claims the rows a batch at a time, renders them, talks SMTP once for each over
one connection and records each outcome.
``outgoing_messages_requeue_stuck`` is the periodic sweep that makes a lost task (broker down at
commit time, worker killed mid-send) delay mail without losing it.
"""

import base64
import contextlib
import logging
import random
import smtplib
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from smepilot.text import header_text

from .models import MessageStatus, OutgoingMessage
from .rendering import (
    NotStorable,
    attachment_draw,
    context_dump,
    mail_render,
    message_render,
    rows_preload,
    rows_shared,
)

logger = logging.getLogger(__name__)

# Templates whose messages carry a one-time secret (sign-in codes, password-reset and
# verification links): their bodies are not kept once sent, and the admin never shows them.
SECRET_TEMPLATE_PREFIXES = ("account/",)
REDACTED_BODY = "[Removed after sending: this message carried a one-time sign-in secret.]"
# Templates whose messages are deleted once sent: they go to the address of an account that no
# longer exists (registration.retention.account_close), which is kept nowhere else.
DELETED_AFTER_SENDING_TEMPLATES = ("emails/account_closed",)
# Templates whose attachments are dropped once sent: a visa support letter names the person's passport
# (registration.visas), which is kept only on the request, until the purge erases it; the letter can
# be downloaded again from "My registrations" meanwhile. A failed message keeps them for its resend.
ATTACHMENTS_DROPPED_AFTER_SENDING_TEMPLATES = ("emails/visa_letter_issued",)

# How many stuck messages one sweep re-queues; the next sweep takes the rest.
SWEEP_BATCH_SIZE = 500
# How many messages one claim takes (outgoing_messages_deliver). Larger batches pay the claim's lock,
# reads and commit over more messages; a worker killed half-way leaves its claimed, unsent messages
# "sending" until the sweep, so this also bounds how many wait for it.
CLAIM_BATCH_SIZE = 20


def mail_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMessage:
    """Store one email for ``to`` and send it after the current transaction commits.

    What to render is stored (template, language, and the context with rows as their ids:
    smepilot.outbox.rendering); the worker renders it when it sends. A context holding anything
    else (a date, a lazy string) is rendered here instead.

    ``attachments`` is a list of ``{"filename", "content", "mimetype"}`` dicts; the content is text
    (an ``.ics`` file, for instance) or bytes (a PDF), stored as base64 (``attachment_stored``).
    """
    attachments = _attachments_stored(attachments)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        stored = context_dump(context)
    except NotStorable:
        stored = None  # rendered here, now: the context holds something only this process can read
    if stored is None:
        with translation.override(language):
            subject, body_text, body_html = mail_render(template=template, context=context)
        return mail_queue_rendered(
            to=to,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            template=template,
            language=language,
            attachments=attachments,
        )
    message = OutgoingMessage.objects.create(
        to=to, template=template, language=language, context=stored, attachments=attachments or []
    )
    _transaction_batch_add(message.pk)
    return message


def mail_queue_rendered(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str,
    language: str | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMessage:
    """Store an email that is already rendered (allauth's own mails) and send it on commit.

    Every email passes here, so the subject is made one header-safe line here: line breaks and other
    control characters, and bidirectional overrides, removed (smepilot.text.header_text).
    Outside a transaction (autocommit), the row is saved and the task queued at once.
    """
    attachments = _attachments_stored(attachments)
    message = OutgoingMessage.objects.create(
        to=to,
        template=template,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        subject=header_text(subject)[: OutgoingMessage._meta.get_field("subject").max_length],
        body_text=body_text,
        body_html=body_html or "",
        attachments=attachments or [],
    )
    _transaction_batch_add(message.pk)
    return message


def attachment_stored(*, filename: str, content: str | bytes, mimetype: str) -> dict:
    """An attachment as the row keeps it, in JSON: text as it is, bytes as base64 (``content_base64``)."""
    if isinstance(content, bytes):
        return {
            "filename": filename,
            "content_base64": base64.b64encode(content).decode("ascii"),
            "mimetype": mimetype,
        }
    return {"filename": filename, "content": content, "mimetype": mimetype}


def _attachments_stored(attachments: list[dict] | None) -> list[dict]:
    return [
        attachment if "content" not in attachment else attachment_stored(**attachment)
        for attachment in attachments or []
    ]


def _attachment_content(attachment: dict) -> str | bytes:
    if "renderer" in attachment:  # drawn now, in the worker (rendering.attachment_drawn)
        return attachment_draw(attachment)
    if "content_base64" in attachment:
        return base64.b64decode(attachment["content_base64"])
    return attachment["content"]


class _TransactionBatch:
    """The ids of the messages one transaction stores, published as one task when it commits.

    One broker round trip per transaction rather than per email (a registration stores one for the
    registrant and one per focal point), and one SMTP connection for them in the worker.
    """

    def __init__(self):
        self.message_ids: list[int] = []

    def __call__(self):
        outgoing_messages_enqueue(message_ids=self.message_ids)


def _transaction_batch_add(message_id: int) -> None:
    """Add the message to its transaction's batch; the first message of a transaction registers it.

    The batch is found among the transaction's own on-commit callbacks, so it shares their fate: a
    savepoint rolled back drops the batch it registered (the next message registers a new one), a
    transaction rolled back drops them all. An id whose savepoint was rolled back may stay in a
    batch registered earlier: the task finds no row for it and skips it.
    Outside a transaction (autocommit), the row is committed already: published at once.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        outgoing_messages_enqueue(message_ids=[message_id])
        return
    for _savepoint_ids, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _TransactionBatch):
            callback.message_ids.append(message_id)
            return
    batch = _TransactionBatch()
    batch.message_ids.append(message_id)
    transaction.on_commit(batch)


def outgoing_messages_enqueue(*, message_ids: list[int]) -> bool:
    """Hand one transaction's messages to Celery as one task; like ``outgoing_message_enqueue``, a
    broker that is down is logged and left to the sweep."""
    from .tasks import outgoing_messages_send

    try:
        outgoing_messages_send.apply_async(args=(message_ids,))
    except Exception:
        logger.exception("Could not queue outgoing messages %s; the sweep will retry them.", message_ids)
        return False
    return True


def outgoing_message_enqueue(*, message_id: int, countdown: float | None = None) -> bool:
    """Hand the message to Celery. A broker that is down must not fail the caller's request.

    Called from on_commit callbacks: the row is committed and stays queued, so if publishing
    fails the sweep (``outgoing_messages_requeue_stuck``) queues it again later.
    """
    from .tasks import outgoing_message_send

    try:
        outgoing_message_send.apply_async(args=(message_id,), countdown=countdown)
    except Exception:
        # Any publishing error (broker unreachable, timeout, ...): log it; the sweep recovers.
        logger.exception("Could not queue outgoing message %s; the sweep will retry it.", message_id)
        return False
    return True


def outgoing_message_requeue(*, message: OutgoingMessage) -> OutgoingMessage:
    """Send a failed message again (the admin's "Resend"), with a fresh set of attempts."""
    with transaction.atomic():
        locked = OutgoingMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != MessageStatus.FAILED:
            raise ValidationError(
                _("Only failed messages can be sent again; this one is %(status)s."),
                code="not_failed",
                params={"status": locked.get_status_display()},
            )
        locked.status = MessageStatus.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        transaction.on_commit(partial(outgoing_message_enqueue, message_id=locked.pk))
    return locked


def outgoing_messages_requeue_stuck(*, now=None) -> int:
    """Queue again the messages whose task was lost; return how many.

    A message is stuck when it is queued and its due time passed more than
    ``OUTBOX_STUCK_AFTER_SECONDS`` ago (its task was never published, or lost), or when it has
    been sending for that long (the worker died mid-conversation). A message that is being
    claimed right now is locked and skipped. Re-sending a message stuck in "sending" may deliver
    it twice if the worker died after the server accepted it: a duplicate rather than a loss.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)
    with transaction.atomic():
        stuck = list(
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=MessageStatus.QUEUED, next_attempt_at__lte=cutoff)
                | Q(status=MessageStatus.SENDING, updated_at__lte=cutoff)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
        )
        if stuck:
            OutgoingMessage.objects.filter(pk__in=stuck).update(
                status=MessageStatus.QUEUED, next_attempt_at=now, updated_at=now
            )
            logger.warning("Re-queueing %d stuck outgoing message(s): %s", len(stuck), stuck)
        for pk in stuck:
            transaction.on_commit(partial(outgoing_message_enqueue, message_id=pk))
    return len(stuck)


def outgoing_messages_failed_count() -> int:
    """How many messages failed for good and wait for the secretariat (admin, "Resend")."""
    return OutgoingMessage.objects.filter(status=MessageStatus.FAILED).count()


# --- Sending --------------------------------------------------------------------------------


def retry_countdown(*, attempts: int) -> float:
    """Seconds to wait before the next try: exponential, capped, with jitter.

    base * 2^(attempts-1), at most OUTBOX_RETRY_BACKOFF_MAX_SECONDS, then a random value in its
    upper half so that messages failed together do not all come back at the same instant. The
    cap must stay below the Redis visibility timeout (checked by the outbox app's system check),
    or Redis would hand the waiting task to a second worker.
    """
    base = settings.OUTBOX_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    capped = min(base, settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS)
    return random.uniform(capped / 2, capped)  # noqa: S311 - jitter, not security


def smtp_error_kind(error: BaseException) -> str:
    """The error's type and SMTP codes, for logs: the server's text may repeat the recipient's address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in error.recipients.values()})
        return f"{type(error).__name__} {', '.join(map(str, codes))}".strip()
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    return type(error).__name__


def smtp_error_is_permanent(error: BaseException) -> bool:
    """Whether retrying cannot help: the server answered with a 5xx code (RFC 5321, 4.2.1).

    4xx answers, a dropped connection, refused connections and timeouts are transient.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and any(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # Our credentials are wrong: a configuration problem, not this message's. Retry, so the
        # mail goes out once the configuration is fixed within the retry window.
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    # Other SMTP errors (SMTPServerDisconnected) and OSError (connection refused, timeouts, DNS
    # failures) are transient. Anything else is a fault in building the message: permanent.
    return not isinstance(error, (smtplib.SMTPException, OSError))


def smtp_error_is_refusal(error: BaseException) -> bool:
    """The mail server refused the recipient for good: a 5xx answer to RCPT or DATA (a bounce)."""
    return isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)) and (
        smtp_error_is_permanent(error)
    )


def _address_refused_tell(*, message: OutgoingMessage, error_text: str) -> None:
    """Tell whoever listens (signals.address_refused) that ``message.to`` bounces; never fail the sending."""
    from .signals import address_refused

    for receiver, response in address_refused.send_robust(
        sender=OutgoingMessage, address=message.to, message=message, error=error_text
    ):
        if isinstance(response, Exception):
            logger.error(
                "Outgoing message %s: %s could not record the refused address: %s",
                message.pk,
                getattr(receiver, "__qualname__", receiver),
                type(response).__name__,
                exc_info=response,
            )


def message_id_header(message: OutgoingMessage) -> str:
    """The message's Message-ID (RFC 5322, 3.6.4), the same each time the outbox sends it.

    A message the sweep sends again (its worker died after the server accepted it) reaches the
    recipient with the same id, so mail clients show it once. Row id and creation time, at the
    site's host name: unique within a deployment, and between deployments with their own SITE_URL.
    """
    domain = urlsplit(settings.SITE_URL).hostname or DNS_NAME.get_fqdn()
    created = round(message.created_at.timestamp() * 1_000_000)  # microseconds since 1970, a number
    return f"<outbox.{message.pk}.{created}@{domain}>"


def _email_build(message: OutgoingMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message_id_header(message)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], _attachment_content(attachment), attachment.get("mimetype"))
    return email


def _messages_claim(message_ids: list[int]) -> dict[int, OutgoingMessage | str]:
    """queued → sending, committed before any SMTP traffic: each claimed message by id, or the outcome
    of one there is nothing to send for ("skipped", failed); ids not found are left out.

    The row locks make two tasks for the same messages (a redelivery, the sweep, a double enqueue)
    take turns; the second one finds them no longer queued and leaves. One claim takes a batch: one
    lock and one UPDATE for all of them. A claimed message still holds its stored context: it is
    rendered when it is sent (``_message_send``), after the rows of the batch are read at once.
    """
    outcomes: dict[int, OutgoingMessage | str] = {}
    with transaction.atomic():
        # In id order, so that two tasks claiming overlapping batches cannot deadlock. The stored
        # context comes as an annotation: loaded as the field, each message would render on its own
        # (OutgoingMessage.from_db), before the rows of the whole batch are read at once.
        locked = list(
            OutgoingMessage.objects.select_for_update()
            .filter(pk__in=message_ids)
            .defer("context")
            .annotate(stored_context=F("context"))
            .order_by("pk")
        )
        claimed = []
        for message in locked:
            message.context = message.stored_context
            if message.status != MessageStatus.QUEUED:
                outcomes[message.pk] = "skipped"
            elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                # Only reached when sends keep dying half-way (the sweep re-queues those).
                message.status = MessageStatus.FAILED
                message.last_error = f"Gave up after {message.attempts} attempts. {message.last_error}".strip()
                message.save(update_fields=["status", "last_error", "updated_at"])
                outcomes[message.pk] = MessageStatus.FAILED
            else:
                message.status = MessageStatus.SENDING
                message.attempts += 1
                claimed.append(message)
                outcomes[message.pk] = message
        if claimed:
            OutgoingMessage.objects.filter(pk__in=[message.pk for message in claimed]).update(
                status=MessageStatus.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
            )
    rows_preload(message.context for message in claimed if message.context is not None)
    return outcomes


def outgoing_messages_deliver(*, message_ids: list[int]) -> list[str]:
    """Send each stored message once, over one SMTP connection; return their statuses in order.

    Claimed ``CLAIM_BATCH_SIZE`` at a time. The connection is opened for the first message that is
    claimed and closed at the end. After a failed send it is closed and the next message opens a new
    one: a server that answered 421 has hung up, and a half-finished conversation must not carry over
    to the next recipient.
    """
    connection = get_connection()
    outcomes, seen = [], set()
    try:
        with rows_shared():  # the messages of one transaction name the same rows: read them once
            for start in range(0, len(message_ids), CLAIM_BATCH_SIZE):
                batch = message_ids[start : start + CLAIM_BATCH_SIZE]
                claims = _messages_claim(batch)
                for message_id in batch:
                    claim = "skipped" if message_id in seen else claims.get(message_id, "skipped")
                    seen.add(message_id)
                    if isinstance(claim, OutgoingMessage):
                        outcome = _message_send(claim, connection=connection)
                    else:
                        outcome = claim
                    if outcome not in (MessageStatus.SENT, "skipped"):
                        _connection_close_quietly(connection)
                    outcomes.append(outcome)
    finally:
        _connection_close_quietly(connection)
    return outcomes


def _connection_close_quietly(connection) -> None:
    # The server may be gone already (it hung up after a 421): the next send opens a new connection.
    with contextlib.suppress(Exception):
        connection.close()


def outgoing_message_deliver(*, message_id: int, connection=None) -> str:
    """Send one stored message once; return the resulting status (or "skipped").

    ``connection``: an email backend kept open across several messages.
    """
    with rows_shared():
        claim = _messages_claim([message_id]).get(message_id, "skipped")
    if not isinstance(claim, OutgoingMessage):
        return claim
    return _message_send(claim, connection=connection)


def _message_send(message: OutgoingMessage, *, connection=None) -> str:
    """Talk SMTP once for a claimed message and record the outcome.

    Transient failures go back to queued and are retried after ``retry_countdown``, up to
    ``OUTBOX_MAX_ATTEMPTS`` attempts; permanent ones (5xx) fail at once with the error.
    """
    rendered = message.context is not None
    try:
        if rendered:
            message_render(message)  # a template that fails to render fails the message, as below
        email = _email_build(message)
        if connection is not None:
            connection.open()  # a no-op once open; an unreachable server is a transient failure below
            email.connection = connection
        email.send()
    except Exception as error:
        error_text = f"{type(error).__name__}: {error}"[:2000]  # for the secretariat, on the message
        error_kind = smtp_error_kind(error)  # for the log, which names no address
        if smtp_error_is_permanent(error) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            logger.warning("Outgoing message %s failed: %s", message.pk, error_kind)
            OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.FAILED, last_error=error_text, updated_at=timezone.now()
            )
            if smtp_error_is_refusal(error):
                _address_refused_tell(message=message, error_text=error_text)
            return MessageStatus.FAILED
        countdown = retry_countdown(attempts=message.attempts)
        logger.info("Outgoing message %s: %s; retrying in %.1f s", message.pk, error_kind, countdown)
        now = timezone.now()
        with transaction.atomic():
            OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.QUEUED,
                last_error=error_text,
                next_attempt_at=now + timedelta(seconds=countdown),
                updated_at=now,
            )
            transaction.on_commit(partial(outgoing_message_enqueue, message_id=message.pk, countdown=countdown))
        return MessageStatus.QUEUED
    if message.template in DELETED_AFTER_SENDING_TEMPLATES:
        OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).delete()
        return MessageStatus.SENT
    sent = {"status": MessageStatus.SENT, "sent_at": timezone.now(), "updated_at": timezone.now()}
    if rendered:  # kept as sent, for the admin, the data export and a resend
        sent.update(subject=message.subject, body_text=message.body_text, body_html=message.body_html, context=None)
    if message.template.startswith(SECRET_TEMPLATE_PREFIXES):
        sent.update(body_text=REDACTED_BODY, body_html="")
    if message.template in ATTACHMENTS_DROPPED_AFTER_SENDING_TEMPLATES:
        sent["attachments"] = [
            {"filename": attachment["filename"], "mimetype": attachment.get("mimetype"), "removed": True}
            for attachment in message.attachments
        ]
    OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**sent)
    return MessageStatus.SENT
