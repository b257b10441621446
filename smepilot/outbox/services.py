"""The one email path (DESIGN.md, "One email path").

``mail_queue`` renders a template set, stores the message row in the caller's transaction and
asks Celery to send it once that transaction commits: work that is rolled back sends nothing.
"""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutgoingMessage


def mail_render(*, template: str, context: dict) -> tuple[str, str, str]:
    """Render ``<template>/subject.txt``, ``body.txt`` and ``body.html``."""
    subject = render_to_string(f"{template}/subject.txt", context).strip()
    subject = " ".join(subject.split())  # a subject is one line
    body_text = render_to_string(f"{template}/body.txt", context)
    body_html = render_to_string(f"{template}/body.html", context)
    return subject, body_text, body_html


def mail_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None = None,
    attachments: list[dict] | None = None,
) -> OutgoingMessage:
    """Store one email for ``to`` and send it after the current transaction commits."""
    from .tasks import outgoing_message_send

    language = language or translation.get_language() or "en"
    with translation.override(language):
        subject, body_text, body_html = mail_render(template=template, context=context)
    message = OutgoingMessage.objects.create(
        to=to,
        template=template,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments or [],
    )
    transaction.on_commit(lambda: outgoing_message_send.delay(message.pk))
    return message
