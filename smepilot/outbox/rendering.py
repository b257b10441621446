"""Rendering an email in the worker rather than in the request that stored it.

``mail_queue`` stores what to render: the template set, the language and the context, with each
model instance replaced by its model and primary key (``context_dump``). The worker that sends the
message loads those rows again (one query per model, ``context_load``), renders the templates in the
message's language and keeps the result on the row (``message_render``), so the admin, the data
export and a resend read what was sent. The request that registers someone thus writes rows and
renders no template for its emails: on registration day that is most of its time.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from smepilot.text import header_text

MODEL_KEY = "__model__"

# The rows already read for the messages of one batch, by model label and primary key (rows_shared).
_rows_read: ContextVar[dict | None] = ContextVar("outbox_rows_read", default=None)


@contextmanager
def rows_shared():
    """Inside, messages rendered one after another share the rows they name: a registration's emails
    to its registrant and each focal point name the same person, SME and registrations, read once."""
    token = _rows_read.set({})
    try:
        yield
    finally:
        _rows_read.reset(token)


# Attachments the worker draws when it sends, by name (attachment_renderer): an app registers the
# function when it loads; a stored attachment names it with the text to draw from.
_attachment_renderers: dict = {}


def attachment_renderer(name: str):
    """Register ``function(argument: str) -> str | bytes`` as the attachment ``name`` (see
    ``attachment_drawn``): what takes long to draw (a QR code) is drawn in the worker, not the request."""

    def register(function):
        _attachment_renderers[name] = function
        return function

    return register


def attachment_drawn(*, filename: str, renderer: str, argument: str, mimetype: str) -> dict:
    """An attachment to draw at sending time: ``renderer`` (registered) applied to ``argument``."""
    if renderer not in _attachment_renderers:
        raise NotStorable(f"no attachment renderer {renderer!r}")
    return {"filename": filename, "renderer": renderer, "argument": argument, "mimetype": mimetype}


def attachment_draw(attachment: dict) -> str | bytes:
    return _attachment_renderers[attachment["renderer"]](attachment["argument"])


class NotStorable(TypeError):
    """A context value that cannot be stored as JSON and read back the same (a date, a lazy string)."""


def context_dump(value):
    """The context as JSON: model instances as ``{"__model__": label, "pk": pk}``, lists and dicts kept."""
    if isinstance(value, models.Model):
        return {MODEL_KEY: value._meta.label_lower, "pk": value.pk}
    if isinstance(value, (list, tuple)):
        return [context_dump(item) for item in value]
    if isinstance(value, dict):
        if MODEL_KEY in value:
            raise NotStorable(MODEL_KEY)
        return {str(key): context_dump(item) for key, item in value.items()}
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise NotStorable(type(value).__name__)


def _references(value, found: dict[str, set]) -> None:
    if isinstance(value, list):
        for item in value:
            _references(item, found)
    elif isinstance(value, dict):
        if MODEL_KEY in value:
            found.setdefault(value[MODEL_KEY], set()).add(value["pk"])
        else:
            for item in value.values():
                _references(item, found)


def _rows_read_into(rows: dict, found: dict[str, set]) -> None:
    # select_related(): the rows the templates reach through required foreign keys (a registration's
    # meeting and study group, an SME's Administration) come in the same query, not one query each.
    for label, pks in found.items():
        known = rows.setdefault(label, {})
        missing = [pk for pk in pks if pk not in known]
        if missing:
            known.update(apps.get_model(label).objects.select_related().in_bulk(missing))


def rows_preload(contexts) -> None:
    """Within ``rows_shared``, read the rows all these stored contexts name, one query per model: a
    batch of messages that each name other rows (each focal point's own registrations) renders
    without a query per message."""
    shared = _rows_read.get()
    if shared is None:
        return
    found: dict[str, set] = {}
    for stored in contexts:
        _references(stored, found)
    _rows_read_into(shared, found)


def context_load(stored):
    """The context ``context_dump`` stored, with its rows read again (one query per model, none for
    rows already read within ``rows_shared``).

    A row deleted since (an account closed before the worker ran) reads as None.
    """
    found: dict[str, set] = {}
    _references(stored, found)
    shared = _rows_read.get()
    rows = shared if shared is not None else {}
    _rows_read_into(rows, found)

    def load(value):
        if isinstance(value, list):
            return [load(item) for item in value]
        if isinstance(value, dict):
            if MODEL_KEY in value:
                return rows[value[MODEL_KEY]].get(value["pk"])
            return {key: load(item) for key, item in value.items()}
        return value

    return load(stored)


def mail_render(*, template: str, context: dict) -> tuple[str, str, str]:
    """Render ``<template>/subject.txt``, ``body.txt`` and ``body.html``.

    Every email can sign with the secretariat's configured address, as every page does
    (smepilot.context_processors): ``{{ SECRETARIAT_EMAIL }}``.
    """
    context = {"SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL, **context}
    # A subject is plain text, not HTML: rendered without escaping ("O'Brien & Sons", not "O&#x27;Brien &amp; Sons").
    subject = header_text(get_template(f"{template}/subject.txt").template.render(Context(context, autoescape=False)))
    body_text = render_to_string(f"{template}/body.txt", context)
    body_html = render_to_string(f"{template}/body.html", context)
    return subject, body_text, body_html


def message_render(message) -> None:
    """Fill in a stored message's subject and bodies from its template and context, in its language.

    The row is not written here: the worker's claim saves the result with the claim.
    """
    with translation.override(message.language or settings.LANGUAGE_CODE):
        subject, body_text, body_html = mail_render(template=message.template, context=context_load(message.context))
    message.subject = header_text(subject)[: message._meta.get_field("subject").max_length]
    message.body_text = body_text
    message.body_html = body_html
