"""Production: refuses to start with an insecure secret key, DEBUG on, no master key or a
development SMS backend; warns when it cannot tell clients apart behind a proxy."""

import logging

from django.core.exceptions import ImproperlyConfigured

from backend.config.env import env, env_bool, env_int

from .base import *  # noqa: F403
from .base import (
    DEBUG,
    FAIRTRAIL_MASTER_KEY,
    FAIRTRAIL_MASTER_KEY_PATH,
    FAIRTRAIL_SIGNING_KEY,
    FAIRTRAIL_SIGNING_KEY_PATH,
    REST_FRAMEWORK,
    SECRET_KEY,
    SMS_BACKEND,
)

INSECURE_SECRET_PREFIXES = ("insecure", "django-insecure", "change-me")
#: SMS backends that log, write to disk or keep messages in memory: codes would never reach a
#: phone, and the console and file ones put login codes where operators can read them.
DEVELOPMENT_SMS_BACKENDS = frozenset({"console", "file", "locmem"})
_DEVELOPMENT_SMS_CLASSES = ("ConsoleSmsBackend", "FileSmsBackend", "LocmemSmsBackend")

logger = logging.getLogger("fairtrail.settings")


def _is_development_sms_backend(name) -> bool:
    name = (name or "").strip()
    if name in DEVELOPMENT_SMS_BACKENDS or "." not in name:
        return True
    module, _, cls = name.rpartition(".")
    return module.startswith("backend.core.sms") and cls in _DEVELOPMENT_SMS_CLASSES


def check_production_settings(
    *,
    secret_key,
    debug,
    master_key,
    master_key_path,
    provider,
    sms_backend,
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
    if _is_development_sms_backend(sms_backend):
        problems.append(
            "SMS_BACKEND must be the dotted path of an SMS provider backend class "
            "(console, file and locmem are for development and tests)"
        )
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems))


def proxy_settings_warnings(*, num_proxies, secure_proxy_ssl_header) -> list[str]:
    """What looks wrong in the proxy settings (a warning, not a refusal: a trial may run bare)."""
    if secure_proxy_ssl_header and not num_proxies:
        return [
            "NUM_PROXIES is 0 but SECURE_PROXY_SSL_HEADER expects a TLS proxy in front: behind "
            "a proxy every client shares one throttle bucket. Set NUM_PROXIES to the number of "
            "reverse proxies (see docs/operations.md)."
        ]
    return []


check_production_settings(
    secret_key=SECRET_KEY,
    debug=DEBUG,
    master_key=FAIRTRAIL_MASTER_KEY,
    master_key_path=FAIRTRAIL_MASTER_KEY_PATH,
    provider=env("FAIRTRAIL_KEY_PROVIDER", "backend.core.keys.EnvOrFileKeyProvider"),
    sms_backend=SMS_BACKEND,
    signing_key=FAIRTRAIL_SIGNING_KEY,
    signing_key_path=FAIRTRAIL_SIGNING_KEY_PATH,
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app (docs/operations.md): DRF's throttles take the client
# address from that many entries from the right of X-Forwarded-For. 0 = REMOTE_ADDR, which behind
# a proxy is the proxy's address, so every client would share one throttle bucket.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

for _warning in proxy_settings_warnings(
    num_proxies=NUM_PROXIES, secure_proxy_ssl_header=SECURE_PROXY_SSL_HEADER
):
    logger.warning(_warning)
