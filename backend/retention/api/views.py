"""Retention endpoints: the published schedule and legal holds. Thin."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.api.schema import errors
from backend.accounts.api.serializers import StrictInputMixin
from backend.accounts.permissions import IsWorker
from backend.core import clock
from backend.retention import selectors, services
from backend.retention.schedule import effective_rules

TAGS = ["retention"]


def inline_list(name: str, key: str, item) -> serializers.Serializer:
    return inline_serializer(name, {key: item(many=True)})


class RetentionPolicyApi(APIView):
    """The effective retention schedule (public: anyone may check what is kept and for how long)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class RuleOutput(serializers.Serializer):
        category = serializers.CharField()
        document_kind = serializers.CharField()
        basis = serializers.CharField()
        days = serializers.IntegerField()

    @extend_schema(
        tags=TAGS,
        summary="The retention schedule",
        responses={200: inline_list("RetentionPolicy", "rules", RuleOutput)},
    )
    def get(self, request):
        rules = [rule.__dict__ for rule in effective_rules()]
        return Response({"rules": self.RuleOutput(rules, many=True).data})


class HoldOutput(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    implicit = serializers.BooleanField()
    document = serializers.UUIDField(allow_null=True)
    complaint = serializers.CharField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class MyLegalHoldListApi(APIView):
    """Holds that keep the worker's documents or complaints beyond their retention period."""

    permission_classes = [IsWorker]

    @extend_schema(
        tags=TAGS,
        summary="Legal holds on your data",
        responses={200: inline_list("LegalHoldList", "results", HoldOutput), **errors(401, 403)},
    )
    def get(self, request):
        rows = selectors.worker_holds(worker=request.user, now=clock.now())
        key = services.worker_key_or_none(request.user)
        for row in rows:
            row["reason"] = services.hold_reason(row["hold"], key=key) if row["hold"] else None
        return Response({"results": HoldOutput(rows, many=True).data})


class ComplaintLegalHoldCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(StrictInputMixin, serializers.Serializer):
        reason = serializers.CharField(max_length=2000)
        ends_at = serializers.DateTimeField()
        document = serializers.UUIDField(required=False, allow_null=True)

    @extend_schema(
        tags=TAGS,
        summary="Put a complaint (or one of its evidence documents) on legal hold",
        request=Input,
        responses={201: HoldOutput, **errors(400, 401, 404)},
    )
    def post(self, request, complaint_id):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.legal_hold_create(
            actor=request.user,
            complaint_id=complaint_id,
            reason=data.validated_data["reason"],
            ends_at=data.validated_data["ends_at"],
            document_id=data.validated_data.get("document"),
        )
        return Response(_present(hold, services.hold_reason(hold)), status=status.HTTP_201_CREATED)


class LegalHoldEndApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="End a legal hold",
        request=None,
        responses={200: HoldOutput, **errors(401, 404)},
    )
    def post(self, request, hold_id):
        hold = services.legal_hold_end(actor=request.user, hold_id=hold_id)
        return Response(_present(hold, services.hold_reason(hold)))


def _present(hold, reason):
    return HoldOutput(
        {
            "id": hold.id,
            "implicit": False,
            "document": hold.document_id,
            "complaint": hold.complaint.reference if hold.complaint_id else None,
            "ends_at": hold.ends_at,
            "created_at": hold.created_at,
            "reason": reason,
        }
    ).data
