"""Settings shared by every environment.

Every external service is chosen by one environment variable; when it is unset the
embedded default is used, so the project runs with no configuration at all:

===================  =========================================  ==========================
variable             production                                 embedded default
===================  =========================================  ==========================
DATABASE_URL         postgres://user:pass@host:5432/name        SQLite file under var/
REDIS_URL            redis://host:6379/0                        local-memory cache,
                     (cache, Celery broker/results, channels)   in-memory channel layer,
                                                                filesystem Celery broker
EMAIL_URL            smtp+tls://user:pass@host:587              console backend
===================  =========================================  ==========================
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from core.storage import storages_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Files the embedded default writes (SQLite database, media, Celery broker folders).
VAR_DIR = Path(env.str("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))

# The default key exists only so that development works with no configuration.
# config.settings.prod refuses to start with it.
INSECURE_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --------------------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------------------
DJANGO_APPS = [
    "core.apps.AdminConfig",  # django.contrib.admin with a two-factor aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "phonenumber_field",
    "django_countries",
    "mptt",
    "taggit",
    "django_fsm",
    "channels",
    "django_celery_beat",
    "crum",
]
LOCAL_APPS = [
    "core.apps.CoreConfig",
    "api.v1.base_models.user.apps.UserConfig",
    "api.v1.base_models.auth.apps.AuthenticationConfig",
    "api.v1.base_models.common.apps.CommonConfig",
    "api.v1.base_models.organization.apps.OrganizationConfig",
    "api.v1.base_models.contact.apps.ContactConfig",
    "api.v1.base_models.files.apps.FilesConfig",
    "api.v1.features.products.apps.ProductsConfig",
    "api.v1.features.inventory.apps.InventoryConfig",
    "api.v1.features.documents.apps.DocumentsConfig",
    "api.v1.features.collaboration.apps.CollaborationConfig",
    "api.v1.features.chat.apps.ChatConfig",
    "api.v1.features.meetings.apps.MeetingsConfig",
    "api.v1.features.data_jobs.apps.DataJobsConfig",
    "api.v1.features.automation.apps.AutomationConfig",
    "rbac.apps.RbacConfig",
    "audit.apps.AuditConfig",
    "notifications.apps.NotificationsConfig",
    "search.apps.SearchConfig",
    "api.demo.apps.DemoConfig",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, its global permissions read in one query.
    "rbac.backends.ModelBackend",
    # user.has_perm(perm, obj) answered by the user's role in the object's organization.
    "rbac.backends.OrganizationPermissionBackend",
]

MIDDLEWARE = [
    # Requests counted and timed per view and status (django-prometheus, core.metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "audit.logs.RequestLogMiddleware",
    "core.middleware.ProbeMiddleware",
    "core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crum.CurrentRequestUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ApiServerErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web server and the Celery worker share
    # the file without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Queries counted and timed (django-prometheus's wrappers of Django's own backends, in
# core.db's, which add to them).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "core.db.postgresql",
    "django.db.backends.sqlite3": "core.db.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------------------
# Redis-backed services (cache, channel layer, Celery) or their embedded stand-ins
# --------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="erp"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis drops silently what exceeds a channel's capacity: sized for
            # a chat connection's bursts (its default is 100); clients catch up by
            # sequence over REST.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py's own socket timeout (5 s) would cut the layer's
                        # blocking reads, which wait up to 5 s themselves, and drop the
                        # connection's consumer (channels-redis #422).
                        "socket_timeout": None,
                        # Connections at once per process (closing 1,000 sockets at
                        # once discards 1,000 groups): past it redis-py fails, not waits.
                        "max_connections": env.int("CHANNEL_MAX_CONNECTIONS", default=1000),
                    }
                ],
                "capacity": env.int("CHANNEL_CAPACITY", default=1000),
                "expiry": env.int("CHANNEL_EXPIRY", default=60),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis when configured, otherwise a filesystem broker and result store that
# need no server (the worker and the web process share the folders under var/).
CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
CELERY_RESULTS_DIR = VAR_DIR / "celery" / "results"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{CELERY_RESULTS_DIR}"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# One beat at a time (core.beat): the running one holds a lock in Redis for this many
# seconds, renewed every third of it; a second beat stands by and takes over at most
# this long after the first dies.
BEAT_LOCK_TTL = env.int("BEAT_LOCK_TTL", default=60)
CELERY_BEAT_SCHEDULE = {
    "flush-expired-jwt-tokens": {
        "task": "api.v1.base_models.auth.tasks.flush_expired_tokens",
        "schedule": timedelta(days=1),
    },
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": timedelta(days=1),
    },
    "purge-audit-log": {
        "task": "audit.tasks.purge_audit_logs",
        "schedule": timedelta(days=1),
    },
    "remove-orphaned-files": {
        "task": "api.v1.base_models.files.tasks.remove_orphaned_files",
        "schedule": timedelta(days=1),
    },
}

# --------------------------------------------------------------------------------------
# Email
# --------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ERP Platform <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --------------------------------------------------------------------------------------
# Authentication and passwords
# --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Login sends Django's user_logged_in signal, whose receiver updates last_login.
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a fingerprint of the password hash: changing the password revokes them.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # simplejwt's access token, its signature checked once per process (the token's
    # expiry and user on every request).
    "AUTH_TOKEN_CLASSES": ("api.v1.base_models.auth.tokens.AccessToken",),
    "TOKEN_REFRESH_SERIALIZER": "api.v1.base_models.auth.serializers.TokenRefreshSerializer",
}

# API keys are sent in the X-API-Key header (djangorestframework-api-key setting).
API_KEY_CUSTOM_HEADER = "HTTP_X_API_KEY"
# How many usable (unrevoked, unexpired) keys a user may hold at once; creating one more
# at /api/v1/auth/api-keys/ is refused (400 `api_key_limit`). Staff in the Admin are not
# bound by it.
API_KEY_MAX_PER_USER = 50

# TOTP two-factor authentication (django-otp).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ERP Platform")
# django-otp's exponential per-device back-off would refuse a correct code typed one
# second after a typo; failed attempts are throttled per user instead (see the
# "otp" throttle rate below), which bounds guessing just as well.
OTP_TOTP_THROTTLE_FACTOR = 0
# How long the challenge returned by a password login stays valid for the second step.
TWO_FACTOR_CHALLENGE_MAX_AGE = timedelta(minutes=5)
# Recovery codes (django-otp's static device, stored hashed): how many a user gets.
RECOVERY_CODE_COUNT = 10
OTP_STATIC_THROTTLE_FACTOR = 0  # failures are throttled per user, as for TOTP

# Password reset: how long an emailed link works (Django's token generator), and the
# link of the email, "{uid}" and "{token}" standing for its two parts (a page of your
# front end that posts them to /api/v1/auth/password/reset/confirm/). Without it the
# email gives the uid and token themselves.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
PASSWORD_RESET_URL = env.str("PASSWORD_RESET_URL", default="")

# --------------------------------------------------------------------------------------
# Django REST framework and the OpenAPI schema
# --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.v1.base_models.auth.authentication.JWTAuthentication",
        "api.v1.base_models.auth.authentication.APIKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filtering.backends.JSONFilterBackend",
        "core.filters.DjangoFilterBackend",
        "core.filters.SearchFilter",
        "core.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, refusing input no database or JSON can hold (core.inputs).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "core.parsers.FormParser",
        "core.parsers.MultiPartParser",
    ],
    # Failed attempts only (see core.throttling): successful logins are never limited.
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN_FAILURES", default="10/15m"),
        "otp": env.str("THROTTLE_OTP_FAILURES", default="5/15m"),
        "totp_setup": env.str("THROTTLE_TOTP_SETUP_FAILURES", default="5/15m"),
        "password": env.str("THROTTLE_PASSWORD_FAILURES", default="5/15m"),
        # Every reset request counts: per email address, and per client address.
        "password_reset_address": env.str("THROTTLE_PASSWORD_RESET_ADDRESS", default="3/h"),
        "password_reset_client": env.str("THROTTLE_PASSWORD_RESET_CLIENT", default="20/h"),
        "password_reset_confirm": env.str("THROTTLE_PASSWORD_RESET_FAILURES", default="10/h"),
    },
    # DRF's own client address never trusts X-Forwarded-For; the project's throttles and
    # audit log read it behind TRUSTED_PROXIES only (core.http.client_ip).
    "NUM_PROXIES": 0,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
MAX_PAGE_SIZE = 100
# Lists of tables that grow without bound (the audit log) count at most this many rows
# (core.pagination.BoundedCountPagination: `count_is_exact` says when there are more).
PAGINATION_COUNT_LIMIT = env.int("PAGINATION_COUNT_LIMIT", default=10_000)

SPECTACULAR_SETTINGS = {
    "TITLE": "ERP Platform API",
    "DESCRIPTION": (
        "Versioned REST API of the ERP base platform. Authenticate with a JWT "
        "(`Authorization: Bearer <access>`, from `/api/v1/auth/token/`) or an API key "
        "(`X-API-Key: <key>`, created by the user at `/api/v1/auth/api-keys/` or by staff "
        "in the Admin; shown once)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # Choice sets shared by several models get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LifecycleStatusEnum": "api.v1.base_models.organization.choices.OrganizationStatus",
        "AddressStatusEnum": "api.v1.base_models.common.choices.AddressStatus",
        "HealthStatusEnum": [("ok", "ok"), ("error", "error")],
        "TransitionRefusalCodeEnum": "api.base.workflows.REFUSAL_CODES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Real responses captured on the demo data by `make docs`, as examples.
        "api.demo.apidocs.schema_examples.add_examples",
        "core.schema.drop_unreferenced_components",
    ],
}

# --------------------------------------------------------------------------------------
# Tags, advanced filtering, workflows
# --------------------------------------------------------------------------------------
# "VIP" and "vip" are one tag (django-taggit).
TAGGIT_CASE_INSENSITIVE = True
# `?filter=<JSON>` (core.filtering): bounds of one filter...
FILTER_MAX_DEPTH = 5  # levels of and/or/not
FILTER_MAX_CONDITIONS = 30
FILTER_MAX_LENGTH = 4000  # characters of the parameter
# ...and the fields it may use: each list view's `json_filter_fields` (by default the
# model's columns its serializer shows, the organization's code and name, custom_fields
# and tags__name); an entry here ("app_label.modelname": ["name", "category__slug",
# ...]) replaces the view's list for that model (a deployment override).
ALLOWED_FILTER_FIELDS = {}

# --------------------------------------------------------------------------------------
# Audit log (audit.registry)
# --------------------------------------------------------------------------------------
AUDIT = {
    # Every model inheriting core.models.Auditable is audited, except these...
    "EXCLUDE": env.list("AUDIT_EXCLUDE", default=[]),
    # ...and these are too.
    "INCLUDE": [
        "users.user",
        "auth.group",
        "authentication.userapikey",
        "otp_totp.totpdevice",
        "notifications.notification",
    ],
    # Logged as a mask: a field name (any model) or "app_label.model.field".
    "MASKED_FIELDS": [
        "password",
        "hashed_key",
        "token",
        "token_hash",
        "secret",
        "otp_totp.totpdevice.key",
        # A meeting's room address lets anyone in a room without tokens: only its
        # participants get it (GET /meetings/{id}/join/), not the readers of its history.
        "meetings.meeting.join_url",
        "meetings.meeting.provider_meeting_id",
        "meetings.meeting.provider_data",
        *env.list("AUDIT_MASKED_FIELDS", default=[]),
    ],
    # Left out of diffs: bookkeeping that changes without anyone changing the record.
    "IGNORED_FIELDS": [
        "last_login",
        "otp_totp.totpdevice.last_t",
        "otp_totp.totpdevice.drift",
        "otp_totp.totpdevice.throttling_failure_timestamp",
        "otp_totp.totpdevice.throttling_failure_count",
        "otp_totp.totpdevice.last_used_at",
        "authentication.userapikey.last_used_at",
        # Reading a notification is not worth an audit row.
        "notifications.notification.read_at",
        # Nor is the delivery of its email.
        "notifications.notification.email_status",
        "notifications.notification.email_error",
        "notifications.notification.emailed_at",
    ],
    # How to reach the organization of records of models outside the feature registry
    # (core.registry) that have no `organization` field: {"app_label.model": "a.b"}.
    "ORGANIZATION_PATHS": {},
    # API key ids embed the key's hash: they are logged by prefix.
    "OBJECT_ID_FIELDS": {"authentication.userapikey": "prefix"},
    "RETENTION_DAYS": env.int("AUDIT_RETENTION_DAYS", default=365),
    # "delete", or "archive": written to ARCHIVE_DIR as JSON Lines before deletion.
    "PURGE_MODE": env.str("AUDIT_PURGE_MODE", default="delete"),
    "ARCHIVE_DIR": env.str("AUDIT_ARCHIVE_DIR", default=str(VAR_DIR / "audit-archive")),
    "PURGE_BATCH_SIZE": env.int("AUDIT_PURGE_BATCH_SIZE", default=1000),
}
# Reverse proxies (IPs or networks) whose X-Forwarded-For gives the client address
# (audit log, throttling). Empty: REMOTE_ADDR is the client (uvicorn already rewrites it
# for the proxies in FORWARDED_ALLOW_IPS).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --------------------------------------------------------------------------------------
# Request limits
# --------------------------------------------------------------------------------------
# Input no database or JSON can hold is refused with a 400 (core.inputs): JSON nested
# deeper than this, and query parameters longer than this.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
QUERY_PARAM_MAX_LENGTH = env.int("QUERY_PARAM_MAX_LENGTH", default=8192)
# JSON and form bodies larger than this are refused with 413 (DRF reads them through
# Django's request.body, which enforces it); files are bounded by the field receiving them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
PROFILE_PICTURE_MAX_SIZE = env.int("PROFILE_PICTURE_MAX_SIZE", default=5 * 1024 * 1024)

# --------------------------------------------------------------------------------------
# Conditional requests (core.conditional)
# --------------------------------------------------------------------------------------
# Every record answers with an ETag; a write with If-Match is made only to the version
# read (else 412). With this on, writes of a record without If-Match are refused (428).
REQUIRE_IF_MATCH = env.bool("REQUIRE_IF_MATCH", default=False)

# --------------------------------------------------------------------------------------
# Internationalisation
# --------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------------------
# Static and media files
# --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files: the local filesystem under MEDIA_ROOT, or S3-compatible object
# storage when FILE_STORAGE_URL names a bucket (core.storage).
STORAGES = storages_from_url(
    env.str("FILE_STORAGE_URL", default=""),
    base={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
)

# --------------------------------------------------------------------------------------
# Notifications (notifications/)
# --------------------------------------------------------------------------------------
# An unread notification of a type about a record, younger than this, takes a repeat
# of it (its count grows) instead of a new row.
NOTIFICATION_COLLAPSE_WINDOW = timedelta(
    minutes=env.int("NOTIFICATION_COLLAPSE_MINUTES", default=10)
)
# Where the platform is reached from outside: a notification's relative action URL
# ("/api/v1/comments/7/") is made absolute on this base in its email.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# Unread counts stop at this number (`unread_count_is_exact` false past it): the same
# time for a user with 10 unread notifications or 100,000.
NOTIFICATION_UNREAD_COUNT_LIMIT = env.int("NOTIFICATION_UNREAD_COUNT_LIMIT", default=1000)

# Who has a WebSocket open (core.presence): marked on connect and every PRESENCE_REFRESH
# seconds, for PRESENCE_TTL seconds.
PRESENCE_REFRESH = env.int("PRESENCE_REFRESH", default=30)
PRESENCE_TTL = env.int("PRESENCE_TTL", default=90)
# Emails the mail server refused for now are tried again this many times, after this
# many seconds, doubled each time; then marked ERROR with the reason.
NOTIFICATION_EMAIL_MAX_RETRIES = env.int("NOTIFICATION_EMAIL_MAX_RETRIES", default=5)
NOTIFICATION_EMAIL_RETRY_DELAY = env.int("NOTIFICATION_EMAIL_RETRY_DELAY", default=60)
# The daily digest goes out at this hour (UTC).
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)
# Notifications are deleted this many days after being read, or after being written
# when never read.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)
NOTIFICATION_UNREAD_RETENTION_DAYS = env.int("NOTIFICATION_UNREAD_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE["send-hourly-notification-digests"] = {
    "task": "notifications.tasks.send_email_digests",
    "schedule": crontab(minute=0),
    "args": ["hourly"],
}
CELERY_BEAT_SCHEDULE["send-daily-notification-digests"] = {
    "task": "notifications.tasks.send_email_digests",
    "schedule": crontab(minute=0, hour=NOTIFICATION_DIGEST_HOUR),
    "args": ["daily"],
}
CELERY_BEAT_SCHEDULE["purge-notifications"] = {
    "task": "notifications.tasks.purge_notifications",
    "schedule": timedelta(days=1),
}

# --------------------------------------------------------------------------------------
# Files (api/v1/base_models/files)
# --------------------------------------------------------------------------------------
# The largest file an upload may carry (413 past it), and the types it may have, as
# sniffed from the content ("image/*" for a family).
FILE_MAX_SIZE = env.int("FILE_MAX_SIZE", default=100 * 1024 * 1024)
FILE_ALLOWED_TYPES = env.list(
    "FILE_ALLOWED_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "text/plain",
        "text/csv",
        "application/json",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    ],
)
# A virus scanner every upload passes before it is stored (core.scanning):
# "clamd://host:3310" for ClamAV's daemon. Empty: no scanning.
FILE_SCAN_URL = env.str("FILE_SCAN_URL", default="")
FILE_SCAN_TIMEOUT = env.float("FILE_SCAN_TIMEOUT", default=30.0)
# Bytes no row references are removed by the orphan clean-up once older than this
# (an upload in progress has stored its bytes before its row commits).
FILE_ORPHAN_GRACE = timedelta(hours=env.int("FILE_ORPHAN_GRACE_HOURS", default=6))
# The text of documents' files, for the search (files.text): at most this many characters
# per file, and XML parts of Office files of at most this many bytes uncompressed.
FILE_TEXT_MAX_LENGTH = env.int("FILE_TEXT_MAX_LENGTH", default=100_000)
FILE_TEXT_MAX_PART_SIZE = env.int("FILE_TEXT_MAX_PART_SIZE", default=20 * 1024 * 1024)

# --------------------------------------------------------------------------------------
# Metrics (core.metrics): Prometheus's text format at /metrics on each web process and
# on CELERY_METRICS_PORT of each Celery worker, for a scraper sending
# "Authorization: Bearer <METRICS_TOKEN>" or on a network of METRICS_ALLOWED_NETWORKS
# (CIDRs, comma-separated). Neither set: not served. Processes sharing a container
# write to PROMETHEUS_MULTIPROC_DIR (an environment variable, emptied at start).
# --------------------------------------------------------------------------------------
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.str("METRICS_ALLOWED_NETWORKS", default="")
WORKER_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=9808)

# --------------------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------------------
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
# DJANGO_LOG_FORMAT: "plain" (readable) or "json" (one object per line, for a log
# collector; production's default). Every line logged while a request is served carries
# its request id and user id (audit.logs), and each request gets one line of its own.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "audit.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a console handler when DEBUG is on) would print each
        # server error a second time beside the root's: Django logs to the root only.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # A 4xx is in the request's own line (erp.requests): not a warning again.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# --------------------------------------------------------------------------------------
# Organization invitations
# --------------------------------------------------------------------------------------
# How long an invitation, and the token its email carries, stays valid.
INVITATION_MAX_AGE = timedelta(days=env.int("INVITATION_MAX_AGE_DAYS", default=7))
# The link of the invitation email, "{token}" standing for the token (a page of your
# front end that posts it to /api/v1/invitations/accept/). Empty: the email gives the
# token and that endpoint.
INVITATION_ACCEPT_URL = env.str("INVITATION_ACCEPT_URL", default="")
CELERY_BEAT_SCHEDULE["expire-organization-invitations"] = {
    "task": "api.v1.base_models.organization.tasks.expire_invitations",
    "schedule": timedelta(days=1),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["HealthOutcomeEnum"] = "core.health.OUTCOMES"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["InvitationStatusEnum"] = (
    "api.v1.base_models.organization.choices.InvitationStatus"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["DocumentStatusEnum"] = (
    "api.v1.features.documents.choices.DocumentStatus"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["CommentStatusEnum"] = (
    "api.v1.features.collaboration.choices.CommentStatus"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MeetingStatusEnum"] = (
    "api.v1.features.meetings.choices.MeetingStatus"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ChatParticipantRoleEnum"] = (
    "api.v1.features.chat.choices.ParticipantRole"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MeetingParticipantRoleEnum"] = (
    "api.v1.features.meetings.choices.ParticipantRole"
)

# --------------------------------------------------------------------------------------
# Video meetings (api/v1/features/meetings)
# --------------------------------------------------------------------------------------
# The domain of the meetings' UIDs in calendar invitations ("<uuid>@<domain>").
MEETING_CALENDAR_DOMAIN = env.str("MEETING_CALENDAR_DOMAIN", default="erp-platform.invalid")
# Participants are reminded this long before a meeting (a notification; the calendar
# file's alarm too).
MEETING_REMINDER_BEFORE = timedelta(minutes=env.int("MEETING_REMINDER_MINUTES", default=15))
CELERY_BEAT_SCHEDULE["send-meeting-reminders"] = {
    "task": "api.v1.features.meetings.tasks.send_meeting_reminders",
    "schedule": timedelta(minutes=1),
}
# How many people one meeting may invite, and how long it may last.
MEETING_MAX_PARTICIPANTS = env.int("MEETING_MAX_PARTICIPANTS", default=300)
MEETING_MAX_DURATION = timedelta(hours=env.int("MEETING_MAX_DURATION_HOURS", default=24))
# Recordings downloaded from the provider: the largest, the types (sniffed from the
# content) and how long the provider may take to answer (seconds).
MEETING_RECORDING_MAX_SIZE = env.int("MEETING_RECORDING_MAX_SIZE", default=2 * 1024**3)
MEETING_RECORDING_TYPES = env.list(
    "MEETING_RECORDING_TYPES", default=["video/*", "audio/*", "text/plain", "text/vtt"]
)
MEETING_RECORDING_TIMEOUT = env.float("MEETING_RECORDING_TIMEOUT", default=60.0)
# Invitation emails and recording downloads that fail for now are tried again this many
# times, after MEETING_RETRY_DELAY seconds, doubled each time.
MEETING_MAX_RETRIES = env.int("MEETING_MAX_RETRIES", default=5)
MEETING_RETRY_DELAY = env.int("MEETING_RETRY_DELAY", default=60)
# The provider of an organization's meetings: "jitsi" (the embedded default) or "zoom";
# MEETING_PROVIDERS_BY_ORGANIZATION gives some organizations, by code, another one
# ("ACME=zoom,GLOBEX=jitsi").
MEETING_PROVIDER = env.str("MEETING_PROVIDER", default="jitsi")
MEETING_PROVIDERS_BY_ORGANIZATION = env.dict("MEETING_PROVIDERS_BY_ORGANIZATION", default={})
# A webhook signed further than this from now (either way) is refused as a replay.
MEETING_WEBHOOK_TOLERANCE = timedelta(
    seconds=env.int("MEETING_WEBHOOK_TOLERANCE_SECONDS", default=300)
)
# Jitsi Meet: the server of the rooms, and the app id and secret of its token
# authentication (self-hosted; both or neither: join links then carry HS256 tokens).
JITSI_BASE_URL = env.str("JITSI_BASE_URL", default="https://meet.jit.si")
JITSI_APP_ID = env.str("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env.str("JITSI_APP_SECRET", default="")
# Jitsi as a Service (8x8.vc), used instead when JAAS_APP_ID is set: the API key's id
# ("<app id>/<key>" or the key part) and private key (PEM; "\n" may stand for the line
# breaks), which signs RS256 join tokens, and the webhook endpoint's secret.
JAAS_APP_ID = env.str("JAAS_APP_ID", default="")
JAAS_API_KEY_ID = env.str("JAAS_API_KEY_ID", default="")
JAAS_PRIVATE_KEY = env.str("JAAS_PRIVATE_KEY", default="", multiline=True)
JAAS_WEBHOOK_SECRET = env.str("JAAS_WEBHOOK_SECRET", default="")
# Zoom: a Server-to-Server OAuth app's credentials and webhook secret token, the Zoom
# user meetings are scheduled for ("me": the app's account; empty: each meeting's host,
# by email), and how long a call to Zoom may take (seconds).
ZOOM_ACCOUNT_ID = env.str("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env.str("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env.str("ZOOM_CLIENT_SECRET", default="")
ZOOM_WEBHOOK_SECRET_TOKEN = env.str("ZOOM_WEBHOOK_SECRET_TOKEN", default="")
ZOOM_USER_ID = env.str("ZOOM_USER_ID", default="me")
ZOOM_OAUTH_URL = env.str("ZOOM_OAUTH_URL", default="https://zoom.us/oauth/token")
ZOOM_API_BASE = env.str("ZOOM_API_BASE", default="https://api.zoom.us/v2")
ZOOM_TIMEOUT = env.float("ZOOM_TIMEOUT", default=10.0)

# --------------------------------------------------------------------------------------
# Import and export jobs (api/v1/features/data_jobs)
# --------------------------------------------------------------------------------------
# The largest file an import may be (413 past it; at most FILE_MAX_SIZE, the file layer's
# limit), and the most an XLSX file may hold once unzipped, in all and compared with its
# zipped size (a zip bomb is refused before it is opened).
DATA_IMPORT_MAX_SIZE = env.int("DATA_IMPORT_MAX_SIZE", default=50 * 1024 * 1024)
DATA_IMPORT_MAX_UNZIPPED_SIZE = env.int("DATA_IMPORT_MAX_UNZIPPED_SIZE", default=500 * 1024 * 1024)
DATA_IMPORT_MAX_ZIP_RATIO = env.int("DATA_IMPORT_MAX_ZIP_RATIO", default=200)
# The most rows an import file may have, and the rows validated and written per batch
# (one transaction each; a job taken up again resumes after the last committed batch).
DATA_IMPORT_MAX_ROWS = env.int("DATA_IMPORT_MAX_ROWS", default=1_000_000)
DATA_JOB_BATCH_SIZE = env.int("DATA_JOB_BATCH_SIZE", default=1000)
# The most rows a PDF export may have (a PDF is for reading, a CSV or XLSX for data).
DATA_EXPORT_PDF_MAX_ROWS = env.int("DATA_EXPORT_PDF_MAX_ROWS", default=5000)
# A running job whose worker has given no sign of life for this long (seconds) is taken
# up again by another worker (data_jobs.tasks.resume_stalled_jobs, every minute), at most
# DATA_JOB_MAX_ATTEMPTS times in all.
DATA_JOB_STALLED_AFTER = env.int("DATA_JOB_STALLED_AFTER", default=120)
DATA_JOB_MAX_ATTEMPTS = env.int("DATA_JOB_MAX_ATTEMPTS", default=3)
CELERY_BEAT_SCHEDULE["resume-stalled-data-jobs"] = {
    "task": "api.v1.features.data_jobs.tasks.resume_stalled_jobs",
    "schedule": timedelta(minutes=1),
}

# --------------------------------------------------------------------------------------
# Search (search/)
# --------------------------------------------------------------------------------------
# The backend holding the index: Elasticsearch or OpenSearch when ELASTICSEARCH_URL is set
# (http(s)://[user:password@]host:9200), else the database's own full-text search
# (PostgreSQL, or SQLite FTS5). Each searchable model has its index there, named
# ELASTICSEARCH_INDEX-<app>-<model>; ELASTICSEARCH_TIMEOUT: seconds per request.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX = env.str("ELASTICSEARCH_INDEX", default="erp")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=5.0)
SEARCH_BACKEND = (
    "search.backends.elasticsearch.ElasticsearchBackend"
    if ELASTICSEARCH_URL
    else "search.backends.database.DatabaseBackend"
)
# The longest query (characters; a 400 past it), and the most text of one field indexed.
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=200)
SEARCH_MAX_FIELD_LENGTH = env.int("SEARCH_MAX_FIELD_LENGTH", default=100_000)
# How deep a search pages (results past it: a 400), and records indexed per batch.
SEARCH_MAX_RESULTS = env.int("SEARCH_MAX_RESULTS", default=1000)
SEARCH_BATCH_SIZE = env.int("SEARCH_BATCH_SIZE", default=500)

# Automation rules (api.v1.features.automation).
# Rules triggered by rules' actions: at most this deep a chain (then skipped, logged).
AUTOMATION_MAX_DEPTH = env.int("AUTOMATION_MAX_DEPTH", default=3)
# A rule whose evaluations fail this many times in a row is disabled (its owner told).
AUTOMATION_DISABLE_AFTER_FAILURES = env.int("AUTOMATION_DISABLE_AFTER_FAILURES", default=5)
AUTOMATION_LOG_RETENTION_DAYS = env.int("AUTOMATION_LOG_RETENTION_DAYS", default=90)
# Schedule and relative-time rules: at most this many records per rule and run.
AUTOMATION_MAX_RECORDS_PER_RUN = env.int("AUTOMATION_MAX_RECORDS_PER_RUN", default=1000)
CELERY_BEAT_SCHEDULE["run-timed-automation-rules"] = {
    "task": "api.v1.features.automation.tasks.run_timed_rules",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["purge-automation-logs"] = {
    "task": "api.v1.features.automation.tasks.purge_logs",
    "schedule": timedelta(days=1),
}
# Webhooks: only to these hosts when set ("hooks.example.com", "*.example.com"); never to
# private, loopback or link-local addresses, except the hosts of
# AUTOMATION_WEBHOOK_PRIVATE_HOSTS (internal services).
AUTOMATION_WEBHOOK_ALLOWED_HOSTS = env.list("AUTOMATION_WEBHOOK_ALLOWED_HOSTS", default=[])
AUTOMATION_WEBHOOK_PRIVATE_HOSTS = env.list("AUTOMATION_WEBHOOK_PRIVATE_HOSTS", default=[])
AUTOMATION_WEBHOOK_TIMEOUT = env.float("AUTOMATION_WEBHOOK_TIMEOUT", default=10.0)
# Retries of a webhook whose receiver fails (5xx, 429, timeouts), with backoff.
AUTOMATION_WEBHOOK_RETRIES = env.int("AUTOMATION_WEBHOOK_RETRIES", default=5)
