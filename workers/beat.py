"""The periodic schedule (Celery beat). Each entry names a task; intervals are in seconds."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "purge-expired-phone-verifications": {
        "task": "accounts.purge_expired_phone_verifications",
        "schedule": crontab(minute=17),
    },
    "purge-expired-uploads": {
        "task": "vault.purge_expired_uploads",
        "schedule": crontab(minute="*/15"),
    },
    "release-due-agency-reviews": {
        "task": "agencies.release_due_reviews",
        "schedule": crontab(minute=5),
    },
}
