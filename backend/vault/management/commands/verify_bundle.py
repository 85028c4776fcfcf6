"""Check an evidence bundle offline.

``manage.py verify_bundle bundle.zip [--public-key key.pem]``
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.vault.bundles import verify_bundle


class Command(BaseCommand):
    help = "Verify an evidence bundle: file hashes, receipts, trail excerpt, signature."

    def add_arguments(self, parser):
        parser.add_argument("bundle")
        parser.add_argument(
            "--public-key", help="PEM file of the platform key (default: the one in the bundle)."
        )

    def handle(self, *args, **options):
        pem = Path(options["public_key"]).read_bytes() if options["public_key"] else None
        try:
            problems = verify_bundle(options["bundle"], pem)
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"INVALID: cannot read the bundle: {exc}", returncode=1) from exc
        if problems:
            raise CommandError("INVALID:\n  " + "\n  ".join(problems), returncode=1)
        self.stdout.write(
            "VALID: every file matches its signed receipt and the manifest signature."
        )
