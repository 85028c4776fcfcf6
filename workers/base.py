"""The base task class every Fairtrail task uses.

Late acknowledgement with prefetch 1 means a worker killed mid-task leaves the message on the
broker to be redelivered, so tasks must be idempotent. Only ``TemporaryError`` is retried, with
exponential backoff and jitter; anything else is a bug or a permanent failure and is recorded.
"""

from celery import Task


class TemporaryError(Exception):
    """Raised by a service when trying again later may succeed (network, provider 5xx)."""


class FairtrailTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (TemporaryError,)
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8
