"""Settings, driven by environment variables (see README.md, "Configuration").

With no variables set, the service runs on embedded defaults: an SQLite file and
a file-system Celery broker, so the demo needs no server at all.
"""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HIRING_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - DEBUG only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hiring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hiring.middleware.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The zone shown to someone who has not set one yet.
HIRING_DEFAULT_TIME_ZONE = env_timezone("HIRING_DEFAULT_TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Redis, Celery -----------------------------------------------------------

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A broker that needs no server: messages are files under var/celery, which the
    # web process and a local worker both see. Good for the demo, not for production.
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "out"),
        "data_folder_out": str(_celery_dir / "out"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only after it ran, so a worker killed mid-task leaves it
# to be delivered again; the tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Email --------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hiring Loop <hiring@example.com>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # No SMTP server configured: every message is written to a file under var/mail.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", EMAIL_BACKEND)

# --- REST API (issue 5) -----------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: a request without credentials then gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hiring.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "hiring.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "hiring.api.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["hiring.api.throttling.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "hiring.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per token (or signed-in user) and per address without credentials;
# "N/s", "N/min", "N/hour" or "N/day". Counted in the cache: Redis when REDIS_URL is set.
HIRING_API_RATE = env_str("HIRING_API_RATE", "1200/min")
HIRING_API_ANON_RATE = env_str("HIRING_API_ANON_RATE", "60/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Hiring Loop API",
    "DESCRIPTION": (
        "Interview loops: candidates, pipelines, scorecards, decisions and events. "
        "Authenticate with `Authorization: Bearer <token>` (tokens are made in the admin). "
        "Every time is UTC, ISO 8601. Lists are cursor-paginated: follow `next`. "
        "Webhooks: each event is POSTed as JSON, signed with HMAC-SHA256 "
        '(`X-Hiring-Signature: v1=<hex of HMAC(secret, timestamp + "." + body)>`, '
        "`X-Hiring-Timestamp`), and carries its id in `X-Hiring-Event-Id` for de-duplication."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the drf-spectacular-sidecar package, served by
    # this app: the docs work without a CDN (and without the internet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LoopStatusEnum": "hiring.models.LoopStatus",
        "RoundStatusEnum": "hiring.models.RoundStatus",
        "RoundKindEnum": "hiring.models.RoundKind",
        "EventKindEnum": "hiring.models.EventKind",
    },
}

# --- Webhooks (issue 5) -------------------------------------------------------------
# Deliveries are rows written with their event; beat sweeps the due ones every
# few seconds and a worker posts each (hiring/webhooks.py).
HIRING_WEBHOOK_SWEEP_SECONDS = env_int("HIRING_WEBHOOK_SWEEP_SECONDS", 10, minimum=1)
HIRING_WEBHOOK_TIMEOUT_SECONDS = env_int("HIRING_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Posting to loopback or private addresses is refused (a webhook URL must not reach
# into the service's own network) unless this is on; it is on with DEBUG, for local receivers.
HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("HIRING_WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)
CELERY_BEAT_SCHEDULE["hiring-webhooks-sweep"] = {
    "task": "hiring.tasks.sweep_webhooks",
    "schedule": float(HIRING_WEBHOOK_SWEEP_SECONDS),
}

# --- The hiring rules (DESIGN.md) ------------------------------------------------

# The company's floor is five rounds; a deployment may raise it, never lower it.
HIRING_MIN_ROUNDS = env_int("HIRING_MIN_ROUNDS", 5, minimum=5)
HIRING_PANEL_MIN_DEPARTMENTS = env_int("HIRING_PANEL_MIN_DEPARTMENTS", 2, minimum=2)
HIRING_PANEL_MIN_LEVELS = env_int("HIRING_PANEL_MIN_LEVELS", 2, minimum=2)

# --- Reminders (issue 4) ----------------------------------------------------------
# Every reminder is a database row; Celery beat runs a sweep that claims the due
# rows and hands them to workers in batches (hiring/reminders/).


def _hours_window(name: str, default: str) -> tuple[dt.time, dt.time]:
    """'08:00-21:00' -> (08:00, 21:00); a start after the end is refused."""
    raw = env_str(name, default)
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like 08:00-21:00 (got {raw!r}).") from None
    if start >= end:
        raise ImproperlyConfigured(f"{name} must start before it ends (got {raw!r}).")
    return start, end


# Interviewers get a reminder a day and an hour before; candidates a day before.
HIRING_REMINDER_DAY_BEFORE_MINUTES = env_int("HIRING_REMINDER_DAY_BEFORE_MINUTES", 24 * 60, minimum=1)
HIRING_REMINDER_HOUR_BEFORE_MINUTES = env_int("HIRING_REMINDER_HOUR_BEFORE_MINUTES", 60, minimum=1)
# Feedback falls due this long after the interview ends (services.feedback_allowance).
HIRING_FEEDBACK_DUE_MINUTES = env_int("HIRING_FEEDBACK_DUE_MINUTES", 60, minimum=0)
# Overdue feedback is nudged once a (working) day; the recruiter is told after this.
HIRING_FEEDBACK_ESCALATE_HOURS = env_int("HIRING_FEEDBACK_ESCALATE_HOURS", 48, minimum=1)
# Candidates have no working hours: their non-urgent mail keeps to this waking window, every day.
HIRING_CANDIDATE_HOURS = _hours_window("HIRING_CANDIDATE_HOURS", "08:00-21:00")
# Rule 10: the least time between the end of one of a candidate's rounds and the start of
# the next (a breather between back-to-back interviews); 0 allows back to back.
HIRING_CANDIDATE_MIN_GAP_MINUTES = env_int("HIRING_CANDIDATE_MIN_GAP_MINUTES", 15, minimum=0)
# DESIGN.md: a veto is told to the cancelled rounds' interviewers and the recruiter;
# the recruiter tells the candidate. Set to also email the candidate the cancellations.
HIRING_VETO_TELLS_CANDIDATE = env_bool("HIRING_VETO_TELLS_CANDIDATE", False)
# The sweep: how often beat runs it, how many rows a worker task sends, how many
# rows may be claimed and unsent at once (back-pressure), how long a claim lasts
# (longer than a task may run, so an expired claim means its worker is gone),
# and how many claims a row gets before it is marked failed.
HIRING_REMINDER_SWEEP_SECONDS = env_int("HIRING_REMINDER_SWEEP_SECONDS", 60, minimum=1)
HIRING_REMINDER_BATCH_SIZE = env_int("HIRING_REMINDER_BATCH_SIZE", 100, minimum=1)
HIRING_REMINDER_MAX_IN_FLIGHT = env_int("HIRING_REMINDER_MAX_IN_FLIGHT", 5000, minimum=1)
HIRING_REMINDER_LEASE_SECONDS = env_int("HIRING_REMINDER_LEASE_SECONDS", 600, minimum=60)
HIRING_REMINDER_MAX_ATTEMPTS = env_int("HIRING_REMINDER_MAX_ATTEMPTS", 8, minimum=1)
if HIRING_REMINDER_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT + EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "HIRING_REMINDER_LEASE_SECONDS must be longer than CELERY_TASK_TIME_LIMIT + EMAIL_TIMEOUT, "
        "or a claim could expire while its worker is still sending."
    )
CELERY_BEAT_SCHEDULE["sweep-reminders"] = {
    "task": "hiring.tasks.sweep_reminders",
    "schedule": float(HIRING_REMINDER_SWEEP_SECONDS),
    # After an outage beat's backlog is not worth replaying: one sweep catches up.
    "options": {"expires": float(HIRING_REMINDER_SWEEP_SECONDS)},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
