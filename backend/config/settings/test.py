"""Settings for the test suite. DATABASE_URL/REDIS_URL from the environment are honoured (CI)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

_TMP = Path(tempfile.mkdtemp(prefix="fairtrail-test-"))

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Argon2 stays the default in production; tests hash faster (one test pins the real hasher).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "backend.accounts.hashers.FairtrailArgon2PasswordHasher",
]
MEDIA_ROOT = _TMP / "media"
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SMS_BACKEND = "locmem"
FAIRTRAIL_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmctISE="
# Fixed test-only Ed25519 key: sha256(b"fairtrail test signing key"), base64.
FAIRTRAIL_SIGNING_KEY = "tU/RBv6EnI5nyhwLcdldmLirigze0mu98E0qe/WqtU8="
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run in-process in unit tests; the end-to-end tests start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
}
