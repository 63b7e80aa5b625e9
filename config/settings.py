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
    "axes",
    "hiring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the session or a query: a NUL is a 400, not a database error.
    "hiring.middleware.RefuseNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before CommonMiddleware (Django's documented place): Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hiring.middleware.TimezoneMiddleware",
    # A signed-in person's own UI language beats the browser's Accept-Language.
    "hiring.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                # LANGUAGE_CODE and LANGUAGE_BIDI for <html lang dir>.
                "django.template.context_processors.i18n",
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

LANGUAGE_CODE = "en"
# English plus twelve: the UI, the admin, the API's messages and every email come in
# these, and candidates' and people's language choices use the same list. Adding a
# language is adding it here and a catalogue in hiring/locale (hiring/locale/README.md).
# The names stay in English here: Django shows each in its own language (name_local).
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "Simplified Chinese"),
    ("es", "Spanish"),
    ("pt-br", "Brazilian Portuguese"),
    ("fr", "French"),
    ("de", "German"),
    ("ru", "Russian"),
    ("tr", "Turkish"),
    ("vi", "Vietnamese"),
    ("id", "Indonesian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("ar", "Arabic"),
]
LOCALE_PATHS = [BASE_DIR / "hiring" / "locale"]
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

# --- Candidates' résumés -------------------------------------------------------
# A storage of their own, never served by URL: hiring.views.resume_download checks who
# asks, then streams the file. Local folder by default (outside STATIC_ROOT, with no
# MEDIA_URL); HIRING_RESUME_STORAGE=s3 keeps them in an S3-compatible bucket through
# django-storages (installed separately; see README "Résumé storage").
HIRING_RESUME_MAX_BYTES = env_int("HIRING_RESUME_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
_resume_storage = env_str("HIRING_RESUME_STORAGE", "local")
if _resume_storage == "local":
    STORAGES["resumes"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("HIRING_RESUME_DIR", str(VAR_DIR / "resumes")),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
elif _resume_storage == "s3":
    STORAGES["resumes"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("HIRING_RESUME_BUCKET", ""),
            "endpoint_url": env_str("HIRING_RESUME_ENDPOINT_URL", "") or None,
            "region_name": env_str("HIRING_RESUME_REGION", "") or None,
            "location": "resumes",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
    if not STORAGES["resumes"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("HIRING_RESUME_STORAGE=s3 needs HIRING_RESUME_BUCKET.")
else:
    raise ImproperlyConfigured("HIRING_RESUME_STORAGE must be local or s3.")

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A post refused because the browser dropped the HTTPS-only cookies over plain HTTP says so.
CSRF_FAILURE_VIEW = "hiring.auth.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Redis, Celery -----------------------------------------------------------

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The cache is only the API's rate counts: a Redis that stops answering must
            # cost a request a moment, not hang it (the throttle then lets it through).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
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
    "DEFAULT_PARSER_CLASSES": ["hiring.api.parsers.SafeJSONParser"],
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
        # A candidate's preferred language and a message's language are the same list: one name.
        "PreferredLanguageEnum": "config.settings.LANGUAGES",
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
# The board flags an open loop that has not changed for this many days as stalled (issue 12).
HIRING_STALLED_DAYS = env_int("HIRING_STALLED_DAYS", 5, minimum=1)
# Candidates have no working hours: their non-urgent mail keeps to this waking window, every day.
HIRING_CANDIDATE_HOURS = _hours_window("HIRING_CANDIDATE_HOURS", "08:00-21:00")
# Rule 10: the least time between the end of one of a candidate's rounds and the start of
# the next (a breather between back-to-back interviews); 0 allows back to back.
HIRING_CANDIDATE_MIN_GAP_MINUTES = env_int("HIRING_CANDIDATE_MIN_GAP_MINUTES", 15, minimum=0)
# Issue 9: how long a candidate's availability link works, and how many working days
# (their own, from tomorrow in their zone) its page offers.
HIRING_AVAILABILITY_LINK_DAYS = env_int("HIRING_AVAILABILITY_LINK_DAYS", 7, minimum=1)
HIRING_AVAILABILITY_DAYS = env_int("HIRING_AVAILABILITY_DAYS", 10, minimum=1)
# The scheduler puts at most this many of a candidate's rounds on one of their local days.
HIRING_CANDIDATE_MAX_ROUNDS_PER_DAY = env_int("HIRING_CANDIDATE_MAX_ROUNDS_PER_DAY", 3, minimum=1)
# Load limits (issue 9): booked interviews a person takes at most in one local day and one
# ISO week of their own zone; an interviewer's own limits, when set, win.
HIRING_MAX_INTERVIEWS_PER_DAY = env_int("HIRING_MAX_INTERVIEWS_PER_DAY", 3, minimum=1)
HIRING_MAX_INTERVIEWS_PER_WEEK = env_int("HIRING_MAX_INTERVIEWS_PER_WEEK", 8, minimum=1)
# Calendar feeds: imported this many days ahead, each fetch bounded in time and size,
# every HIRING_FEED_SWEEP_SECONDS by beat.
HIRING_FEED_HORIZON_DAYS = env_int("HIRING_FEED_HORIZON_DAYS", 60, minimum=1)
HIRING_FEED_TIMEOUT_SECONDS = env_int("HIRING_FEED_TIMEOUT_SECONDS", 10, minimum=1)
HIRING_FEED_MAX_BYTES = env_int("HIRING_FEED_MAX_BYTES", 2_000_000, minimum=100)
HIRING_FEED_SWEEP_SECONDS = env_int("HIRING_FEED_SWEEP_SECONDS", 1800, minimum=60)
CELERY_BEAT_SCHEDULE["hiring-import-calendar-feeds"] = {
    "task": "hiring.tasks.import_calendar_feeds",
    "schedule": float(HIRING_FEED_SWEEP_SECONDS),
    "options": {"expires": float(HIRING_FEED_SWEEP_SECONDS)},
}
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

# --- Candidate privacy (issue 11) ------------------------------------------------------
# A candidate's personal data is erased this many months after their last loop closed
# (or after they were added, if they never had a loop); beat runs the sweep every 6 h and
# erases at most HIRING_RETENTION_MAX_PER_RUN candidates a run, in batches.
HIRING_RETENTION_MONTHS = env_int("HIRING_RETENTION_MONTHS", 24, minimum=1)
HIRING_RETENTION_BATCH_SIZE = env_int("HIRING_RETENTION_BATCH_SIZE", 50, minimum=1)
HIRING_RETENTION_MAX_PER_RUN = env_int("HIRING_RETENTION_MAX_PER_RUN", 1000, minimum=1)
HIRING_RETENTION_SWEEP_SECONDS = env_int("HIRING_RETENTION_SWEEP_SECONDS", 6 * 3600, minimum=60)
CELERY_BEAT_SCHEDULE["hiring-retention-sweep"] = {
    "task": "hiring.tasks.erase_expired_candidates",
    "schedule": float(HIRING_RETENTION_SWEEP_SECONDS),
    # A run missed during an outage is not worth replaying: the next one catches up.
    "options": {"expires": float(HIRING_RETENTION_SWEEP_SECONDS)},
}
# --- Insights rollups (issue 12) ---------------------------------------------------------
# PostgreSQL keeps per-day rollups of the insights figures (hiring/services/insights.py); beat
# folds the buckets that writes marked every HIRING_INSIGHTS_REFRESH_SECONDS. The page is exact
# whatever the lag: it reads buckets not folded in yet from the raw rows.
HIRING_INSIGHTS_REFRESH_SECONDS = env_int("HIRING_INSIGHTS_REFRESH_SECONDS", 60, minimum=5)
# Off: every figure from the raw rows (slower at scale; the same figures).
HIRING_INSIGHTS_ROLLUPS = env_bool("HIRING_INSIGHTS_ROLLUPS", True)
CELERY_BEAT_SCHEDULE["hiring-insights-refresh"] = {
    "task": "hiring.tasks.refresh_insights",
    "schedule": float(HIRING_INSIGHTS_REFRESH_SECONDS),
    "options": {"expires": float(HIRING_INSIGHTS_REFRESH_SECONDS)},
}

# --- Sign-in: passwords, lock-out, single sign-on (issue 11) ---------------------

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed password sign-ins (the interviewer login, the admin login) and unknown API
# tokens are counted in the database (not the cache, so a Redis outage neither
# opens nor closes the gate). After AUTH_FAILURE_LIMIT failures for one account,
# or from one address, further tries are refused unchecked until AUTH_COOLOFF_MINUTES
# have passed since the last failure: at most limit x 60 / cool-off guesses an
# hour per account (10 x 2 = 20 with the defaults).
AUTH_FAILURE_LIMIT = env_int("AUTH_FAILURE_LIMIT", 10, minimum=1)
AUTH_COOLOFF_MINUTES = env_int("AUTH_COOLOFF_MINUTES", 30, minimum=1)
# How many reverse proxies (load balancers) in front of the web processes append
# to X-Forwarded-For; 0 means clients connect directly and REMOTE_ADDR is theirs.
# Behind a load balancer this must be set, or every sign-in shares its address.
AUTH_TRUSTED_PROXY_COUNT = env_int("AUTH_TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = AUTH_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=AUTH_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = "hiring.auth.lockout.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "hiring.auth.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "hiring.auth.views.locked_out"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_WHITELIST_CALLABLE = "hiring.auth.oidc.ignore_sso_in_lockout"
# A success does not wipe the count: an attacker with one account of their own
# could otherwise clear their address's failures between guesses.
AXES_RESET_ON_SUCCESS = False
# Every failure is already a row in axes' AccessAttempt; no second log of successes.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60, minimum=5) * 60

# Single sign-on through the company's OpenID Connect provider (mozilla-django-oidc).
# Off unless OIDC_CLIENT_ID and a discovery URL or issuer are set; password sign-in
# stays available either way. Endpoints come from the provider's discovery document,
# fetched on first use (not at start-up, so a provider outage cannot stop the site).
OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
OIDC_DISCOVERY_URL = env_str(
    "OIDC_DISCOVERY_URL", f"{OIDC_ISSUER}/.well-known/openid-configuration" if OIDC_ISSUER else ""
)
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_ENABLED = bool(OIDC_DISCOVERY_URL and OIDC_RP_CLIENT_ID)
if bool(OIDC_DISCOVERY_URL) != bool(OIDC_RP_CLIENT_ID):
    # Half a configuration would quietly leave single sign-on off.
    raise ImproperlyConfigured(
        "Single sign-on needs both OIDC_CLIENT_ID and OIDC_ISSUER (or OIDC_DISCOVERY_URL); only one is set."
    )
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your company account")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# Unknown (verified) emails are refused unless this is on; then they get an account.
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", False)
# A claim listing the person's groups, and the values that make them a recruiter
# (staff in the Recruiters group). Both empty: group membership is left to the admin.
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "")
OIDC_RECRUITER_GROUPS = env_list("OIDC_RECRUITER_GROUPS", [])
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("hiring.auth.oidc.OidcBackend")

# --- Observability (issue 8): logs, health, metrics, error reports --------------------
# hiring/observability/. Kept in one block; the README's Configuration table lists the variables.
import ipaddress as _ipaddress  # noqa: E402

from hiring.observability.errors import init_sentry as _init_sentry  # noqa: E402
from hiring.observability.logs import logging_config as _logging_config  # noqa: E402

# Logs: one line per record on stderr, "plain" text or "json" (one object a line, for a
# log shipper); each with the request id (X-Request-ID in, or a new one) and, in a
# worker, the task. Tasks queued by a request log the request's id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json (got {LOG_FORMAT!r}).")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL (got {LOG_LEVEL!r}).")
LOGGING = _logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
# The worker logs through LOGGING above (Celery's own root handler would drop the request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Outermost: the request id is set before any other middleware can log, and the
# request's duration in the metrics includes them all.
MIDDLEWARE = ["hiring.observability.middleware.RequestIdMiddleware", *MIDDLEWARE]

# Readiness (/healthz/ready, manage.py healthcheck): the reminder sweep ran within this
# many seconds (beat runs it every HIRING_REMINDER_SWEEP_SECONDS), and the outbox holds no
# more than so many due rows, none due for longer than HIRING_HEALTH_MAX_DUE_AGE_SECONDS.
HIRING_HEALTH_BEAT_MAX_AGE_SECONDS = env_int(
    "HIRING_HEALTH_BEAT_MAX_AGE_SECONDS", max(3 * HIRING_REMINDER_SWEEP_SECONDS, 180), minimum=1
)
HIRING_HEALTH_MAX_DUE_REMINDERS = env_int("HIRING_HEALTH_MAX_DUE_REMINDERS", 10_000, minimum=0)
HIRING_HEALTH_MAX_DUE_WEBHOOKS = env_int("HIRING_HEALTH_MAX_DUE_WEBHOOKS", 10_000, minimum=0)
HIRING_HEALTH_MAX_DUE_AGE_SECONDS = env_int("HIRING_HEALTH_MAX_DUE_AGE_SECONDS", 900, minimum=1)
# Health probes over plain http are exempt from the https redirect (SECURE_REDIRECT_EXEMPT below).

# Metrics (/metrics, Prometheus text format): readable with "Authorization: Bearer
# <HIRING_METRICS_TOKEN>" or from an address in HIRING_METRICS_ALLOWED_NETWORKS.
HIRING_METRICS_TOKEN = env_str("HIRING_METRICS_TOKEN", "")
try:
    HIRING_METRICS_ALLOWED_NETWORKS = [
        _ipaddress.ip_network(item, strict=False)
        for item in env_list("HIRING_METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
    ]
except ValueError as _exc:
    raise ImproperlyConfigured(f"HIRING_METRICS_ALLOWED_NETWORKS must list addresses or networks: {_exc}") from None
# gunicorn and Celery's prefork pool are several processes: with PROMETHEUS_MULTIPROC_DIR
# (read by prometheus_client itself; an empty directory per container, e.g. a tmpfs) the
# counters of all of them are added up. A worker serves its pool's metrics on this port (0: off).
HIRING_WORKER_METRICS_PORT = env_int("HIRING_WORKER_METRICS_PORT", 0, minimum=0)
if _multiproc_dir := env_str("PROMETHEUS_MULTIPROC_DIR", ""):
    # prometheus_client writes there on the first count; a missing directory would fail a request.
    Path(_multiproc_dir).mkdir(parents=True, exist_ok=True)

# Error reports: nothing is sent unless SENTRY_DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN", "")
try:
    SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))
except ValueError:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1.") from None
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1.")
_init_sentry(
    dsn=SENTRY_DSN,
    environment=env_str("SENTRY_ENVIRONMENT", ""),
    release=env_str("SENTRY_RELEASE", ""),
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)

# --- Transport and browser security (issue 8, fault 10) -------------------------
# Everything a deployment needs for `manage.py check --deploy` to pass comes from the
# environment; docker-compose.yml's web service sets the production values. The
# defaults suit a development machine and the tests (plain http, no proxy).


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """'X-Forwarded-Proto,https' -> ('HTTP_X_FORWARDED_PROTO', 'https'); empty -> None.

    Set it only behind a proxy that always sets (or strips) that header: a client
    that can send it straight to the app could claim https it does not have."""
    raw = env_str(name, "").strip()
    if not raw:
        return None
    header, _sep, value = raw.partition(",")
    header, value = header.strip(), value.strip()
    if not header or not value or not all(ch.isalnum() or ch in "-_" for ch in header):
        raise ImproperlyConfigured(f"{name} must look like X-Forwarded-Proto,https (got {raw!r}).")
    meta = header.upper().replace("-", "_")
    return (meta if meta.startswith("HTTP_") else f"HTTP_{meta}", value)


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The container's own health checks speak plain http to 127.0.0.1; they are not redirected.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [r"^healthz(/|$)", r"^metrics/?$"])
# HSTS: browsers then refuse plain http to this host for that long. Start small, then raise.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# An interviewer writing a long scorecard keeps their session: the page pings while it is
# open and every autosave renews it (hiring/views.py keepalive); idle sessions still end.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)

# Content-Security-Policy (django-csp): only this origin's own files run or style a page;
# no inline script or style anywhere, no plugin, no framing, forms post only here.
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
_csp_directives: dict[str, list[str]] = {
    "default-src": [NONE],
    "script-src": [SELF],
    "style-src": [SELF],
    # Swagger UI and the admin draw a few icons as data: URIs.
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "manifest-src": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    "base-uri": [NONE],
    "object-src": [NONE],
}
# (Held in a private name: django-csp 4 takes any CSP_* setting for its old format.)
_csp_report_uri = env_str("CSP_REPORT_URI", "")
if _csp_report_uri:
    _csp_directives["report-uri"] = [_csp_report_uri]
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only: a way to
# try a change of policy on live traffic without breaking a page.
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
# Swagger UI must not fetch its validator badge from swagger.io (and the policy would refuse it).
SPECTACULAR_SETTINGS["SWAGGER_UI_SETTINGS"] = {"deepLinking": True, "validatorUrl": None}
