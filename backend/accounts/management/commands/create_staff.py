"""Create a staff account: ``manage.py create_staff --role inspector --username NAME ...``.

Pass the password with ``--password-stdin`` (read from standard input: it then does not show
up in the process list or shell history) or ``--password``.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.services import STAFF_CREATABLE_ROLES, staff_create
from backend.core.errors import AppError


class Command(BaseCommand):
    help = "Create a staff account (inspector, caseworker, moderator, agency rep or admin)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", required=True, choices=[str(r) for r in STAFF_CREATABLE_ROLES]
        )
        parser.add_argument("--username", required=True)
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password")
        secret.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )
        parser.add_argument("--country", default="", help="ISO 3166-1 alpha-2, e.g. TH.")
        parser.add_argument("--region", default="")
        parser.add_argument(
            "--sector", action="append", default=[], dest="sectors", help="Repeatable."
        )
        parser.add_argument("--organisation", default="", help="NGO name; created if missing.")
        parser.add_argument("--display-name", default="")

    def execute(self, *args, **options):
        self.stdin = options.get("stdin", sys.stdin)
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        password = options["password"]
        if options["password_stdin"]:
            password = self.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        try:
            user = staff_create(
                role=options["role"],
                username=options["username"],
                password=password,
                country=options["country"],
                region=options["region"],
                sectors=options["sectors"],
                organisation_name=options["organisation"],
                display_name=options["display_name"],
                via="cli",
            )
        except AppError as exc:
            details = "; ".join(
                f"--{field.replace('_', '-')}: {' '.join(messages)}"
                for field, messages in exc.fields.items()
            )
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username} ({user.pk})."))
