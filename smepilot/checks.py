"""Deployment checks (`manage.py check --deploy`) for what production needs beyond Django's own."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

SHARED_CACHE_BACKENDS = (
    "smepilot.cache.DegradingRedisCache",
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.db.DatabaseCache",
)


@register(Tags.security, deploy=True)
def shared_cache_for_rate_limits(app_configs=None, **kwargs):
    """allauth counts sign-in attempts in the cache: a per-process cache lets each worker count alone."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        Warning(
            f"The cache ({backend}) is not shared between processes, so each web worker counts sign-in "
            "attempts on its own and the rate limits are multiplied by the number of workers.",
            hint="Set REDIS_URL (README, Configuration).",
            id="smepilot.W001",
        )
    ]


@register(deploy=True)
def worker_sends_the_emails(app_configs=None, **kwargs):
    """Without a broker every email is sent inside the web request, and nothing retries or sweeps."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return [
        Warning(
            "Celery tasks run inside the web process (no broker, or CELERY_TASK_ALWAYS_EAGER): emails are sent "
            "during requests, and the outbox sweep and the focal points' reminders never run.",
            hint="Set CELERY_BROKER_URL (or REDIS_URL) and run a Celery worker and one beat (README).",
            id="smepilot.W002",
        )
    ]


@register()
def pdf_fonts_installed(app_configs=None, **kwargs):
    """The visa support letters and lists of participants are PDFs written with these fonts (smepilot.pdf)."""
    from .pdf import font_files_missing

    missing = font_files_missing()
    if not missing:
        return []
    files = ", ".join(str(path) for path, _package in missing)
    packages = " ".join(sorted({package for _path, package in missing}))
    return [
        Error(
            f"The fonts of the PDF documents (visa support letters, lists of participants) are missing: {files}.",
            hint=f"Install the Debian packages {packages} (apt-get install {packages}), or set PDF_FONT_DIR to "
            "the folder that holds truetype/noto and opentype/noto (README, Configuration).",
            id="smepilot.E010",
        )
    ]
