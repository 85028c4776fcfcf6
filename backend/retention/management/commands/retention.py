"""``manage.py retention run|dry-run|report``: the same service the daily beat task calls."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from backend.retention.services import purge_report, retention_run


class Command(BaseCommand):
    help = "Apply the retention schedule (run), preview it (dry-run), or list recent runs (report)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "dry-run", "report"])
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, action, batch_size, **options):
        if action == "report":
            for run in purge_report():
                self.stdout.write(
                    f"{run.started_at.isoformat()} {'dry-run' if run.dry_run else 'run'} "
                    f"{run.status} {json.dumps(run.counts, sort_keys=True)}"
                )
            return
        run = retention_run(
            dry_run=action == "dry-run", batch_size=batch_size or settings.RETENTION_BATCH_SIZE
        )
        self.stdout.write(json.dumps({"run": str(run.pk), "counts": run.counts}, sort_keys=True))
