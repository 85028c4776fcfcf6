"""The one way ``backend/`` starts background work: by task name, after the transaction commits.

``backend`` never imports ``workers``; the Celery app is looked up from ``settings.CELERY_APP``.
In the embedded default (no REDIS_URL) tasks run in-process right after commit.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger("fairtrail.tasks")


@cache
def celery_app():
    module_name, _, attribute = settings.CELERY_APP.partition(":")
    return getattr(importlib.import_module(module_name), attribute or "app")


def send_task_now(name: str, kwargs: dict[str, Any] | None = None, **options: Any) -> None:
    app = celery_app()
    if app.conf.task_always_eager:
        app.tasks[name].apply(kwargs=kwargs or {}, **options)
    else:
        app.send_task(name, kwargs=kwargs or {}, **options)


def enqueue_on_commit(name: str, kwargs: dict[str, Any] | None = None, **options: Any) -> None:
    """Send task ``name`` once the current transaction commits (at once outside a transaction).

    A broker outage must not fail the request that already committed its data: the error is
    logged and periodic sweeps (outbox re-dispatch, purges) pick the work up later.
    """

    def _send() -> None:
        try:
            send_task_now(name, kwargs, **options)
        except Exception:
            logger.exception("Could not enqueue task %s; a periodic sweep will retry it", name)

    transaction.on_commit(_send)
