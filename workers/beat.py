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
    "remind-workers-awaited-on-complaints": {
        "task": "complaints.remind_awaiting_worker",
        "schedule": crontab(minute=5, hour="*/6"),
    },
    "escalate-overdue-complaints": {
        "task": "complaints.escalate_overdue",
        "schedule": crontab(minute=41),
    },
    "release-due-agency-reviews": {
        "task": "agencies.release_due_reviews",
        "schedule": crontab(minute=5),
    },
    "notifications-redispatch-pending": {
        "task": "notifications.redispatch_pending",
        "schedule": 60.0,
    },
    "notifications-urgent-sms-fallback": {
        "task": "notifications.send_urgent_fallbacks",
        "schedule": 60.0,
    },
    # Hourly, so each user's reminder fires soon after their local day starts.
    "notifications-remind-expiring-documents": {
        "task": "notifications.remind_expiring_documents",
        "schedule": crontab(minute=11),
    },
    "notifications-remind-expiring-grants": {
        "task": "notifications.remind_expiring_grants",
        "schedule": crontab(minute=23),
    },
    "retention-redispatch-exports": {
        "task": "retention.redispatch_exports",
        "schedule": 300.0,
    },
    "retention-run-daily": {
        "task": "retention.run",
        "schedule": crontab(minute=37, hour=3),
    },
}
