"""The outgoing-mail table: every email is a row first (after pretix's OutgoingMail)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMessage(models.Model):
    to = models.EmailField(pgettext_lazy("recipient of an email", "to"))
    template = models.CharField(_("template"), max_length=200, help_text=_("The template set it was rendered from."))
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # [{"filename": ..., "content": ..., "mimetype": ...}]: text attachments such as .ics files, or
    # "content_base64" for bytes such as a PDF (services.attachment_stored).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # What the worker renders when it sends (smepilot.outbox.rendering): the template's context with
    # rows as their ids. Null once rendered: subject and bodies then hold what was sent.
    context = models.JSONField(_("context to render"), null=True, blank=True, default=None)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the queued message's task is due (later than now while a retry waits out its backoff).
    # The sweep re-queues queued messages whose time passed long ago: their task was lost.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="outgoingmessage_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="outbox_status_updated_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """A message not rendered yet reads as it will be sent: rendered from its stored context.

        Only queued (and sending) messages are in that state, for the seconds until a worker sends them;
        sending stores the result (services._message_send), so the admin, the data export and a resend
        read what was sent.
        """
        message = super().from_db(db, field_names, values)
        if "context" in field_names and message.context is not None:
            from .rendering import message_render

            message_render(message)
        return message
