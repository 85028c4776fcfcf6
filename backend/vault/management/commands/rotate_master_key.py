"""Re-wrap every worker key under the current master key (files are not re-encrypted).

Resumable: each vault is re-wrapped in its own short transaction and skipped when it is already
under the current key, so an interrupted run simply continues where it stopped.

Then the review comments sealed under older master keys are re-sealed under the current one
(``backend.agencies.services.review_comments_reseal_with_current_master``); the "left under
older keys" count includes them. Drop the old key only once it says 0.
"""

from django.core.management.base import BaseCommand

from backend.agencies.services import review_comments_reseal_with_current_master
from backend.vault.services import vaults_rewrap_with_current_master


class Command(BaseCommand):
    help = "Re-wrap worker keys with the current master key (the first in FAIRTRAIL_MASTER_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        result = vaults_rewrap_with_current_master(batch_size=options["batch_size"])
        comments = review_comments_reseal_with_current_master(batch_size=options["batch_size"])
        remaining = result.remaining + comments.remaining
        self.stdout.write(
            f"Re-wrapped {result.rewrapped} worker keys; {remaining} left under older keys."
        )
        self.stdout.write(
            f"Re-sealed {comments.resealed} review comments; "
            f"{comments.remaining} of those left are review comments."
        )
