"""smepilot settings: one module, configured from the environment (see .env.example)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from smepilot.auth_settings import socialaccount_providers, ties_enabled
from smepilot.headers import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's own .env is read if present; in production the real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Keys that must never protect a real deployment. The development key is only used with DEBUG.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
# Django's own bar for a key (security.W009): 50 characters or more, 5 or more distinct ones.
SECRET_KEY_WEAK = len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
if not DEBUG and SECRET_KEY_WEAK:
    raise ImproperlyConfigured(
        "SECRET_KEY is missing, too short or a development key while DEBUG is off. Set SECRET_KEY to a random "
        'value of 50 characters or more, e.g. python -c "import secrets; print(secrets.token_urlsafe(50))", '
        "or set DEBUG=true for local work."
    )
# Rotation: the previous keys, still accepted (never used to sign) for sessions, validation links and
# every other signed value until they expire; drop them once that is past (docs/OPERATIONS.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, as django-modeltranslation requires
    "smepilot.admin_apps.SecretariatAdminConfig",  # django.contrib.admin with the secretariat's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django_countries",
    "csp",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",  # two-factor authentication: an authenticator app and recovery codes (smepilot.second_factor)
    "smepilot",
    "smepilot.outbox",
    "smepilot.demo",
    "meetings",
    "focalpoints",
    "registration",
]

MIDDLEWARE = [
    # First: the client's address behind a trusted reverse proxy, for everything after (smepilot.proxies).
    "smepilot.proxies.TrustedProxyMiddleware",
    # Each response (redirects and errors too) and its log lines carry an X-Request-ID (smepilot.observability).
    "smepilot.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and the session: a signed-in person's stored language (smepilot.languages).
    "smepilot.languages.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy, Permissions-Policy and no-store on personal pages (smepilot.headers).
    "smepilot.headers.ContentSecurityPolicyMiddleware",
    "smepilot.headers.PrivacyHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "smepilot.urls"
WSGI_APPLICATION = "smepilot.wsgi.application"
ASGI_APPLICATION = "smepilot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smepilot.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The SQLite default exists only for `make run`; tests and deployments use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if not DEBUG else 0)
# A kept connection is checked before its first use in each request, so the first request after a
# database restart reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for queries running seconds, not a web page's. Planned costs
    # over 100,000 registrations pass its threshold, and compiling took 346 ms of a 467 ms admin query.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# The PostgreSQL role the site and the worker connect as (DATABASE_URL) in production: it owns
# nothing and is not a superuser, so it cannot switch off the database triggers that keep SMEs out
# of decision-making (terms of reference, point 3). `migrate` runs with the owner role's URL and,
# when this names the application role, grants it its data access afterwards (smepilot.database_roles).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits count here, so production needs a shared one: Redis) --------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis down: sign-in still works, without rate limits, and a warning is logged (smepilot.cache).
    # Short timeouts, so that a Redis that does not answer does not hold up the request.
    CACHES = {
        "default": {
            "BACKEND": "smepilot.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Two sites sharing one Redis (staging beside production, test servers) keep their keys apart.
    CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# No broker: run tasks in process (the embedded default). With one, a worker runs them.
# Two sites sharing one broker keep their tasks apart with queues of their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not CELERY_BROKER_URL:
    # Celery opens a producer even for a task it runs in process; with no URL it would be AMQP on a
    # host nobody named ("No hostname was supplied" at every email). The in-memory transport it is.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# The worker logs through LOGGING below (JSON lines with the task's id), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# A task is acknowledged only once it has run, one at a time per worker process, so a worker
# lost mid-task leaves the message for another worker instead of losing it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers unacknowledged messages after this; it must exceed the longest countdown
# (OUTBOX_RETRY_BACKOFF_MAX_SECONDS below; the outbox app's system check enforces it).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 5}
# Outgoing email (smepilot.outbox): transient SMTP failures are retried after
# base * 2^(attempt-1) seconds, capped and jittered, up to OUTBOX_MAX_ATTEMPTS sends in all.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BACKOFF_SECONDS = env.float("OUTBOX_RETRY_BACKOFF_SECONDS", default=30)
OUTBOX_RETRY_BACKOFF_MAX_SECONDS = env.float("OUTBOX_RETRY_BACKOFF_MAX_SECONDS", default=60 * 60)
# A message queued (past its retry time) or sending for longer than this lost its task (broker
# down at commit time, worker killed mid-send): the sweep queues it again.
# With the defaults a lost email goes out again within two minutes (stuck after 90 s, swept every
# 30 s); the threshold stays above a slow but live SMTP conversation (3 x EMAIL_TIMEOUT).
OUTBOX_STUCK_AFTER_SECONDS = env.int("OUTBOX_STUCK_AFTER_SECONDS", default=90)
OUTBOX_SWEEP_EVERY_SECONDS = env.int("OUTBOX_SWEEP_EVERY_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "smepilot.outbox.tasks.outgoing_message_sweep",
        "schedule": OUTBOX_SWEEP_EVERY_SECONDS,
    },
    # One digest a day to each focal point with requests pending too long (focalpoints.notifications).
    # VALIDATION_REMINDER_EVERY_SECONDS runs the job that often instead (tests of the schedule): a
    # focal point still gets one digest per REMINDER_MIN_INTERVAL.
    "focalpoints-reminders": {
        "task": "focalpoints.tasks.focal_point_reminders_send",
        "schedule": env.int("VALIDATION_REMINDER_EVERY_SECONDS", default=0)
        or crontab(hour=env.int("VALIDATION_REMINDER_HOUR_UTC", default=6), minute=0),
    },
}

# --- Email ----------------------------------------------------------------------------------
# Default for `make run`: emails are printed on the console, links and all.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ITU-D SME pilot <devsg@itu.int>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
SECRETARIAT_EMAIL = env("SECRETARIAT_EMAIL", default="devsg@itu.int")

# --- Authentication (django-allauth) --------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# No username is asked for; allauth fills Django's (unique) username column from the address.
ACCOUNT_SIGNUP_FORM_CLASS = "registration.forms.SignupForm"
# allauth's forms: sign-up answering as slowly for an address that has an account (no enumeration by
# timing); an account counted, and a reset or sign-in code sent, only for an owned (verified) address
# (smepilot.email_claims).
ACCOUNT_FORMS = {
    "signup": "smepilot.signup.SignupForm",
    "reset_password": "smepilot.account_forms.ResetPasswordForm",
    "request_login_code": "smepilot.account_forms.RequestLoginCodeForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# allauth's own emails (verification, sign-in code, password reset) go through the outbox too.
ACCOUNT_ADAPTER = "smepilot.accounts.AccountAdapter"
# People are named by their own name (profile, else email), never by the username allauth made up.
ACCOUNT_USER_DISPLAY = "smepilot.accounts.user_display"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ITU-D SME pilot] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Also counts wrong two-factor codes, per account (allauth.mfa): 5 in 5 minutes, then "too many attempts".
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
}

# Two-factor authentication (allauth.mfa): offered to everyone, required of the secretariat and the
# focal points before they decide, export or open the admin (smepilot.second_factor).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "smepilot.second_factor.MFAAdapter"
# The name an authenticator app shows beside the code.
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="ITU-D SME pilot")
# A phone's clock a little off still works: the codes of the 30 seconds before and after are accepted too
# (each code once only).
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10

# "ITU account" (TIES) single sign-on: an OpenID Connect provider, off unless configured.
TIES_OIDC_SERVER_URL = env("TIES_OIDC_SERVER_URL", default="")
TIES_OIDC_CLIENT_ID = env("TIES_OIDC_CLIENT_ID", default="")
TIES_OIDC_CLIENT_SECRET = env("TIES_OIDC_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
    ties_server_url=TIES_OIDC_SERVER_URL,
    ties_client_id=TIES_OIDC_CLIENT_ID,
    ties_client_secret=TIES_OIDC_CLIENT_SECRET,
)
TIES_ENABLED = ties_enabled(SOCIALACCOUNT_PROVIDERS)
# django-csp 4: the policy of every page; forms may also post to the ITU account provider when it is on.
CONTENT_SECURITY_POLICY = content_security_policy(oidc_server_url=TIES_OIDC_SERVER_URL if TIES_ENABLED else "")
# Show the sign-up form (with the privacy notice) to TIES users too, instead of signing them up
# silently without their recorded consent.
SOCIALACCOUNT_AUTO_SIGNUP = False
# The ITU account's hooks: its names fill the sign-up form (smepilot.accounts).
SOCIALACCOUNT_ADAPTER = "smepilot.accounts.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "smepilot.signup.SocialSignupForm"}
# Seconds to wait for each call to the ITU account provider (discovery, token, keys, userinfo): one
# that does not answer gets people a page saying so (smepilot.ties), not a request held for minutes.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("TIES_OIDC_TIMEOUT", default=5)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False

# --- Internationalisation: ITU's six official languages --------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Data the secretariat enters in each language (meetings/translation.py: study group titles, meeting
# titles and places): English is required, the others optional; a reader sees their language's, else
# the English one. A value given in code without a language fills the English one too.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_AUTO_POPULATE = "required"
# The admin labels each field with the language's name ("title (French)") in the officer's language.
MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = lambda verbose_name, language: format_lazy(  # noqa: E731
    "{} ({})", verbose_name, dict(LANGUAGES)[language]
)
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in Geneva time, where the secretariat and the meetings are.
TIME_ZONE = "Europe/Zurich"
# One date style per language: DATE_FORMAT for days, DATETIME_FORMAT for moments (smepilot/formats).
FORMAT_MODULE_PATH = ["smepilot.formats"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production defaults; `manage.py check --deploy` is clean with DEBUG off) -------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g. 10.0.0.0/8): the
# client's address, which the sign-in rate limits count, comes from it (smepilot.proxies).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /health/ over plain HTTP (smepilot.health).
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Pilot-specific knobs -------------------------------------------------------------------
# `make bench` only: serve the benchmark's baseline views under /bench/ (smepilot.bench_views).
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)
# How long a focal point's emailed validation link stays valid.
VALIDATION_LINK_MAX_AGE_DAYS = env.int("VALIDATION_LINK_MAX_AGE_DAYS", default=30)
# A request pending longer than this is overdue: reminded daily, flagged in the admin.
VALIDATION_REMINDER_AFTER_DAYS = env.int("VALIDATION_REMINDER_AFTER_DAYS", default=3)
# Decision deadlines (registration.deadlines): an in-person registration is to be approved this many
# days before its meeting, so that a visa can still be asked for (never later than the window's close).
DECISION_VISA_LEAD_DAYS = env.int("DECISION_VISA_LEAD_DAYS", default=21)
# A pending request this many days (or fewer) before its approve-by date goes to the secretariat,
# who may decide on behalf of the Administration (focalpoints.escalation).
DECISION_ESCALATION_DAYS = env.int("DECISION_ESCALATION_DAYS", default=3)
# DECISION_ESCALATION_EVERY_SECONDS runs the escalation that often instead of daily (tests of the schedule).
CELERY_BEAT_SCHEDULE["decision-escalation"] = {
    "task": "focalpoints.tasks.decision_escalation_send",
    "schedule": env.int("DECISION_ESCALATION_EVERY_SECONDS", default=0)
    or crontab(hour=env.int("DECISION_ESCALATION_HOUR_UTC", default=6), minute=15),
}
# How long personal data is kept after the last meeting a person registered for ended (and after
# their last activity) before the daily purge anonymises it; the pilot report's figures are kept
# (registration.retention, docs/OPERATIONS.md). Bounded by a system check (registration.checks).
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=730)
# Passport details given for a visa support letter are erased by the same daily purge this many days
# after the meeting ends (registration.visas); they are asked for only when a letter is requested.
VISA_PASSPORT_RETENTION_DAYS = env.int("VISA_PASSPORT_RETENTION_DAYS", default=30)
# Where the PDF documents' fonts are (smepilot.pdf): Debian's fonts-noto-core and fonts-noto-cjk
# install them under /usr/share/fonts; the system check smepilot.E010 names any that is missing.
PDF_FONT_DIR = env("PDF_FONT_DIR", default="/usr/share/fonts")
# PERSONAL_DATA_PURGE_EVERY_SECONDS runs it that often instead of daily (tests of the schedule).
CELERY_BEAT_SCHEDULE["personal-data-purge"] = {
    "task": "registration.tasks.personal_data_purge",
    "schedule": env.int("PERSONAL_DATA_PURGE_EVERY_SECONDS", default=0)
    or crontab(hour=env.int("PERSONAL_DATA_PURGE_HOUR_UTC", default=2), minute=30),
}

# --- Logs and errors (smepilot.observability) -----------------------------------------------
# json: one JSON object per line (time, level, logger, message, request_id, user_id, task_id), for a
# log collector; text: plain lines for a person reading a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "smepilot.observability.ContextFilter"}},
    "formatters": {
        "json": {"()": "smepilot.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Errors of the site and the worker to Sentry (or a compatible tracker) when set; without it the
# SDK is not even imported. No personal data is sent (send_default_pii off).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from smepilot.observability import sentry_init

    sentry_init(SENTRY_DSN)
