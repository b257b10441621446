"""/health/: whether this web process can reach the database and the broker, for load balancers.

Cheap on purpose: one ``SELECT 1``, one Redis ``PING`` with a short timeout, no session, template or
sign-in; never cached. 200 with ``{"status": "ok", ...}`` when both answer, else 503 naming what is
down. Exempt from the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``), so a probe over plain HTTP works.
"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Seconds the broker has to answer: a probe must answer well within the load balancer's timeout.
BROKER_TIMEOUT_SECONDS = 2


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer.")
        return "down"
    return "ok"


def broker_status() -> str:
    """ "ok" when the Redis broker answers a PING, "in-process" when tasks run in the web process."""
    url = settings.CELERY_BROKER_URL
    if not url or url.startswith("memory://"):
        return "in-process"
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:
        # The URL may hold a password: the error's type and message only.
        logger.error("Health check: the broker does not answer (%s: %s).", type(error).__name__, error)
        return "down"
    return "ok"


@require_safe
@never_cache
def health(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = "down" not in checks.values()
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)
