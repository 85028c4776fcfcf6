"""The Celery app. Configuration comes from Django settings (``CELERY_*``).

Run a worker with ``celery -A workers worker`` and the scheduler with ``celery -A workers beat``.
Without REDIS_URL the settings make tasks run in-process (eager), so the embedded default needs
no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("fairtrail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(lambda: ["workers"], related_name="tasks")


@app.on_after_finalize.connect
def _load_schedule(sender, **kwargs):
    from workers.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
