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
def _register_tasks_and_schedule(sender, **kwargs):
    """Import every task module once the app is finalized (first use of ``app.tasks``).

    ``autodiscover_tasks`` alone only imports them when a worker starts; a web process running
    tasks in-process (the embedded default) would otherwise find no task by name.
    """
    import workers.tasks  # noqa: F401
    from workers.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
