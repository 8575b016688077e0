"""Settings of the Anxin project.

Everything comes from environment variables through the typed helpers in
``anxin.env``. With nothing set the project runs embedded: SQLite in WAL mode,
files on local disk, and background work on a broker that needs no server
(kombu's filesystem transport). ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from anxin.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_optional,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ANXIN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("ANXIN_TESTING", False)

_secret = env_optional("SECRET_KEY")
if _secret is None:
    if not (DEBUG or TESTING or env_bool("ANXIN_DEMO", False)):
        raise ImproperlyConfiguredEnv(
            "SECRET_KEY is required when DEBUG is off (set DEBUG=1 or ANXIN_DEMO=1 for a "
            "development or demo run)"
        )
    _secret = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anxin.core",
    "anxin.areas",
    "anxin.organisations",
    "anxin.accounts",
    "anxin.taxonomy",
    "anxin.outbox",
    "anxin.hazards",
    "anxin.warnings",
    "anxin.notifications",
    "anxin.maps",
    "anxin.open311",
    "anxin.residents",
    "anxin.capture",
    "anxin.ratings",
    "anxin.points",
    "anxin.knowledge",
    "anxin.emergency",
    "anxin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "anxin.urls"
WSGI_APPLICATION = "anxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "anxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "anxin.core.context_processors.workbench",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
_database_url = env_optional("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a cursor for statements the server keeps
        # prepared, from their second run on a connection (see there). Only
        # that cursor prepares; the ORM's never do.
        DATABASES["default"]["ENGINE"] = "anxin.core.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            1 if env_bool("PG_PREPARED_STATEMENTS", True) else None
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend, with writers queued on a lock file (see there).
            "ENGINE": "anxin.core.sqlite",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "anxin.sqlite3")),
            # Keep each thread's connection, as on PostgreSQL: opening one reads
            # the schema and closing the last one checkpoints the WAL, which cost
            # a request 2-4 ms (bench/hazard_api.py: a report 9-10 ms -> 5.2 ms).
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # Writers take the lock when the transaction starts, so two writers
                # wait for each other (busy timeout) instead of failing mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # The WAL is copied back into the database (a checkpoint, with two
                # fsyncs) by a thread soon after each commit
                # (SQLITE_CHECKPOINT_SECONDS, below), and by the commit that takes
                # it past 4,000 pages (16 MB; SQLite's default is 1,000, and a
                # report writes ~39): that one checkpoints what is left and lets
                # the WAL start again from its beginning. Reads go
                # through a memory map of up to 1 GB rather than a copy per
                # connection (bench/README.md: the report path, session 4).
                # Temporary data stays in memory: a statement inside a
                # transaction keeps an undo copy of each page it changes, and
                # past 64 KB SQLite spilled it into a new file under /var/tmp,
                # ~160 KB and 45 write calls per report (session 6).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                    "PRAGMA wal_autocheckpoint=4000; PRAGMA mmap_size=1073741824; "
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DATABASE_IS_SQLITE = "sqlite" in DATABASES["default"]["ENGINE"]
# SQLite: a thread of each writing process copies the WAL back into the database
# this long after a commit, so that commits do not wait for it (0: only the
# commit that passes wal_autocheckpoint does; anxin.core.sqlite).
SQLITE_CHECKPOINT_SECONDS = env_float("SQLITE_CHECKPOINT_SECONDS", 0.25)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["anxin.accounts.backends.UsernameOrMobileBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_URL = "login"

# --- Languages ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static and media files ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "anxin" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Static files are served by WhiteNoise from the WSGI process: closed networks
# often run without a separate web server. Uploads are never served statically;
# they go through scoped views.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Cache ------------------------------------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work (Celery) -------------------------------------------------------
# Seconds after which Redis hands the unacknowledged task of a worker that died
# outright to another worker. Must exceed the longest task time limit.
BROKER_VISIBILITY_TIMEOUT_SECONDS = env_int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 3600)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Exchange tables; kombu's default is "control" in the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
# Tests run tasks in-process (eagerly) unless an integration test starts a real
# worker; production and the demo always go through the broker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
# The outbox relay (a thread of the Celery worker's main process) sends committed
# background work to the broker. PostgreSQL wakes it at commit (LISTEN/NOTIFY);
# otherwise it looks every OUTBOX_POLL_SECONDS. After a broker failure it waits
# OUTBOX_RETRY_SECONDS. In tests (eager), OUTBOX_RELAY_ON_COMMIT runs the work
# in the test process right after commit.
OUTBOX_RELAY_ON_COMMIT = env_bool("OUTBOX_RELAY_ON_COMMIT", True)
OUTBOX_POLL_SECONDS = env_float("OUTBOX_POLL_SECONDS", 0.5)
# After a wake-up, the relay gathers this long's commits into one batch.
OUTBOX_BATCH_SECONDS = env_float("OUTBOX_BATCH_SECONDS", 0.05)
OUTBOX_RETRY_SECONDS = env_float("OUTBOX_RETRY_SECONDS", 2.0)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Seconds between two overdue sweeps and between two relays of the outbox.
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 300)
OUTBOX_RELAY_INTERVAL_SECONDS = env_int("OUTBOX_RELAY_INTERVAL_SECONDS", 10)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "anxin.core.tasks.heartbeat", "schedule": 60.0},
    "sweep-overdue": {
        "task": "anxin.hazards.tasks.sweep_overdue",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "relay-outbox": {
        "task": "anxin.outbox.tasks.relay_pending",
        "schedule": float(OUTBOX_RELAY_INTERVAL_SECONDS),
    },
}
# Beat keeps its last-run times here rather than in the working directory.
VAR_DIR.mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "anxin.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "anxin.core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Anxin API",
    "DESCRIPTION": "Community safety hazard platform — REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "HazardStatusEnum": "anxin.hazards.choices.Status",
        "OrganisationKindEnum": "anxin.organisations.choices.OrganisationKind",
        "PlaceKindEnum": "anxin.areas.choices.PlaceKind",
        "EventKindEnum": "anxin.hazards.choices.EventKind",
        "AttachmentKindEnum": "anxin.hazards.choices.AttachmentKind",
        "RiskColourEnum": "anxin.taxonomy.choices.RiskColour",
        "RoleEnum": "anxin.accounts.choices.Role",
        "SupplyKindEnum": "anxin.emergency.choices.SupplyKind",
        "MovementKindEnum": "anxin.emergency.choices.MovementKind",
        "TeamKindEnum": "anxin.emergency.choices.TeamKind",
        "HazardClassEnum": "anxin.emergency.choices.HazardClass",
        "PlanLevelEnum": "anxin.emergency.choices.PlanLevel",
        "ResponseLevelEnum": "anxin.emergency.choices.ResponseLevel",
        "ResponseStageEnum": "anxin.emergency.choices.Stage",
        "StepStageEnum": "anxin.emergency.api.serializers.STEP_STAGE_CHOICES",
        "ActivityKindEnum": "anxin.emergency.choices.ActivityKind",
        "DrillStatusEnum": "anxin.emergency.choices.DrillStatus",
        "WeatherHazardEnum": "anxin.emergency.choices.WeatherHazard",
        "AlertOutcomeEnum": "anxin.emergency.choices.AlertStatus",
        "ResponseEventKindEnum": "anxin.emergency.choices.ResponseEventKind",
    },
}

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)

# --- Spatial ---------------------------------------------------------------------------
# How often (seconds) a process checks whether the org tree changed elsewhere.
AREA_INDEX_CHECK_SECONDS = env_int("AREA_INDEX_CHECK_SECONDS", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Hazard files --------------------------------------------------------------------
ATTACHMENT_MAX_IMAGE_BYTES = env_int("ATTACHMENT_MAX_IMAGE_BYTES", 10_000_000)
ATTACHMENT_MAX_VIDEO_BYTES = env_int("ATTACHMENT_MAX_VIDEO_BYTES", 50_000_000)
ATTACHMENT_MAX_VOICE_BYTES = env_int("ATTACHMENT_MAX_VOICE_BYTES", 10_000_000)
ATTACHMENTS_PER_REQUEST = env_int("ATTACHMENTS_PER_REQUEST", 9)
# Radius (m) within which a named place counts as a hazard's nearest place.
NEAREST_PLACE_RADIUS_M = env_int("NEAREST_PLACE_RADIUS_M", 500)
# Reports without an account (where a locality allows them) one network address
# may file in an hour; more are answered 429 and stay queued on the phone.
ANONYMOUS_REPORTS_PER_HOUR = env_int("ANONYMOUS_REPORTS_PER_HOUR", 10)

# --- Map page ----------------------------------------------------------------------------
# An optional tile layer under the org tree's polygons, e.g. AMap
# "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
# with MAP_TILE_SUBDOMAINS=1234. Without it the map draws the polygons alone.
MAP_TILE_URL = env_optional("MAP_TILE_URL")
MAP_TILE_SUBDOMAINS = env_str("MAP_TILE_SUBDOMAINS", "abc")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
# The coordinate system the tiles are drawn in: "gcj02" (AMap, most Chinese web
# maps) converts our WGS-84 data at display; "wgs84" draws it as stored.
MAP_TILE_CRS = env_str("MAP_TILE_CRS", "gcj02").strip().lower()
if MAP_TILE_CRS not in ("gcj02", "wgs84"):
    raise ImproperlyConfiguredEnv(f"MAP_TILE_CRS must be gcj02 or wgs84, not {MAP_TILE_CRS!r}")

# --- Notifications -----------------------------------------------------------------------
# E-mail goes out over SMTP when EMAIL_HOST is set; otherwise it is printed to the
# console (development). EMAIL_BACKEND overrides either.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "anxin@localhost")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
# SMS: "log" writes messages to the log (development); "http" posts them as JSON
# {to, text} with a bearer token to a generic gateway.
SMS_BACKEND = env_str("SMS_BACKEND", "log").strip().lower()
if SMS_BACKEND not in ("log", "http"):
    raise ImproperlyConfiguredEnv(f"SMS_BACKEND must be log or http, not {SMS_BACKEND!r}")
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
if SMS_BACKEND == "http" and not SMS_HTTP_URL:
    raise ImproperlyConfiguredEnv("SMS_HTTP_URL is required when SMS_BACKEND is http")
# Absolute links in e-mails and robot messages (e.g. https://anxin.example.gov.cn).
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL", "")
NOTIFY_HTTP_TIMEOUT_SECONDS = env_float("NOTIFY_HTTP_TIMEOUT_SECONDS", 5.0)
NOTIFY_RETRY_MAX = env_int("NOTIFY_RETRY_MAX", 8)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 30)
NOTIFY_RETRY_CAP_SECONDS = env_int("NOTIFY_RETRY_CAP_SECONDS", 3600)
# Reminders: hours before the rectification deadline and the recheck deadline.
NOTIFY_REMIND_RECTIFY_HOURS = env_int("NOTIFY_REMIND_RECTIFY_HOURS", 24)
NOTIFY_REMIND_RECHECK_HOURS = env_int("NOTIFY_REMIND_RECHECK_HOURS", 2)
CELERY_BEAT_SCHEDULE.update(
    {
        "notifications-retry-due": {
            "task": "anxin.notifications.tasks.retry_due",
            "schedule": 60.0,
        },
        "notifications-daily-digest": {
            "task": "anxin.notifications.tasks.send_daily_digests",
            "schedule": crontab(hour=7, minute=30),
        },
        "notifications-reminders": {
            "task": "anxin.notifications.tasks.send_reminders",
            "schedule": crontab(minute="*/15"),
        },
    }
)
# Warnings: the periodic evaluation (orange from overdue yellow, cross-department
# grids, red-hazard thresholds).
CELERY_BEAT_SCHEDULE["warnings-sweep"] = {
    "task": "anxin.warnings.tasks.sweep",
    "schedule": 300.0,
}

# --- Emergency readiness ---------------------------------------------------------------
# A response's after-action review is due this many hours after it ends; the sweep
# reminds this many hours before that and escalates to the district when late.
EMERGENCY_REVIEW_HOURS = env_int("EMERGENCY_REVIEW_HOURS", 24)
EMERGENCY_REVIEW_REMIND_HOURS = env_int("EMERGENCY_REVIEW_REMIND_HOURS", 4)
# A CAP 1.2 feed of meteorological warnings on the closed network, polled by beat.
WEATHER_CAP_URL = env_str("WEATHER_CAP_URL", "")
WEATHER_CAP_POLL_SECONDS = env_int("WEATHER_CAP_POLL_SECONDS", 600)
CELERY_BEAT_SCHEDULE["emergency-sweep"] = {
    "task": "anxin.emergency.tasks.sweep",
    "schedule": float(SWEEP_INTERVAL_SECONDS),
}
if WEATHER_CAP_URL:
    CELERY_BEAT_SCHEDULE["weather-fetch"] = {
        "task": "anxin.emergency.tasks.fetch_weather",
        "schedule": float(WEATHER_CAP_POLL_SECONDS),
    }

# --- Benchmarks ----------------------------------------------------------------------
# Serve /bench/minimal-insert (anxin.core.bench) for bench/hazard_api.py; never in production.
BENCH_ENDPOINTS = env_bool("ANXIN_BENCH_ENDPOINTS", False)
