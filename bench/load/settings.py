"""Settings for the load test: the production settings (their start-up checks included) on
plain HTTP over loopback, plus the baseline endpoints of bench/urls.py.

bench/bench_load.py supplies what production requires through the environment: a random
SECRET_KEY, a master and a signing key, an SMS backend class (bench.load.sms, which refuses to
send: the mix never registers a phone), PostgreSQL (DATABASE_URL) and Redis (REDIS_URL, broker and
cache). Only three things differ from production:

- ``SECURE_SSL_REDIRECT`` off (env) and HTTP on loopback: there is no TLS proxy in front;
- ``NUM_PROXIES = 1`` (env): each simulated phone sends its own ``X-Forwarded-For`` address, as a
  reverse proxy would, so the per-client throttles keep their production rates and count each
  phone separately instead of putting every simulated user in the bucket of 127.0.0.1;
- ``ROOT_URLCONF = "bench.urls"`` (the project's URLs plus the ping baselines).
"""

from backend.config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "backend.core.logging.RedactPersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
