"""The recruitment-agency directory, worker reviews and their pre-computed aggregates.

Reviews hold no public identifier of their author: the public API exposes ratings, the
recruitment year and corridor (only when enough reviews share it), the month a review became
public and an approved, masked comment. Aggregates are computed by a background task into
``AgencyStats`` and ``CorridorFeeStats``; requests never aggregate reviews on the fly.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel, UUIDModel


class LicenceStatus(models.TextChoices):
    LICENSED = "licensed", _("Licensed")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    UNKNOWN = "unknown", _("Unknown")


class Agency(TimeStampedModel):
    name = models.CharField(max_length=255, db_index=True)
    aliases = models.JSONField(default=list, blank=True)
    licence_number = models.CharField(max_length=100, blank=True)
    licensing_authority = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, db_index=True, help_text=_("ISO 3166-1 alpha-2"))
    address = models.TextField(blank=True)
    licence_status = models.CharField(
        max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.UNKNOWN, db_index=True
    )
    source = models.CharField(max_length=255, blank=True)
    last_checked = models.DateField(null=True, blank=True)
    # Lower-case, accent-free name + aliases (see backend.agencies.search.normalise). Written by
    # the services; on PostgreSQL a GIN trigram index on it serves substring and fuzzy search.
    search_text = models.TextField(blank=True, default="", editable=False)
    # Copy of AgencyStats.rank_overall (the Bayesian overall average), 0 while suppressed (real
    # ratings are >= 1, so unrated agencies sort last). Kept here, not null (SQLite cannot index
    # NULLS LAST), so the ranking is one index scan instead of a join and sort of every agency.
    rating_rank = models.FloatField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "agencies"
        indexes = [
            models.Index(fields=["-rating_rank", "name", "id"], name="agency_rating_rank_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "licence_number"],
                condition=~models.Q(licence_number=""),
                name="agency_unique_licence_per_country",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Corridor(models.Model):
    """A migration route an agency serves: origin country → destination country."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="corridors")
    origin = models.CharField(max_length=2)
    destination = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "origin", "destination"], name="agency_corridor_unique"
            )
        ]
        indexes = [models.Index(fields=["origin", "destination"])]

    def __str__(self) -> str:
        return f"{self.origin}→{self.destination}"


class AgencyRepresentative(TimeStampedModel):
    """Links an ``agency_representative`` account to the agency it may answer reviews for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="represented_agencies"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="representatives")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="agency_representative_unique")
        ]


RATING_FIELDS = (
    "rating_fees",
    "rating_contract",
    "rating_job_accuracy",
    "rating_treatment",
    "rating_documents",
    "rating_wages",
    "rating_overall",
)


class ReviewStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    HELD = "held", _("Held for moderation (burst of new accounts)")
    REMOVED = "removed", _("Removed by a moderator")


class CommentStatus(models.TextChoices):
    NONE = "none", _("No comment")
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FeeKind(models.TextChoices):
    """ILO definition of recruitment fees and related costs (General Principles, 2019)."""

    RECRUITMENT = "recruitment", _("Recruitment fee")
    MEDICAL = "medical", _("Medical examination")
    TRAINING = "training", _("Training or orientation")
    TRAVEL = "travel", _("Travel and lodging")
    VISA = "visa", _("Visa, permits and documents")
    OTHER = "other", _("Other cost")


def _rating_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label)


class Review(TimeStampedModel):
    """One worker's review of one agency (unique per worker and agency; edits keep revisions).

    ``is_public`` = active, and the worker's chosen ``publish_after`` date has passed. Only public
    reviews count in aggregates or appear in public lists. ``comment_sealed`` is the worker's own
    text, encrypted at rest; ``comment_masked`` has phone numbers, e-mails and names masked and is
    the only text moderators and (once approved) the public ever see.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_reviews"
    )
    rating_fees = _rating_field(_("fees and costs"))
    rating_contract = _rating_field(_("honesty of the contract"))
    rating_job_accuracy = _rating_field(_("accuracy of job information"))
    rating_treatment = _rating_field(_("treatment and respect"))
    rating_documents = _rating_field(_("respect of documents"))
    rating_wages = _rating_field(_("wages paid as promised"))
    rating_overall = _rating_field(_("overall"))
    recruitment_year = models.PositiveSmallIntegerField()
    corridor_origin = models.CharField(max_length=2)
    corridor_destination = models.CharField(max_length=2)
    monthly_wage = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    wage_currency = models.CharField(max_length=3, blank=True)
    # Derived in USD with the indicative rates of backend.agencies.currency, for statistics.
    fees_total_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    monthly_wage_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    comment_sealed = models.BinaryField(null=True, blank=True)
    # The master key id ``comment_sealed`` names (see backend.agencies.sealing), so that
    # master-key rotation finds the comments still sealed under an older key.
    comment_key_id = models.CharField(max_length=64, blank=True, default="")
    comment_masked = models.TextField(blank=True)
    comment_status = models.CharField(
        max_length=16, choices=CommentStatus.choices, default=CommentStatus.NONE, db_index=True
    )
    comment_language = models.CharField(max_length=10, blank=True)
    publish_after = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.ACTIVE, db_index=True
    )
    is_public = models.BooleanField(default=False)
    published_on = models.DateField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    flag_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "agency"], name="review_one_per_worker"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 5}),
                    name=f"review_{name}_1_5",
                )
                for name in RATING_FIELDS
            ],
        ]
        indexes = [
            models.Index(fields=["agency", "is_public", "-published_on"]),
            models.Index(fields=["corridor_origin", "corridor_destination", "is_public"]),
            models.Index(fields=["is_public", "publish_after"]),
        ]

    def ratings(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in RATING_FIELDS}


class ReviewFee(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(max_length=16, choices=FeeKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="review_fee_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class ReviewRevision(UUIDModel):
    """A previous version of a review, kept when the worker edits it (never shown publicly)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    data = models.JSONField(help_text=_("Ratings, year, corridor, wage and fees as they were."))
    comment_sealed = models.BinaryField(null=True, blank=True)
    comment_key_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="review_revision_unique")
        ]


class FlagReason(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("Reveals someone's identity")
    FAKE = "fake", _("Looks fake or paid for")
    ABUSIVE = "abusive", _("Abusive or hateful")
    OFF_TOPIC = "off_topic", _("Not about this agency")
    OTHER = "other", _("Other")


class ReviewFlag(UUIDModel):
    """One flagger's flag on one review.

    ``flagger_key`` identifies the flagger without storing who they are: an HMAC of the user id
    for signed-in flaggers, of the truncated client address (/24, /48) for anonymous ones (see
    ``backend.agencies.services.reviews.flagger_key``). It is unique per review, so one client
    cannot flag a review twice by signing out, and the requeue counts distinct flaggers.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagger_key = models.CharField(max_length=64)
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "flagged_by"],
                condition=Q(flagged_by__isnull=False),
                name="review_flag_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["review", "flagger_key"], name="review_flag_once_per_flagger"
            ),
        ]


class ReviewResponse(TimeStampedModel):
    """The agency's one public reply to a review, written by one of its representatives."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()


class ModerationAction(models.TextChoices):
    APPROVE_COMMENT = "approve_comment", _("Approve the comment")
    REJECT_COMMENT = "reject_comment", _("Reject the comment")
    RELEASE = "release", _("Release a held review")
    REMOVE = "remove", _("Remove the review")
    DISMISS_FLAGS = "dismiss_flags", _("Dismiss the flags")


class ModerationDecision(UUIDModel):
    """The trail of moderation decisions (also written to the platform audit log)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=ModerationAction.choices)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class AgencyStats(models.Model):
    """Pre-computed, already-suppressed statistics of one agency (``agency_aggregates_refresh``).

    ``review_count`` is the true number of public reviews (internal); the API only shows
    statistics when ``suppressed`` is false. ``rank_overall`` is the Bayesian overall average when
    published and null otherwise, indexed for the ranking.
    """

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    review_count = models.PositiveIntegerField(default=0)
    suppressed = models.BooleanField(default=True)
    rank_overall = models.FloatField(null=True, blank=True, db_index=True)
    sums = models.JSONField(default=dict, help_text=_("Sum of each rating dimension."))
    published = models.JSONField(default=dict, help_text=_("What the API shows, suppressed."))
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"stats of {self.agency_id}"


class CorridorFeeStats(models.Model):
    origin = models.CharField(max_length=2)
    destination = models.CharField(max_length=2)
    review_count = models.PositiveIntegerField(default=0)
    suppressed = models.BooleanField(default=True)
    published = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="corridor_stats_unique")
        ]

    def __str__(self) -> str:
        return f"{self.origin}→{self.destination}"
