# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker and beat (celery); docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=backend.config.settings.production \
    FAIRTRAIL_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 fairtrail \
    && useradd --system --uid 10001 --gid fairtrail --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin fairtrail

WORKDIR /app

# The exact, hash-checked dependency set of requirements/lock.txt (regenerate: scripts/lock.sh).
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes --no-deps -r requirements/lock.txt

COPY . .

# Static files are collected at build time with throw-away keys: production settings refuse to
# import without keys, and none of these values ends up in the image's environment.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    FAIRTRAIL_MASTER_KEY="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    FAIRTRAIL_SIGNING_KEY="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/data \
    && chown fairtrail:fairtrail /app/data

# Code stays owned by root (read-only for the app); only /app/data is writable.
USER fairtrail

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Access log without client addresses or query strings (they can identify a worker).
CMD ["gunicorn", "backend.config.wsgi:application", \
     "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-", "--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(b)s %(M)sms"]
