"""Complaint endpoints. Thin: parse, call a selector or service, present.

Every view starts from ``complaints_visible_to(request.user)``: a complaint someone may not see
is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.complaints import policies, selectors, services
from backend.complaints.api import serializers as s
from backend.complaints.models import Category, Complaint, Priority, State
from backend.complaints.stats import complaint_statistics
from backend.core import clock
from backend.core.errors import AppError, NotFound, PermissionDenied
from backend.core.filters import UpdatedSinceFilter
from backend.core.openapi import paginated
from backend.core.pagination import CursorPagination, PageNumberPagination

ERRORS = {
    400: OpenApiResponse(description="Validation error (error envelope)."),
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(description="Your relation to the complaint does not allow this."),
    404: OpenApiResponse(description="No such complaint visible to you."),
}
CONFLICT = {409: OpenApiResponse(description="Invalid or stale transition (error envelope).")}
UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    required=False,
    description="Only rows changed after this ISO 8601 instant (for app sync).",
)

SUMMARY_FIELDS = [f for f in s.ComplaintSummaryOutput().fields if f != "due_status"]
DETAIL_MODEL_FIELDS = [
    "since",
    "amount_claimed",
    "claimed_currency",
    "consent_method",
    "consent_confirmed_at",
    "computed_priority",
    "priority_overridden",
    "triage_due_at",
    "decision_due_at",
    "deadline_extended",
    "triaged_at",
    "resolved_at",
    "closed_at",
    "outcome",
    "amount_recovered",
    "recovered_currency",
    "worker_satisfied",
]


def summary_data(complaint: Complaint, now) -> dict:
    data = {name: getattr(complaint, name) for name in SUMMARY_FIELDS}
    data["due_status"] = selectors.due_status(complaint, now)
    return data


def detail_response(complaint: Complaint, user, *, status_code=status.HTTP_200_OK) -> Response:
    complaint = selectors.complaint_get(user=user, complaint_id=complaint.pk)
    if complaint is None:  # e.g. a caseworker who filed for someone else's draft
        raise NotFound(_("Complaint not found."))
    rels = policies.relations(user, complaint)
    presented = selectors.complaint_present(complaint, user=user, rels=rels)
    data = summary_data(complaint, clock.now())
    data.update({name: getattr(complaint, name) for name in DETAIL_MODEL_FIELDS})
    data.update({k: v for k, v in presented.items() if k != "complaint"})
    return Response(s.ComplaintDetailOutput(data).data, status=status_code)


def _visible(request, complaint_id) -> Complaint:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if complaint is None:
        raise NotFound(_("Complaint not found."))
    return complaint


def _field_changes(validated: dict) -> tuple[dict, list[str] | None]:
    changes = dict(validated)
    categories = changes.pop("categories", None)
    for name in ("client_key", "submit", "worker"):
        changes.pop(name, None)
    return changes, categories


class ComplaintListCreateApi(APIView):
    @extend_schema(
        operation_id="complaints_list",
        summary="Complaints you may see",
        parameters=[UPDATED_SINCE],
        responses={200: paginated(s.ComplaintSummaryOutput), **ERRORS},
    )
    def get(self, request):
        """Your complaints, newest first. ``?updated_since=`` returns those whose state or
        fields changed after the instant (new messages are synced per thread)."""
        paginator = CursorPagination()
        qs = UpdatedSinceFilter().filter_queryset(
            request, selectors.complaint_list(user=request.user), self
        )
        page = paginator.paginate_queryset(qs, request, view=self)
        now = clock.now()
        return paginator.get_paginated_response(
            s.ComplaintSummaryOutput([summary_data(c, now) for c in page], many=True).data
        )

    @extend_schema(
        operation_id="complaints_create",
        summary="File a complaint or save a draft (idempotent by client_key)",
        request=s.ComplaintCreateInput,
        responses={
            201: s.ComplaintDetailOutput,
            200: OpenApiResponse(s.ComplaintDetailOutput, description="A retried submission."),
            **ERRORS,
            **CONFLICT,
        },
    )
    def post(self, request):
        data = s.ComplaintCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes, categories = _field_changes(data.validated_data)
        complaint, created = services.complaint_create(
            actor=request.user,
            client_key=data.validated_data["client_key"],
            changes=changes,
            categories=categories or [],
            worker_username=data.validated_data.get("worker"),
            submit=data.validated_data["submit"],
        )
        return detail_response(
            complaint,
            request.user,
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ComplaintDetailApi(APIView):
    @extend_schema(
        operation_id="complaints_retrieve",
        summary="One complaint, with the actions you may take now",
        responses={200: s.ComplaintDetailOutput, **ERRORS},
    )
    def get(self, request, complaint_id):
        return detail_response(_visible(request, complaint_id), request.user)

    @extend_schema(
        operation_id="complaints_update",
        summary="Edit a draft",
        request=s.ComplaintFieldsInput,
        responses={200: s.ComplaintDetailOutput, **ERRORS, **CONFLICT},
    )
    def patch(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        data = s.ComplaintFieldsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes, categories = _field_changes(data.validated_data)
        complaint = services.complaint_update(
            actor=request.user, complaint_id=complaint.pk, changes=changes, categories=categories
        )
        return detail_response(complaint, request.user)


class ComplaintTransitionApi(APIView):
    @extend_schema(
        operation_id="complaints_transition",
        summary="Move a complaint through the workflow",
        request=s.TransitionInput,
        responses={200: s.ComplaintDetailOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        action = values.pop("action")
        reason = values.pop("reason", "")
        version = values.pop("version", None)
        if "assignee" in values:
            values["assignee"] = str(values["assignee"])
        complaint = services.complaint_transition(
            actor=request.user,
            complaint_id=complaint.pk,
            data=services.TransitionInput(
                action=action, reason=reason, version=version, params=values
            ),
        )
        return detail_response(complaint, request.user)


class ComplaintMessagesApi(APIView):
    updated_since_field = "created_at"  # messages never change once written

    def _thread(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        rels = policies.relations(request.user, complaint)
        if not policies.can_read_thread(rels):
            raise PermissionDenied(_("This thread is between the worker and the case team."))
        return complaint, rels

    @extend_schema(
        operation_id="complaints_messages_list",
        summary="The complaint's thread (moves your read marker)",
        parameters=[UPDATED_SINCE],
        responses={200: paginated(s.MessageOutput), **ERRORS},
    )
    def get(self, request, complaint_id):
        """The thread, oldest first; ``?updated_since=`` returns messages written after it."""
        complaint, rels = self._thread(request, complaint_id)
        paginator = CursorPagination()
        paginator.ordering = ("created_at", "id")
        qs = UpdatedSinceFilter().filter_queryset(
            request, selectors.thread(complaint=complaint, rels=rels), self
        )
        page = paginator.paginate_queryset(qs, request, view=self)
        if page:
            services.thread_mark_read(
                user=request.user, complaint=complaint, at=max(m.created_at for m in page)
            )
        data = selectors.messages_present(page, complaint=complaint, user=request.user)
        return paginator.get_paginated_response(s.MessageOutput(data, many=True).data)

    @extend_schema(
        operation_id="complaints_messages_create",
        summary="Write in the thread, or an internal note (inspectors)",
        request=s.MessageInput,
        responses={201: s.MessageOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        data = s.MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_post(
            actor=request.user,
            complaint_id=complaint.pk,
            body=data.validated_data["body"],
            internal=data.validated_data["internal"],
            attachment_ids=data.validated_data.get("attachment_ids"),
        )
        out = selectors.messages_present([message], complaint=complaint, user=request.user)[0]
        return Response(s.MessageOutput(out).data, status=status.HTTP_201_CREATED)


class ComplaintEvidenceApi(APIView):
    @extend_schema(
        operation_id="complaints_evidence_add",
        summary="Add documents from your vault as evidence (worker)",
        request=s.EvidenceInput,
        responses={200: s.EvidenceOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        data = s.EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.evidence_add(
            actor=request.user,
            complaint_id=complaint.pk,
            document_ids=data.validated_data["document_ids"],
        )
        ids = complaint.evidence.filter(document__deleted_at__isnull=True).values_list(
            "document_id", flat=True
        )
        return Response(s.EvidenceOutput({"evidence_document_ids": list(ids)}).data)


class ComplaintInvitationApi(APIView):
    @extend_schema(
        operation_id="complaints_invitations_create",
        summary="Invite an NGO caseworker to your complaint (worker)",
        request=s.InvitationInput,
        responses={201: s.InvitationOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request, complaint_id):
        complaint = _visible(request, complaint_id)
        data = s.InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            actor=request.user,
            complaint_id=complaint.pk,
            caseworker_username=data.validated_data["caseworker"],
        )
        return Response(s.InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class ComplaintInvitationDetailApi(APIView):
    @extend_schema(
        operation_id="complaints_invitations_destroy",
        summary="Withdraw a caseworker's invitation (worker)",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, complaint_id, invitation_id):
        complaint = _visible(request, complaint_id)
        services.invitation_revoke(
            actor=request.user, complaint_id=complaint.pk, invitation_id=invitation_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ComplaintLookupApi(APIView):
    @extend_schema(
        operation_id="complaints_lookup",
        summary="Find your complaint by its reference",
        parameters=[OpenApiParameter("reference", str, required=True)],
        responses={200: s.ComplaintDetailOutput, **ERRORS},
    )
    def get(self, request):
        complaint = selectors.complaint_by_reference(
            user=request.user, reference=request.query_params.get("reference", "")
        )
        if complaint is None:
            raise NotFound(_("Complaint not found."))
        return detail_response(complaint, request.user)


class QueuePagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _choice(request, name: str, choices) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in choices:
        raise AppError(
            _("Unknown value."), code="validation_error", fields={name: [_("Unknown value.")]}
        )
    return value


class InspectionQueueApi(APIView):
    @extend_schema(
        operation_id="inspection_queue",
        summary="Complaints in your jurisdiction (inspectors)",
        parameters=[
            OpenApiParameter(
                "view",
                str,
                enum=["unassigned", "mine", "awaiting_worker", "due_soon", "overdue"],
                required=False,
            ),
            OpenApiParameter("category", str, enum=Category.values, required=False),
            OpenApiParameter("priority", str, enum=Priority.values, required=False),
            OpenApiParameter("state", str, enum=State.values, required=False),
            OpenApiParameter("sector", str, required=False),
            OpenApiParameter("reference", str, required=False),
        ],
        responses={200: paginated(s.ComplaintSummaryOutput, style="page"), **ERRORS},
    )
    def get(self, request):
        if not policies.can_use_queue(request.user):
            raise PermissionDenied(_("Only inspectors have a queue."))
        q = request.query_params
        filters = selectors.QueueFilters(
            view=_choice(
                request, "view", {"unassigned", "mine", "awaiting_worker", "due_soon", "overdue"}
            ),
            category=_choice(request, "category", Category.values),
            priority=_choice(request, "priority", Priority.values),
            state=_choice(request, "state", State.values),
            sector=q.get("sector") or None,
            reference=q.get("reference"),
        )
        qs = selectors.inspection_queue(user=request.user, filters=filters).order_by(
            "-priority_rank", "due_at", "id"
        )
        paginator = QueuePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        now = clock.now()
        return paginator.get_paginated_response(
            s.ComplaintSummaryOutput([summary_data(c, now) for c in page], many=True).data
        )


class ComplaintStatisticsApi(APIView):
    @extend_schema(
        operation_id="complaints_statistics",
        summary="Complaint statistics for officials (cells below k suppressed)",
        parameters=[OpenApiParameter("country", str, required=False)],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Counts by category, corridor, sector, state and month, medians, "
                "share within deadline and amounts recovered; cells under k suppressed.",
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        if not policies.can_see_statistics(request.user):
            raise PermissionDenied(_("Only supervisors and administrators see statistics."))
        scope = selectors.statistics_scope(request.user)
        country = (request.query_params.get("country") or "").upper()
        if country:
            scope &= Q(workplace_country=country)
        return Response(complaint_statistics(scope=scope))
