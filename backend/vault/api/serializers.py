"""Input and output shapes of the vault API. No logic beyond validation here."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.agencies.models import Agency
from backend.vault.models import DocumentKind, TrailEvent

CURRENCY = {"max_length": 3, "min_length": 3}
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "coerce_to_string": True}


class JSONObjectField(serializers.JSONField):
    """Accepts an object, or (in multipart forms) a string holding a JSON object."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                raise serializers.ValidationError(_("Must be a JSON object.")) from None
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Must be a JSON object."))
        return data


class ContractDetails(serializers.Serializer):
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agency_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    monthly_wage = serializers.DecimalField(required=False, **MONEY)
    currency = serializers.CharField(required=False, **CURRENCY)
    hours_per_week = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=168,
        required=False,
        coerce_to_string=True,
    )
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class PayslipDetails(serializers.Serializer):
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    gross_pay = serializers.DecimalField(required=False, **MONEY)
    deductions = serializers.DecimalField(required=False, **MONEY)
    net_pay = serializers.DecimalField(required=False, **MONEY)
    currency = serializers.CharField(required=False, **CURRENCY)


class FeeReceiptDetails(serializers.Serializer):
    amount = serializers.DecimalField(required=False, **MONEY)
    currency = serializers.CharField(required=False, **CURRENCY)
    paid_to = serializers.CharField(max_length=200, required=False, allow_blank=True)


DETAILS_BY_KIND = {
    DocumentKind.EMPLOYMENT_CONTRACT: ContractDetails,
    DocumentKind.PAYSLIP: PayslipDetails,
    DocumentKind.RECRUITMENT_FEE_RECEIPT: FeeReceiptDetails,
}


class DocumentFieldsInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    issuer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True
    )
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    details = JSONObjectField(required=False)

    def validate(self, attrs):
        issued, expires = attrs.get("issued_on"), attrs.get("expires_on")
        if issued and expires and expires < issued:
            raise serializers.ValidationError({"expires_on": _("Must not be before issued_on.")})
        if "details" in attrs:
            kind = attrs.get("kind") or getattr(self.instance, "kind", None)
            shape = DETAILS_BY_KIND.get(kind)
            if shape is None:
                if attrs["details"]:
                    raise serializers.ValidationError(
                        {"details": _("This kind of document has no structured details.")}
                    )
                attrs["details"] = {}
            else:
                nested = shape(data=attrs["details"])
                nested.is_valid(raise_exception=False)
                if nested.errors:
                    raise serializers.ValidationError({"details": nested.errors})
                attrs["details"] = json.loads(json.dumps(nested.validated_data, default=str))
        return attrs


class DocumentCreateInput(DocumentFieldsInput):
    upload_id = serializers.UUIDField(
        required=False, help_text="A completed resumable upload (JSON requests)."
    )


class DocumentCreateRequest(DocumentCreateInput):
    """The documented request: the file itself is read by the encrypting upload handler."""

    file = serializers.FileField(required=False, help_text="The file (multipart requests).")


class VersionCreateInput(serializers.Serializer):
    upload_id = serializers.UUIDField(
        required=False, help_text="A completed resumable upload (JSON requests)."
    )


class VersionCreateRequest(VersionCreateInput):
    file = serializers.FileField(required=False, help_text="The file (multipart requests).")


class ReceiptQuery(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class DocumentUpdateInput(DocumentFieldsInput):
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)


class VersionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(source="plaintext_size")
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class DocumentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    issuer_name = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)
    details = serializers.DictField()
    agency = serializers.UUIDField(source="agency_id", allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    is_owner = serializers.BooleanField()
    current_version = VersionOutput(allow_null=True)
    version_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    deleted = serializers.BooleanField()


class DocumentTombstoneOutput(serializers.Serializer):
    id = serializers.UUIDField()
    deleted = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class SharedDocumentOutput(serializers.Serializer):
    """What a grantee sees in the list: no decrypted text (opening the detail is logged)."""

    id = serializers.UUIDField()
    kind = serializers.CharField()
    owner = serializers.UUIDField(source="owner_id")
    owner_name = serializers.CharField(source="owner.display_name")
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    current_version = VersionOutput(allow_null=True)
    updated_at = serializers.DateTimeField()
    access_expires_at = serializers.DateTimeField()


class GrantInput(serializers.Serializer):
    grantee = serializers.CharField(
        max_length=150, help_text="The caseworker's or inspector's username."
    )
    document_ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=200
    )
    expires_at = serializers.DateTimeField(required=False)


class GrantOutput(serializers.Serializer):
    id = serializers.UUIDField()
    owner = serializers.UUIDField(source="owner_id")
    grantee = serializers.UUIDField(source="grantee_id")
    grantee_username = serializers.CharField(source="grantee.username")
    grantee_role = serializers.CharField(source="grantee.role")
    document_ids = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    active = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_document_ids(self, grant) -> list[str]:
        return [str(d.id) for d in grant.documents.all()]

    def get_active(self, grant) -> bool:
        from backend.core import clock

        return grant.revoked_at is None and grant.expires_at > clock.now()


class TrailEntryOutput(serializers.Serializer):
    position = serializers.IntegerField()
    at = serializers.DateTimeField()
    event = serializers.ChoiceField(choices=TrailEvent.choices)
    actor_role = serializers.CharField()
    by_owner = serializers.SerializerMethodField()
    document_id = serializers.UUIDField(allow_null=True)
    version_id = serializers.UUIDField(allow_null=True)
    sha256 = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    prev_hash = serializers.CharField()
    entry_hash = serializers.CharField()

    def get_by_owner(self, entry) -> bool:
        return entry.actor_ref == self.context.get("owner_ref")


class TrailVerificationOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    first_bad_position = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    head = serializers.CharField()


class BundleInput(serializers.Serializer):
    document_ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=50)


class ReceiptOutput(serializers.Serializer):
    payload = serializers.DictField()
    signature = serializers.CharField()
    key_id = serializers.CharField()
    alg = serializers.CharField()


class PublicKeyOutput(serializers.Serializer):
    alg = serializers.CharField()
    key_id = serializers.CharField()
    pem = serializers.CharField()
