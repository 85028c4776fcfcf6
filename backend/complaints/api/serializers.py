"""Input and output shapes of the complaints API. Validation only; no logic."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.agencies.models import Agency
from backend.complaints.models import Category, ConsentMethod, Outcome, Priority, State
from backend.complaints.transitions import ACTIONS
from backend.core import clock

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "coerce_to_string": True}


def _country(**kwargs):
    return serializers.RegexField(r"^[A-Za-z]{2}$", max_length=2, **kwargs)


def _currency(**kwargs):
    return serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, **kwargs)


class ComplaintFieldsInput(serializers.Serializer):
    """Every field a draft may hold; all optional (a draft is finished later)."""

    employer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True
    )
    workplace_country = _country(required=False, allow_blank=True)
    workplace_region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sector = serializers.CharField(max_length=50, required=False, allow_blank=True)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices),
        required=False,
        max_length=len(Category.values),
    )
    since = serializers.DateField(required=False, allow_null=True)
    narrative = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    desired_outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    amount_claimed = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    claimed_currency = _currency(required=False, allow_blank=True)
    disclose_identity = serializers.BooleanField(required=False)
    consent_method = serializers.ChoiceField(choices=ConsentMethod.choices, required=False)
    consent_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate_since(self, value):
        if value and value > clock.now().date():
            raise serializers.ValidationError(_("Cannot be in the future."))
        return value


class ComplaintCreateInput(ComplaintFieldsInput):
    client_key = serializers.UUIDField()
    submit = serializers.BooleanField(default=False)
    worker = serializers.CharField(
        max_length=150, required=False, help_text=_("Caseworkers: the worker's username.")
    )


class TransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)
    assignee = serializers.UUIDField(required=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    amount_recovered = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    recovered_currency = _currency(required=False, allow_blank=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    satisfied = serializers.BooleanField(required=False)


class MessageInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    internal = serializers.BooleanField(default=False)
    attachment_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=20
    )


class EvidenceInput(serializers.Serializer):
    document_ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=50)


class InvitationInput(serializers.Serializer):
    caseworker = serializers.CharField(max_length=150)


class ComplaintSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField()
    categories = serializers.ListField(child=serializers.CharField())
    priority = serializers.ChoiceField(choices=Priority.choices)
    employer_name = serializers.CharField()
    agency_id = serializers.UUIDField(allow_null=True)
    workplace_country = serializers.CharField()
    workplace_region = serializers.CharField()
    sector = serializers.CharField()
    disclose_identity = serializers.BooleanField()
    assigned_inspector_id = serializers.UUIDField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due_status = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventOutput(serializers.Serializer):
    id = serializers.UUIDField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_role = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_null=True)


class ComplaintDetailOutput(ComplaintSummaryOutput):
    since = serializers.DateField(allow_null=True)
    narrative = serializers.CharField(allow_null=True)
    desired_outcome = serializers.CharField(allow_null=True)
    amount_claimed = serializers.DecimalField(allow_null=True, **MONEY)
    claimed_currency = serializers.CharField()
    consent_method = serializers.CharField()
    consent_confirmed_at = serializers.DateTimeField(allow_null=True)
    consent_note = serializers.CharField(allow_null=True)
    computed_priority = serializers.CharField()
    priority_overridden = serializers.BooleanField()
    triage_due_at = serializers.DateTimeField(allow_null=True)
    decision_due_at = serializers.DateTimeField(allow_null=True)
    deadline_extended = serializers.BooleanField()
    triaged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    amount_recovered = serializers.DecimalField(allow_null=True, **MONEY)
    recovered_currency = serializers.CharField()
    outcome_note = serializers.CharField(allow_null=True)
    worker_satisfied = serializers.BooleanField(allow_null=True)
    evidence_document_ids = serializers.ListField(child=serializers.UUIDField())
    actions = serializers.ListField(child=serializers.CharField())
    relations = serializers.ListField(child=serializers.CharField())
    events = EventOutput(many=True)


class MessageOutput(serializers.Serializer):
    id = serializers.UUIDField()
    author_role = serializers.CharField()
    is_mine = serializers.BooleanField()
    internal = serializers.BooleanField()
    body = serializers.CharField(allow_null=True)
    attachment_ids = serializers.ListField(child=serializers.UUIDField())
    created_at = serializers.DateTimeField()
    read_by = serializers.ListField(child=serializers.CharField())


class InvitationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    caseworker_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()


class EvidenceOutput(serializers.Serializer):
    evidence_document_ids = serializers.ListField(child=serializers.UUIDField())
