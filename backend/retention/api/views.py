"""Retention endpoints: the published schedule and legal holds. Thin."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.api.schema import errors
from backend.accounts.api.serializers import StrictInputMixin
from backend.accounts.models import Role
from backend.accounts.permissions import IsWorker
from backend.complaints.policies import can_see_statistics
from backend.core import clock
from backend.core.errors import NotFound, PermissionDenied
from backend.retention import exports, selectors, services
from backend.retention.policies import hold_complaints_visible_to
from backend.retention.schedule import effective_rules, fixed_periods
from backend.retention.stats import archived_statistics

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

    class FixedOutput(serializers.Serializer):
        category = serializers.CharField()
        kept = serializers.CharField()
        days = serializers.IntegerField(allow_null=True)

    @extend_schema(
        tags=TAGS,
        summary="The retention schedule",
        description=(
            "`rules` is what the daily run purges (editable by administrators); `fixed` is "
            "what is kept as long as what it belongs to, and the server logs."
        ),
        responses={
            200: inline_serializer(
                "RetentionPolicy",
                {"rules": RuleOutput(many=True), "fixed": FixedOutput(many=True)},
            )
        },
    )
    def get(self, request):
        rules = [rule.__dict__ for rule in effective_rules()]
        fixed = [period.__dict__ for period in fixed_periods()]
        return Response(
            {
                "rules": self.RuleOutput(rules, many=True).data,
                "fixed": self.FixedOutput(fixed, many=True).data,
            }
        )


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
    """Inspectors who can see the complaint list its holds in force and put new ones on it;
    the complaint's worker lists them too (as at ``/me/legal-holds``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Legal holds in force on a complaint",
        responses={
            200: inline_list("ComplaintLegalHoldList", "results", HoldOutput),
            **errors(401, 404),
        },
    )
    def get(self, request, complaint_id):
        complaint = hold_complaints_visible_to(request.user).filter(pk=complaint_id).first()
        if complaint is None:
            raise NotFound(_("Complaint not found."))
        holds = selectors.complaint_holds(complaint=complaint, now=clock.now())
        key = services.worker_key_or_none(complaint.worker) if holds else None
        return Response(
            {"results": [_present(hold, services.hold_reason(hold, key=key)) for hold in holds]}
        )

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


# --- erasure, export, archived statistics ----------------------------------------------------


class EraseInput(StrictInputMixin, serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class ExportOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    size = serializers.IntegerField(source="plaintext_size")
    sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, export) -> str | None:
        expired = export.expires_at is None or export.expires_at <= clock.now()
        if export.status != "ready" or expired:
            return None
        return f"/api/v1/me/export/{export.id}/download"


class MyExportApi(APIView):
    """Right of access and portability: an archive of everything held about you."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Ask for an export of all your data",
        description=(
            "Built in the background; you are notified when it is ready. While one is pending "
            "the same one is returned (200); a new one is 202."
        ),
        request=None,
        responses={202: ExportOutput, 200: ExportOutput, **errors(401)},
    )
    def post(self, request):
        export, created = exports.export_request(user=request.user)
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return _private(Response(ExportOutput(export).data, status=code))

    @extend_schema(
        tags=TAGS,
        summary="Your exports, newest first",
        responses={200: inline_list("ExportList", "results", ExportOutput), **errors(401)},
    )
    def get(self, request):
        rows = exports.exports_visible_to(request.user).order_by("-created_at")[:20]
        return _private(Response({"results": ExportOutput(rows, many=True).data}))


class MyExportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="One of your exports", responses={200: ExportOutput, **errors(401, 404)}
    )
    def get(self, request, export_id):
        export = exports.exports_visible_to(request.user).filter(pk=export_id).first()
        if export is None:
            raise NotFound(_("Export not found."))
        return _private(Response(ExportOutput(export).data))


class MyExportDownloadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Download your export (a ZIP)",
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            **errors(401, 404, 409, 410, e410="The download link has expired."),
        },
    )
    def get(self, request, export_id):
        export, chunks = exports.export_open(user=request.user, export_id=export_id)
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        response["Content-Length"] = str(export.plaintext_size)
        response["Content-Disposition"] = (
            f'attachment; filename="fairtrail-export-{export.created_at:%Y%m%d}.zip"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ArchivedComplaintStatisticsApi(APIView):
    """Counts of complaints whose personal data was destroyed (folded before deletion)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Statistics of erased complaints (anonymous aggregates, k-suppressed)",
        parameters=[OpenApiParameter("country", str, required=False)],
        responses={200: OpenApiTypes.OBJECT, **errors(401, 403)},
    )
    def get(self, request):
        if not can_see_statistics(request.user):
            raise PermissionDenied(_("Only supervisors and administrators see statistics."))
        country = (request.query_params.get("country") or "").upper() or None
        if request.user.role == Role.INSPECTOR:
            country = request.user.country
        return Response(archived_statistics(country=country))


def _private(response: Response) -> Response:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Authorization"])
    return response
