"""``manage.py import_agencies FILE``: load a licence list CSV (see backend.agencies.importing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.agencies.importing import agencies_import_csv


class Command(BaseCommand):
    help = "Import or update agencies from a government licence list (CSV, UTF-8). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        with file.open(encoding="utf-8-sig", newline="") as handle:
            report = agencies_import_csv(handle)
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, rejected {len(report.rejected)}"
        )
        for line, reasons in report.rejected:
            self.stdout.write(f"line {line}: rejected: {'; '.join(reasons)}")
