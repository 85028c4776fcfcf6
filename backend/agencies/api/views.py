"""Agency directory, reviews, corridor fees and moderation endpoints. Thin: parse, call, present."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from backend.agencies import policies, presenters, selectors, services
from backend.agencies.api import serializers as s
from backend.agencies.models import Agency, Review
from backend.core.errors import AppError, NotFound, PermissionDenied
from backend.core.filters import UpdatedSinceFilter
from backend.core.openapi import paginated
from backend.core.pagination import PageNumberPagination

ERR_400 = OpenApiResponse(description="Validation error (error envelope).")
ERR_401 = OpenApiResponse(description="Not signed in.")
ERR_403 = OpenApiResponse(description="Not allowed (error envelope).")
ERR_404 = OpenApiResponse(description="Not found, or not visible to you.")
ERR_409 = OpenApiResponse(description="Conflict with the current state (error envelope).")
ERR_429 = OpenApiResponse(description="Too many requests.")


class PagePagination(PageNumberPagination):
    """Page numbers, not cursors: a cursor would encode (and leak) the exact creation time."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _service_input(data: dict[str, Any]) -> dict[str, Any]:
    """Map validated API input onto ``services.ReviewInput`` fields (only those given)."""
    out: dict[str, Any] = {}
    if "ratings" in data:
        out["ratings"] = {f"rating_{key}": value for key, value in data["ratings"].items()}
    if "corridor" in data:
        out["corridor_origin"] = data["corridor"]["origin"]
        out["corridor_destination"] = data["corridor"]["destination"]
    if "fees" in data:
        out["fees"] = [
            services.FeeInput(f["kind"], f["amount"], f["currency"]) for f in data["fees"]
        ]
    for key in (
        "recruitment_year",
        "monthly_wage",
        "wage_currency",
        "comment",
        "comment_language",
        "publish_after",
    ):
        if key in data:
            out[key] = data[key]
    if "wage_currency" in out and out["wage_currency"] is None:
        out["wage_currency"] = ""
    return out


class _PostThrottleMixin:
    """Scoped throttling on writes only; reads stay unthrottled."""

    throttle_scope = ""

    def get_throttles(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return []
        return [ScopedRateThrottle()]


# --- Directory -------------------------------------------------------------------------------


class AgencyListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="agencies_list",
        summary="Search and rank recruitment agencies",
        parameters=[
            OpenApiParameter(
                "q", str, description="Name or alias; accents, case and typos forgiven."
            ),
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 of the agency."),
            OpenApiParameter("corridor", str, description="Served corridor, e.g. MM-TH."),
            OpenApiParameter(
                "licence_status", str, enum=["licensed", "suspended", "revoked", "unknown"]
            ),
            OpenApiParameter("ordering", str, enum=["name", "-name", "rating", "-rating"]),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: paginated(s.AgencyOutput, style="page"), 400: ERR_400},
    )
    def get(self, request):
        params = s.AgencyListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        corridor = tuple(p["corridor"].split("-")) if p.get("corridor") else None
        qs = selectors.agency_list(
            q=p.get("q", ""),
            country=p.get("country", ""),
            corridor=corridor,
            licence_status=p.get("licence_status", ""),
            ordering=p.get("ordering", ""),
        )
        paginator = PagePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        # ``present_agency`` already has the documented shape (AgencyOutput; a test checks
        # they agree): re-serialising 25 nested stats through DRF fields costs more than the
        # SQL of the request.
        return paginator.get_paginated_response([presenters.present_agency(a) for a in page])


class AgencyDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="agencies_retrieve",
        summary="One agency with its published statistics",
        responses={200: s.AgencyOutput, 404: ERR_404},
    )
    def get(self, request, agency_id):
        agency = selectors.agency_get(agency_id=agency_id)
        if agency is None:
            raise NotFound(_("No such agency."))
        return Response(presenters.present_agency(agency))


# --- Reviews ---------------------------------------------------------------------------------


class AgencyReviewsApi(_PostThrottleMixin, APIView):
    """GET: the agency's public reviews (none until enough exist); POST: review it."""

    throttle_scope = "review_write"

    def get_permissions(self):
        return [AllowAny()] if self.request.method in ("GET", "HEAD") else super().get_permissions()

    def _agency(self, agency_id) -> Agency:
        agency = Agency.objects.select_related("stats").filter(pk=agency_id).first()
        if agency is None:
            raise NotFound(_("No such agency."))
        return agency

    @extend_schema(
        operation_id="agencies_reviews_list",
        summary="An agency's published reviews (hidden below k)",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={
            200: paginated(s.PublicReviewOutput, style="page", suppressed=serializers.BooleanField),
            404: ERR_404,
        },
        description="Empty with `suppressed: true` until the agency has enough public reviews.",
    )
    def get(self, request, agency_id):
        agency = self._agency(agency_id)
        paginator = PagePagination()
        published = presenters.published_corridors(agency)
        if published is None:  # too few reviews: publish none of them
            return Response(
                {"count": 0, "next": None, "previous": None, "suppressed": True, "results": []}
            )
        page = paginator.paginate_queryset(
            selectors.agency_public_reviews(agency=agency), request, view=self
        )
        show_badge = presenters.badge_visible(agency)
        data = s.PublicReviewOutput(
            [presenters.present_public_review(r, published, show_badge=show_badge) for r in page],
            many=True,
        ).data
        response = paginator.get_paginated_response(data)
        response.data["suppressed"] = False
        return response

    @extend_schema(
        operation_id="agencies_reviews_create",
        summary="Review an agency (verified-phone workers, once per agency)",
        request=s.ReviewInput,
        responses={
            201: s.OwnReviewOutput,
            400: ERR_400,
            401: ERR_401,
            403: ERR_403,
            404: ERR_404,
            409: ERR_409,
            429: ERR_429,
        },
    )
    def post(self, request, agency_id):
        agency = self._agency(agency_id)
        body = s.ReviewInput(data=request.data)
        body.is_valid(raise_exception=True)
        fields = _service_input(body.validated_data)
        review = services.review_create(
            author=request.user, agency=agency, data=services.ReviewInput(**fields)
        )
        review = selectors.own_reviews(user=request.user).get(pk=review.pk)
        output = s.OwnReviewOutput(presenters.present_own_review(review)).data
        return Response(output, status=status.HTTP_201_CREATED)


class OwnReviewListApi(APIView):
    @extend_schema(
        operation_id="me_reviews_list",
        summary="Your reviews",
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only reviews changed after this ISO 8601 instant (for app sync).",
            ),
        ],
        responses={200: paginated(s.OwnReviewOutput, style="page"), 400: ERR_400, 401: ERR_401},
    )
    def get(self, request):
        paginator = PagePagination()
        qs = UpdatedSinceFilter().filter_queryset(
            request, selectors.own_reviews(user=request.user), self
        )
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            s.OwnReviewOutput([presenters.present_own_review(r) for r in page], many=True).data
        )


class OwnReviewDetailApi(_PostThrottleMixin, APIView):
    throttle_scope = "review_write"

    def _get(self, request, review_id) -> Review:
        review = selectors.own_reviews(user=request.user).filter(pk=review_id).first()
        if review is None:
            raise NotFound(_("No such review."))
        return review

    @extend_schema(
        operation_id="me_reviews_retrieve",
        summary="One of your reviews",
        responses={200: s.OwnReviewOutput, 401: ERR_401, 404: ERR_404},
    )
    def get(self, request, review_id):
        review = self._get(request, review_id)
        return Response(s.OwnReviewOutput(presenters.present_own_review(review)).data)

    @extend_schema(
        operation_id="me_reviews_update",
        summary="Edit your review (the previous version is kept)",
        request=s.ReviewUpdateInput,
        responses={
            200: s.OwnReviewOutput,
            400: ERR_400,
            401: ERR_401,
            404: ERR_404,
            409: ERR_409,
            429: ERR_429,
        },
    )
    def patch(self, request, review_id):
        body = s.ReviewUpdateInput(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.review_update(
            author=request.user, review_id=review_id, changes=_service_input(body.validated_data)
        )
        review = self._get(request, review_id)
        return Response(s.OwnReviewOutput(presenters.present_own_review(review)).data)

    @extend_schema(
        operation_id="me_reviews_destroy",
        summary="Delete your review",
        responses={204: None, 401: ERR_401, 404: ERR_404, 429: ERR_429},
    )
    def delete(self, request, review_id):
        services.review_delete(author=request.user, review_id=review_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _public_review(review_id) -> Review:
    review = policies.public_reviews().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("No such review."))
    return review


class ReviewFlagApi(APIView):
    """Anyone (signed in or not) may flag a public review once; throttled per user or address.

    Anonymous flaggers are told apart by a keyed hash of their network (/24, /48), so signing
    out does not give one client more flags."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "review_flag"

    @extend_schema(
        operation_id="reviews_flag",
        summary="Flag a published review for moderation",
        request=s.FlagInput,
        responses={201: s.FlagOutput, 400: ERR_400, 404: ERR_404, 409: ERR_409, 429: ERR_429},
    )
    def post(self, request, review_id):
        review = _public_review(review_id)
        body = s.FlagInput(data=request.data)
        body.is_valid(raise_exception=True)
        flag = services.review_flag(
            review=review,
            user=request.user,
            reason=body.validated_data["reason"],
            # The client address as the throttles see it (``NUM_PROXIES``); only a keyed hash
            # of its network part is stored, for anonymous flaggers.
            client_ip=BaseThrottle().get_ident(request),
        )
        return Response(
            s.FlagOutput({"id": flag.id, "reason": flag.reason}).data,
            status=status.HTTP_201_CREATED,
        )


class ReviewResponseApi(APIView):
    """An agency representative's one public answer to a review of their agency."""

    @extend_schema(
        operation_id="reviews_respond",
        summary="The agency's one response to a review (agency representatives)",
        request=s.ResponseInput,
        responses={
            201: s.ResponseOutput,
            400: ERR_400,
            401: ERR_401,
            403: ERR_403,
            404: ERR_404,
            409: ERR_409,
        },
    )
    def post(self, request, review_id):
        review = _public_review(review_id)
        body = s.ResponseInput(data=request.data)
        body.is_valid(raise_exception=True)
        response = services.review_respond(
            user=request.user, review=review, text=body.validated_data["text"]
        )
        return Response(
            s.ResponseOutput(
                {"text": response.text, "period": response.created_at.strftime("%Y-%m")}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class CorridorFeesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="corridors_fees",
        summary="Fee statistics of a corridor (origin-destination)",
        parameters=[
            OpenApiParameter(name, str, OpenApiParameter.PATH, pattern="^[A-Za-z]{2}$")
            for name in ("origin", "destination")
        ],
        responses={
            200: s.CorridorFeesOutput,
            400: ERR_400,
            404: OpenApiResponse(description="Not two-letter country codes: no such URL."),
        },
    )
    def get(self, request, origin, destination):
        stats = selectors.corridor_fee_stats(origin=origin, destination=destination)
        return Response(
            s.CorridorFeesOutput(presenters.corridor_stats(origin, destination, stats)).data
        )


# --- Moderation ------------------------------------------------------------------------------


def _require_moderator(user) -> None:
    if not policies.can_moderate(user):
        raise PermissionDenied(_("Only moderators may do this."))


class ModerationQueueApi(APIView):
    @extend_schema(
        operation_id="moderation_reviews_list",
        summary="Moderation queue (moderators)",
        parameters=[
            OpenApiParameter("queue", str, enum=["comments", "held", "flagged"]),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: paginated(s.ModerationItemOutput, style="page"),
            400: ERR_400,
            401: ERR_401,
            403: ERR_403,
        },
        description="Comments are shown masked (phone numbers, e-mails and names replaced).",
    )
    def get(self, request):
        _require_moderator(request.user)
        queue = request.query_params.get("queue", "comments")
        if queue not in ("comments", "held", "flagged"):
            raise AppError(
                _("Some fields are not valid."),
                code="validation_error",
                fields={"queue": [_("Choose comments, held or flagged.")]},
            )
        paginator = PagePagination()
        page = paginator.paginate_queryset(
            selectors.moderation_queue(user=request.user, queue=queue), request, view=self
        )
        items = [
            {
                "id": r.id,
                "agency_id": r.agency_id,
                "agency_name": r.agency.name,
                "ratings": presenters.ratings(r),
                "comment_masked": r.comment_masked,
                "comment_status": r.comment_status,
                "status": r.status,
                "flag_count": r.flag_count,
                "created_at": r.created_at,
            }
            for r in page
        ]
        return paginator.get_paginated_response(s.ModerationItemOutput(items, many=True).data)


def _present_decision(d) -> dict[str, Any]:
    return {
        "id": d.id,
        "review_id": d.review_id,
        "action": d.action,
        "reason": d.reason,
        "created_at": d.created_at,
    }


class ModerationDecisionApi(APIView):
    @extend_schema(
        operation_id="moderation_reviews_decisions_list",
        summary="Moderation decisions on a review (moderators)",
        responses={200: s.DecisionOutput(many=True), 401: ERR_401, 403: ERR_403, 404: ERR_404},
    )
    def get(self, request, review_id):
        _require_moderator(request.user)
        review = policies.reviews_moderatable_by(request.user).filter(pk=review_id).first()
        if review is None:
            raise NotFound(_("No such review."))
        decisions = review.decisions.order_by("created_at", "id")
        return Response(s.DecisionOutput([_present_decision(d) for d in decisions], many=True).data)

    @extend_schema(
        operation_id="moderation_reviews_decide",
        summary="Decide on a review: approve or reject its comment, release, remove, dismiss flags",
        request=s.ModerationInput,
        responses={
            201: s.DecisionOutput,
            400: ERR_400,
            401: ERR_401,
            403: ERR_403,
            404: ERR_404,
            409: ERR_409,
        },
    )
    def post(self, request, review_id):
        _require_moderator(request.user)
        body = s.ModerationInput(data=request.data)
        body.is_valid(raise_exception=True)
        decision = services.review_moderate(
            moderator=request.user, review_id=review_id, **body.validated_data
        )
        return Response(
            s.DecisionOutput(_present_decision(decision)).data, status=status.HTTP_201_CREATED
        )
