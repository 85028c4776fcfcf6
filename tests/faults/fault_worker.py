"""Test-only launcher: ``python -m tests.faults.fault_worker <celery arguments>``.

A normal ``celery`` command line with two fault-test knobs, set from the environment so that no
test hook lives in the application code:

- ``FAULT_STALL_EXPORT_MARKER=<path>``: a data export (``retention.build_export``) writes this
  file once the archive is half written (after ``trail.json``, claimed, nothing finished) and
  then sleeps — a known point at which the test SIGKILLs the worker;
- ``FAULT_VISIBILITY_TIMEOUT=<seconds>``: the Redis broker hands an unacknowledged message back
  after this many seconds (checked every second) instead of the production hour, so the message
  a killed worker held is redelivered within the test.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from celery.signals import worker_process_init

STALL_MARKER = os.environ.get("FAULT_STALL_EXPORT_MARKER")
VISIBILITY_TIMEOUT = os.environ.get("FAULT_VISIBILITY_TIMEOUT")


@worker_process_init.connect
def _stall_exports(**kwargs) -> None:
    """In each pool process (Django is set up by then): make the export stop halfway."""
    if not STALL_MARKER:
        return
    from backend.retention import exports

    write_json = exports._json

    def stalling_json(zf, name, data):
        write_json(zf, name, data)
        if name == "trail.json":
            Path(STALL_MARKER).write_text(name)
            time.sleep(600)

    exports._json = stalling_json


def main() -> None:
    from celery.__main__ import main as celery_main

    if VISIBILITY_TIMEOUT:
        from workers.celery import app

        app.conf.broker_transport_options = {
            "visibility_timeout": int(VISIBILITY_TIMEOUT),
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        }
    sys.argv[0] = "celery"
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
