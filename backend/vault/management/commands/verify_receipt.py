"""Check an upload receipt offline: ``manage.py verify_receipt receipt.json [--public-key key.pem]
[--file document.pdf]``. Exit status 0 when valid, 1 when not."""

import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.vault.crypto.signing import public_key_pem, verify_receipt


class Command(BaseCommand):
    help = "Verify a Fairtrail upload receipt (and optionally that a file matches it)."

    def add_arguments(self, parser):
        parser.add_argument("receipt", help="Path to the receipt JSON.")
        parser.add_argument(
            "--public-key", help="PEM file of the platform key (default: this server's)."
        )
        parser.add_argument("--file", help="The document; its SHA-256 must match the receipt.")

    def handle(self, *args, **options):
        try:
            receipt = json.loads(Path(options["receipt"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the receipt: {exc}") from exc
        pem = (
            Path(options["public_key"]).read_bytes() if options["public_key"] else public_key_pem()
        )
        if not verify_receipt(receipt, pem):
            raise CommandError("INVALID: the signature does not match the receipt.", returncode=1)
        if options["file"]:
            digest = hashlib.sha256()
            with open(options["file"], "rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
            if digest.hexdigest() != receipt["payload"]["sha256"]:
                raise CommandError(
                    "INVALID: the file does not match the receipt's hash.", returncode=1
                )
        payload = receipt["payload"]
        self.stdout.write(
            f"VALID: {payload['kind']} sha256={payload['sha256']} "
            f"received {payload['server_time']} (trail position {payload['trail_position']})"
        )
