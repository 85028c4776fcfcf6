"""Production: refuses to start with an insecure secret key, DEBUG on, or no master key."""

from django.core.exceptions import ImproperlyConfigured

from backend.config.env import env, env_bool, env_int

from .base import *  # noqa: F403
from .base import (
    DEBUG,
    FAIRTRAIL_MASTER_KEY,
    FAIRTRAIL_MASTER_KEY_PATH,
    FAIRTRAIL_SIGNING_KEY,
    FAIRTRAIL_SIGNING_KEY_PATH,
    SECRET_KEY,
)

INSECURE_SECRET_PREFIXES = ("insecure", "django-insecure", "change-me")


def check_production_settings(
    *,
    secret_key,
    debug,
    master_key,
    master_key_path,
    provider,
    signing_key=None,
    signing_key_path=None,
) -> None:
    """Raise ImproperlyConfigured unless the settings are safe to serve real workers with."""
    problems = []
    if not secret_key or len(secret_key) < 50 or secret_key.startswith(INSECURE_SECRET_PREFIXES):
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if debug:
        problems.append("DEBUG must be off")
    uses_default_provider = provider.endswith("EnvOrFileKeyProvider")
    if uses_default_provider and not (master_key or master_key_path):
        problems.append("a master key is required: FAIRTRAIL_MASTER_KEY(_FILE) or _PATH")
    if not (signing_key or signing_key_path):
        problems.append("a receipt signing key is required: FAIRTRAIL_SIGNING_KEY(_FILE) or _PATH")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems))


check_production_settings(
    secret_key=SECRET_KEY,
    debug=DEBUG,
    master_key=FAIRTRAIL_MASTER_KEY,
    master_key_path=FAIRTRAIL_MASTER_KEY_PATH,
    provider=env("FAIRTRAIL_KEY_PROVIDER", "backend.core.keys.EnvOrFileKeyProvider"),
    signing_key=FAIRTRAIL_SIGNING_KEY,
    signing_key_path=FAIRTRAIL_SIGNING_KEY_PATH,
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
