"""Request ids, JSON log lines and the optional error tracker.

Every log line of the site and the Celery worker can be tied to its request or task: the request-id
middleware takes a sane incoming ``X-Request-ID`` (a proxy's) or makes one, answers with it and keeps
it in a context variable, as the worker does with the task id (Celery's task_prerun/postrun
signals). ``ContextFilter`` adds them, with the signed-in user's id, to each record; ``JsonFormatter``
writes one JSON object per line (settings LOGGING, ``LOG_FORMAT=json``). Log calls name people by
ids only: never an email address or a name.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from celery.signals import task_postrun, task_prerun
from django.utils.functional import empty

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only when it is a plain token: nothing to inject into a log line or a header.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
request_var: ContextVar[object | None] = ContextVar("request", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)


def request_id_from(incoming: str | None) -> str:
    if incoming and REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: every response, redirects and errors included, carries the request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        id_token = request_id_var.set(request.request_id)
        request_token = request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            request_var.reset(request_token)
            request_id_var.reset(id_token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def _user_id(request) -> int | None:
    """The signed-in user's id, once the request has looked them up: logging never queries for it."""
    user = getattr(request, "__dict__", {}).get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and task_id (None when unknown) to every record."""

    def filter(self, record):
        request = request_var.get()
        record.request_id = request_id_var.get()
        record.user_id = _user_id(request) if request is not None else None
        record.task_id = task_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the ids that are known, exception."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "task_id"):
            if getattr(record, key, None) is not None:
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


_task_tokens = {}


@task_prerun.connect
def _task_id_set(task_id=None, **kwargs):
    _task_tokens[task_id] = task_id_var.set(task_id)


@task_postrun.connect
def _task_id_clear(task_id=None, **kwargs):
    # Back to what it was: None in a worker, the outer task's id for a task run in process inside one.
    token = _task_tokens.pop(task_id, None)
    try:
        task_id_var.reset(token)
    except (TypeError, ValueError):  # no prerun seen, or run in another context: forget it anyway
        task_id_var.set(None)


def sentry_init(dsn: str) -> None:
    """Errors of the site and the worker to Sentry (or a compatible tracker), without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
    )
