"""Settings shared by every environment. Values come from the environment (see env.py)."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from django.utils.translation import gettext_lazy as _

from backend.config.env import BASE_DIR, env, env_bool, env_int, env_list, load_dotenv

load_dotenv()

DATA_DIR = BASE_DIR / env("FAIRTRAIL_DATA_DIR", "data")

SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "backend.core",
    "backend.audit",
    "backend.accounts",
    "backend.agencies",
    "backend.vault",
    "backend.notifications",
    "backend.complaints",
    "backend.retention",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "backend.console",
]

MIDDLEWARE = [
    "backend.core.middleware.CompressTextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.console.middleware.ConsoleMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
ASGI_APPLICATION = "backend.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "backend.console.context.console",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: SQLite in the data folder. DATABASE_URL=postgres://... in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fairtrail.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Trigram/unaccent lookups for agency search; only meaningful (and only loaded) on PostgreSQL.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")
    # A database that is down or unreachable fails a request within seconds (a 503), it does
    # not hang it until gunicorn's timeout (tests/faults/test_database_restart.py).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5
    )

# --- Cache, broker ----------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "backend.accounts.hashers.FairtrailArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("id", _("Indonesian")),
    ("th", _("Thai")),
    ("ne", _("Nepali")),
]
LOCALE_PATHS = [BASE_DIR / "backend" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = DATA_DIR / "media"
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("STORAGE_BUCKET", "fairtrail"),
            "endpoint_url": env("STORAGE_ENDPOINT_URL"),
            "region_name": env("STORAGE_REGION", "us-east-1"),
            "access_key": env("STORAGE_ACCESS_KEY_ID"),
            "secret_key": env("STORAGE_SECRET_ACCESS_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Encryption keys --------------------------------------------------------------------------
# The master key wraps every worker key. Source: a provider class (file/env by default, KMS later).
FAIRTRAIL_KEY_PROVIDER = env("FAIRTRAIL_KEY_PROVIDER", "backend.core.keys.EnvOrFileKeyProvider")
FAIRTRAIL_MASTER_KEY = env("FAIRTRAIL_MASTER_KEY")
FAIRTRAIL_MASTER_KEY_PATH = env("FAIRTRAIL_MASTER_KEY_PATH")
# Ed25519 key that signs receipts/bundles: base64 of the raw 32-byte private key, or a file
# (same base64, or a PKCS#8 PEM). Created on first use only when FAIRTRAIL_MASTER_KEY_AUTOCREATE.
FAIRTRAIL_SIGNING_KEY = env("FAIRTRAIL_SIGNING_KEY")
FAIRTRAIL_SIGNING_KEY_PATH = env("FAIRTRAIL_SIGNING_KEY_PATH")

# --- Vault ----------------------------------------------------------------------------------
VAULT_GRANT_DEFAULT_DAYS = env_int("VAULT_GRANT_DEFAULT_DAYS", 30)
VAULT_GRANT_MAX_DAYS = env_int("VAULT_GRANT_MAX_DAYS", 365)
VAULT_RESUMABLE_EXPIRY_HOURS = env_int("VAULT_RESUMABLE_EXPIRY_HOURS", 24)
# Retention schedule defaults (backend.retention); admins may override rows in the admin.
RETENTION_DEFAULT_RULES = [
    {"category": "document", "document_kind": "payslip", "basis": "from_upload", "days": 6 * 365},
    {
        "category": "document",
        "document_kind": "medical_certificate",
        "basis": "after_expiry",
        "days": 365,
    },
    {"category": "complaint_closed", "basis": "after_closure", "days": 5 * 365},
    {"category": "complaint_draft", "basis": "after_last_change", "days": 365},
    {"category": "notification", "basis": "from_creation", "days": 90},
    {"category": "unfinished_upload", "basis": "from_creation", "days": 1},
    {"category": "inactive_account", "basis": "after_last_sign_in", "days": 730},
    {"category": "account_erasure", "basis": "from_request", "days": 1},
    {"category": "export", "basis": "from_creation", "days": 7},
    {"category": "audit_event", "basis": "from_creation", "days": 6 * 365},
    {"category": "moderation_record", "basis": "from_creation", "days": 2 * 365},
]
# Inactive accounts are warned this many days before they are erased (once each).
RETENTION_INACTIVE_WARNING_DAYS = (30, 7)
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000)
RETENTION_DEADLINE_SECONDS = env_int("RETENTION_DEADLINE_SECONDS", 1800)
# Document purge walks run at once (threads, one connection each; PostgreSQL only).
RETENTION_PURGE_WORKERS = env_int("RETENTION_PURGE_WORKERS", 2)
# Hard time limit of retention.build_export. A build claimed longer ago than this plus the margin
# died with its worker, and the redelivered message (acks_late) rebuilds it; the sum must stay
# below the broker's visibility timeout (tests/faults/test_worker_killed_mid_export.py).
RETENTION_EXPORT_TIME_LIMIT = env_int("RETENTION_EXPORT_TIME_LIMIT", 3000)
RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS = env_int("RETENTION_EXPORT_RECLAIM_MARGIN_SECONDS", 60)
# Published in the schedule: how long the operator keeps server logs (their rotation).
RETENTION_SERVER_LOG_DAYS = env_int("RETENTION_SERVER_LOG_DAYS", 14)
VAULT_BUNDLE_MAX_DOCUMENTS = env_int("VAULT_BUNDLE_MAX_DOCUMENTS", 50)
VAULT_TUS_CHECKSUM_MAX_CHUNK = env_int("VAULT_TUS_CHECKSUM_MAX_CHUNK", 8 * 1024 * 1024)
VAULT_TUS_LEASE_SECONDS = env_int("VAULT_TUS_LEASE_SECONDS", 900)
COMPLAINT_AWAITING_REMINDER_DAYS = env_int("COMPLAINT_AWAITING_REMINDER_DAYS", 3)
# Upload validation (backend.vault.validation): size cap and decompression-bomb pixel cap.
VAULT_MAX_UPLOAD_BYTES = env_int("VAULT_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
VAULT_MAX_IMAGE_PIXELS = env_int("VAULT_MAX_IMAGE_PIXELS", 50_000_000)
# HEIC photos are stored as JPEG (fast, viewable in every browser) unless this is set.
VAULT_HEIC_KEEP_FORMAT = env_bool("VAULT_HEIC_KEEP_FORMAT", False)

# --- Agency ratings ---------------------------------------------------------------------------
# k-anonymity threshold for every published statistic (never below 3, see backend.core.privacy).
AGENCY_STATS_MIN_K = max(3, env_int("AGENCY_STATS_MIN_K", 5))
# Bayesian average: (C*m + sum) / (C + n); C = weight of the global mean m, in reviews.
AGENCY_BAYES_C = env_int("AGENCY_BAYES_C", 10)
# Burst detector: hold reviews of an agency when this many arrive from accounts younger than
# AGENCY_BURST_NEW_ACCOUNT_DAYS within AGENCY_BURST_WINDOW_MINUTES.
AGENCY_BURST_THRESHOLD = env_int("AGENCY_BURST_THRESHOLD", 5)
AGENCY_BURST_WINDOW_MINUTES = env_int("AGENCY_BURST_WINDOW_MINUTES", 60)
AGENCY_BURST_NEW_ACCOUNT_DAYS = env_int("AGENCY_BURST_NEW_ACCOUNT_DAYS", 14)
# Flags from distinct people that send an approved comment back to the moderation queue.
AGENCY_FLAGS_TO_REQUEUE = env_int("AGENCY_FLAGS_TO_REQUEUE", 3)
AGENCY_PUBLISH_DELAY_MAX_DAYS = env_int("AGENCY_PUBLISH_DELAY_MAX_DAYS", 730)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.accounts.authentication.DeviceJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["backend.core.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "backend.core.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.core.exception_handler.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login_client": env("THROTTLE_LOGIN_CLIENT", "20/min"),
        "login_account": env("THROTTLE_LOGIN_ACCOUNT", "5/min"),
        "code_client": env("THROTTLE_CODE_CLIENT", "10/min"),
        "code_account": env("THROTTLE_CODE_ACCOUNT", "5/min"),
        "register_client": env("THROTTLE_REGISTER_CLIENT", "10/hour"),
        "register_account": env("THROTTLE_REGISTER_ACCOUNT", "3/hour"),
        "review_write": env("THROTTLE_REVIEW_WRITE", "20/day"),
        "review_flag": env("THROTTLE_REVIEW_FLAG", "30/hour"),
        "vault_upload": env("THROTTLE_VAULT_UPLOAD", "300/hour"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fairtrail API",
    "DESCRIPTION": (
        "The API of the Fairtrail mobile app and console: an encrypted document vault, "
        "recruitment-agency ratings and a complaints workflow for migrant workers. Every error "
        'has the shape {"error": {"code", "message", "fields"}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.core.openapi.postprocess",  # error envelope on every error, page parameters
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Phone verification, SMS ----------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", "console")
SMS_FILE_PATH = env("SMS_FILE_PATH", str(DATA_DIR / "sms"))
PHONE_CODE_TTL_SECONDS = env_int("PHONE_CODE_TTL_SECONDS", 600)
PHONE_CODE_MAX_ATTEMPTS = env_int("PHONE_CODE_MAX_ATTEMPTS", 5)
# Per phone number: seconds between two codes, codes a day, wrong tries a day (all codes summed).
PHONE_CODE_MIN_INTERVAL_SECONDS = env_int("PHONE_CODE_MIN_INTERVAL_SECONDS", 60)
PHONE_CODE_DAILY_MAX = env_int("PHONE_CODE_DAILY_MAX", 5)
PHONE_CODE_DAILY_MAX_ATTEMPTS = env_int("PHONE_CODE_DAILY_MAX_ATTEMPTS", 10)

# --- Notifications (docs/notifications.md) --------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Fairtrail <no-reply@fairtrail.invalid>")
NOTIFICATIONS_CHANNEL_BACKENDS = {
    "push": env("NOTIFICATIONS_PUSH_BACKEND", "backend.notifications.channels.push.PushChannel"),
    "sms": env("NOTIFICATIONS_SMS_BACKEND", "backend.notifications.channels.sms.SmsChannel"),
    "email": env(
        "NOTIFICATIONS_EMAIL_BACKEND", "backend.notifications.channels.email.EmailChannel"
    ),
}
NOTIFICATIONS_PUSH_PROVIDERS = {
    "android": env(
        "NOTIFICATIONS_ANDROID_PROVIDER",
        "backend.notifications.channels.logging.LoggingPushProvider",
    ),
    "ios": env(
        "NOTIFICATIONS_IOS_PROVIDER", "backend.notifications.channels.logging.LoggingPushProvider"
    ),
}
NOTIFICATIONS_SINK_FILE = env("NOTIFICATIONS_SINK_FILE", "")
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
# Hard time limit of the dispatch task; a delivery 'sending' for longer than this plus the margin
# belongs to a killed worker and is reclaimed by the sweep.
NOTIFICATIONS_DISPATCH_TIME_LIMIT = env_int("NOTIFICATIONS_DISPATCH_TIME_LIMIT", 60)
NOTIFICATIONS_RECLAIM_MARGIN_SECONDS = env_int("NOTIFICATIONS_RECLAIM_MARGIN_SECONDS", 30)
# The sweep leaves fresh pending deliveries to their own dispatch message for this long.
NOTIFICATIONS_SWEEP_GRACE_SECONDS = env_int("NOTIFICATIONS_SWEEP_GRACE_SECONDS", 60)
NOTIFICATIONS_SWEEP_BATCH = env_int("NOTIFICATIONS_SWEEP_BATCH", 500)
# An urgent push not acknowledged within this many seconds is followed by an SMS.
NOTIFICATIONS_URGENT_ACK_SECONDS = env_int("NOTIFICATIONS_URGENT_ACK_SECONDS", 900)
NOTIFICATIONS_DOCUMENT_EXPIRY_DAYS = (30, 7)
NOTIFICATIONS_GRANT_EXPIRY_HOURS = env_int("NOTIFICATIONS_GRANT_EXPIRY_HOURS", 48)
FCM_PROJECT_ID = env("FCM_PROJECT_ID", "")
FCM_SERVICE_ACCOUNT_FILE = env("FCM_SERVICE_ACCOUNT_FILE", "")
FCM_ENDPOINT = env("FCM_ENDPOINT", "https://fcm.googleapis.com")
APNS_TEAM_ID = env("APNS_TEAM_ID", "")
APNS_KEY_ID = env("APNS_KEY_ID", "")
APNS_PRIVATE_KEY_FILE = env("APNS_PRIVATE_KEY_FILE", "")
APNS_TOPIC = env("APNS_TOPIC", "org.fairtrail.app")
APNS_ENDPOINT = env("APNS_ENDPOINT", "https://api.push.apple.com")

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL tasks run in-process (eager); with it they go to Redis and a real worker.
CELERY_APP = "workers.celery:app"
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Celery's Django fixup closes the database connection around every task unless this is set: a
# new PostgreSQL connection per task capped notification dispatch at ~60 tasks/s. Connections
# are now recycled every 2 x this many tasks (docs/performance.md, notifications).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": with it Chromium sends "Origin: null" on same-origin form posts and Django's
# CSRF origin check refuses every sign-in to /admin/ and /console/ (caught by tests/browser/).
# "same-origin" still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Web console (docs/console.md) ----------------------------------------------------------
CONSOLE_IDLE_TIMEOUT_SECONDS = env_int("CONSOLE_IDLE_TIMEOUT_SECONDS", 15 * 60)
CONSOLE_MAX_FAILED_ATTEMPTS = env_int("CONSOLE_MAX_FAILED_ATTEMPTS", 5)
CONSOLE_LOCKOUT_SECONDS = env_int("CONSOLE_LOCKOUT_SECONDS", 15 * 60)
CONSOLE_CLIENT_MAX_FAILURES = env_int("CONSOLE_CLIENT_MAX_FAILURES", 30)
CONSOLE_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "Fairtrail"

# --- Logging --------------------------------------------------------------------------------
# Records pass through a filter that masks phone numbers and truncates client IP addresses:
# a log line must never identify a worker.
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "backend.core.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        # Parsers of uploaded files quote file content in their messages (pypdf warnings show
        # object bytes; Pillow's debug log prints EXIF values, GPS included): never log them.
        "pypdf": {"level": "CRITICAL"},
        "PIL": {"level": "WARNING"},
    },
}
