"""Sending stored messages. The task takes an id, locks the row and sends it once."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import MessageStatus, OutgoingMessage

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def outgoing_message_send(message_id: int) -> None:
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.status not in (MessageStatus.QUEUED, MessageStatus.SENDING):
            return
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        message.attempts += 1
        email.send()
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=["status", "attempts", "sent_at", "updated_at"])
