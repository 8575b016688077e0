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

from anxin.env import (
    ImproperlyConfiguredEnv,
    env_bool,
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
    "anxin.hazards",
    "anxin.open311",
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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
_database_url = env_optional("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "anxin.sqlite3")),
            "OPTIONS": {
                # Writers take the lock when the transaction starts, so two writers
                # wait for each other (busy timeout) instead of failing mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
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
LOGIN_URL = "admin:login"

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
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
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
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "anxin.core.tasks.heartbeat", "schedule": 60.0},
    "sweep-overdue": {"task": "anxin.hazards.tasks.sweep_overdue", "schedule": 300.0},
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
