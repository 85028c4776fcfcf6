"""Input and output shapes of the agency endpoints.

Public review output carries no author, no exact date (``period`` = month of publication), no
recruitment year and a corridor only when that corridor's group of reviews is itself published.
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from backend.agencies.models import (
    FeeKind,
    FlagReason,
    LicenceStatus,
    ModerationAction,
)

RATING_INPUT = {"min_value": 1, "max_value": 5}
# A hundred billion units covers any real fee or wage, even in dong or kip; the service also
# refuses USD totals that would not fit the statistics columns (several fees, strong currencies).
AMOUNT_MAX = Decimal("100000000000")
COUNTRY = {"min_length": 2, "max_length": 2}


# --- Input -------------------------------------------------------------------------------------


class RatingsInput(serializers.Serializer):
    fees = serializers.IntegerField(**RATING_INPUT)
    contract = serializers.IntegerField(**RATING_INPUT)
    job_accuracy = serializers.IntegerField(**RATING_INPUT)
    treatment = serializers.IntegerField(**RATING_INPUT)
    documents = serializers.IntegerField(**RATING_INPUT)
    wages = serializers.IntegerField(**RATING_INPUT)
    overall = serializers.IntegerField(**RATING_INPUT)


class PartialRatingsInput(RatingsInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False


class FeeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeeKind.choices)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=AMOUNT_MAX
    )
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")


class CorridorInput(serializers.Serializer):
    origin = serializers.RegexField(r"^[A-Za-z]{2}$")
    destination = serializers.RegexField(r"^[A-Za-z]{2}$")


class ReviewInput(serializers.Serializer):
    ratings = RatingsInput()
    recruitment_year = serializers.IntegerField(min_value=1980, max_value=2100)
    corridor = CorridorInput()
    fees = FeeInput(many=True, required=False, default=list, max_length=20)
    monthly_wage = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=AMOUNT_MAX,
        required=False,
        allow_null=True,
    )
    wage_currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_blank=True)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, trim_whitespace=True
    )
    comment_language = serializers.CharField(required=False, allow_blank=True, max_length=10)
    publish_after = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("monthly_wage") is not None and not attrs.get("wage_currency"):
            raise serializers.ValidationError({"wage_currency": ["Give the wage's currency."]})
        return attrs


class ReviewUpdateInput(ReviewInput):
    ratings = PartialRatingsInput(required=False)
    recruitment_year = serializers.IntegerField(min_value=1980, max_value=2100, required=False)
    corridor = CorridorInput(required=False)
    fees = FeeInput(many=True, required=False, max_length=20)


class FlagInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)


class ResponseInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000, trim_whitespace=True)


class ModerationInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    reason = serializers.CharField(max_length=500, trim_whitespace=True)


class AgencyListParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
    corridor = serializers.RegexField(r"^[A-Za-z]{2}-[A-Za-z]{2}$", required=False)
    licence_status = serializers.ChoiceField(choices=LicenceStatus.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=["name", "-name", "rating", "-rating"], required=False
    )


# --- Output ------------------------------------------------------------------------------------


class CorridorOutput(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()


class QuartilesOutput(serializers.Serializer):
    q1 = serializers.FloatField()
    median = serializers.FloatField()
    q3 = serializers.FloatField()


class DimensionOutput(serializers.Serializer):
    bayesian = serializers.FloatField()
    mean = serializers.FloatField()


class RatingsOutput(serializers.Serializer):
    fees = DimensionOutput()
    contract = DimensionOutput()
    job_accuracy = DimensionOutput()
    treatment = DimensionOutput()
    documents = DimensionOutput()
    wages = DimensionOutput()
    overall = DimensionOutput()


class CorridorCellOutput(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()
    review_count = serializers.IntegerField()
    overall_mean = serializers.FloatField()
    fees_usd = QuartilesOutput(allow_null=True)


class VerifiedCellOutput(serializers.Serializer):
    verified = serializers.BooleanField()
    review_count = serializers.IntegerField()
    overall_mean = serializers.FloatField()


class StatsOutput(serializers.Serializer):
    """Null statistics with ``suppressed: true`` until enough reviews contribute."""

    suppressed = serializers.BooleanField()
    review_count = serializers.IntegerField(allow_null=True)
    ratings = RatingsOutput(allow_null=True)
    verified_share = serializers.FloatField(allow_null=True)
    fee_paid_share = serializers.FloatField(allow_null=True)
    fees_usd = QuartilesOutput(allow_null=True)
    cost_to_earnings_ratio = QuartilesOutput(allow_null=True)
    cost_to_earnings_count = serializers.IntegerField(allow_null=True)
    by_corridor = CorridorCellOutput(many=True)
    by_verified = VerifiedCellOutput(many=True)


class AgencyOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    licence_number = serializers.CharField()
    licensing_authority = serializers.CharField()
    country = serializers.CharField()
    address = serializers.CharField()
    licence_status = serializers.ChoiceField(choices=LicenceStatus.choices)
    source = serializers.CharField()
    last_checked = serializers.DateField(allow_null=True)
    corridors = CorridorOutput(many=True)
    stats = StatsOutput()


class ReviewRatingsOutput(serializers.Serializer):
    fees = serializers.IntegerField()
    contract = serializers.IntegerField()
    job_accuracy = serializers.IntegerField()
    treatment = serializers.IntegerField()
    documents = serializers.IntegerField()
    wages = serializers.IntegerField()
    overall = serializers.IntegerField()


class ResponseOutput(serializers.Serializer):
    text = serializers.CharField()
    period = serializers.CharField()


class PublicReviewOutput(serializers.Serializer):
    id = serializers.UUIDField()
    ratings = ReviewRatingsOutput()
    verified = serializers.BooleanField(
        allow_null=True,
        help_text="Null unless the agency's verified and unverified groups are each published "
        "(>= k reviews), so the badge never reveals a group the statistics suppress.",
    )
    period = serializers.CharField(help_text="Month of publication, YYYY-MM.")
    corridor = CorridorOutput(allow_null=True)
    comment = serializers.CharField(allow_null=True)
    comment_language = serializers.CharField(allow_blank=True)
    response = ResponseOutput(allow_null=True)


class FeeOutput(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


class OwnReviewOutput(serializers.Serializer):
    id = serializers.UUIDField()
    agency_id = serializers.UUIDField()
    agency_name = serializers.CharField()
    ratings = ReviewRatingsOutput()
    recruitment_year = serializers.IntegerField()
    corridor = CorridorOutput()
    fees = FeeOutput(many=True)
    monthly_wage = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    wage_currency = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True, help_text="Your text as you wrote it.")
    comment_unreadable = serializers.BooleanField(
        help_text="True when your original text cannot be decrypted right now (``comment`` is "
        "then empty); the public text below is unaffected."
    )
    comment_public_text = serializers.CharField(
        allow_blank=True, help_text="What others will see once approved (personal data masked)."
    )
    comment_status = serializers.CharField()
    comment_language = serializers.CharField(allow_blank=True)
    publish_after = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    is_public = serializers.BooleanField()
    verified = serializers.BooleanField()
    response = ResponseOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ModerationItemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    agency_id = serializers.UUIDField()
    agency_name = serializers.CharField()
    ratings = ReviewRatingsOutput()
    comment_masked = serializers.CharField(allow_blank=True)
    comment_status = serializers.CharField()
    status = serializers.CharField()
    flag_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class DecisionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    review_id = serializers.UUIDField()
    action = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class FlagOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reason = serializers.CharField()


class CorridorFeesOutput(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()
    suppressed = serializers.BooleanField()
    review_count = serializers.IntegerField(allow_null=True)
    fee_paid_share = serializers.FloatField(allow_null=True)
    fees_usd = QuartilesOutput(allow_null=True)
    cost_to_earnings_ratio = QuartilesOutput(allow_null=True)
    cost_to_earnings_count = serializers.IntegerField(allow_null=True)
