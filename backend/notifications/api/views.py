"""Notification endpoints: the inbox, read/ack, push tokens, preferences. Thin."""

from __future__ import annotations

from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.api.schema import errors
from backend.accounts.api.serializers import StrictInputMixin
from backend.core.errors import AppError, NotFound
from backend.core.filters import UpdatedSinceFilter
from backend.notifications import selectors, services
from backend.notifications.api.serializers import (
    NotificationOutput,
    PreferenceOutput,
    PushTokenOutput,
)
from backend.notifications.models import PushPlatform
from backend.notifications.policies import push_tokens_visible_to

TAGS = ["notifications"]
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


def _private(response: Response) -> Response:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Authorization"])
    return response


class NotificationListApi(generics.ListAPIView):
    """The inbox, newest first. ``?unread=true`` for unread only; ``?updated_since=`` for
    notifications created, read or acknowledged after an instant (app sync)."""

    serializer_class = NotificationOutput
    filter_backends = [UpdatedSinceFilter]

    def get_queryset(self):
        value = self.request.query_params.get("unread", "").lower()
        if value not in TRUE | FALSE:
            raise AppError(
                _("unread must be true or false."),
                code="validation_error",
                fields={"unread": [_("Expected true or false.")]},
            )
        return selectors.notification_inbox(user=self.request.user, unread=value in TRUE)

    @extend_schema(
        tags=TAGS,
        summary="Your notifications (cursor-paginated)",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, required=False)],
        responses={200: NotificationOutput(many=True), **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return _private(super().get(request, *args, **kwargs))


class NotificationReadApi(APIView):
    class ReadInput(StrictInputMixin, serializers.Serializer):
        up_to = serializers.UUIDField(
            required=False, help_text="Mark this notification and every older one."
        )
        notification_id = serializers.UUIDField(required=False, help_text="Mark just this one.")

    class ReadOutput(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(
        tags=TAGS,
        summary="Mark notifications as read (one, or up to one)",
        description="Reading also acknowledges the push, so no SMS fallback follows.",
        request=ReadInput,
        responses={200: ReadOutput, **errors(400, 401, 404)},
    )
    def post(self, request):
        data = self.ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(user=request.user, **data.validated_data)
        return Response(self.ReadOutput({"marked": marked}).data)


class NotificationAckApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Acknowledge that the push reached the phone",
        description="Cancels the SMS fallback of an urgent notification.",
        request=None,
        responses={200: NotificationOutput, **errors(401, 404)},
    )
    def post(self, request, notification_id):
        notification = services.notification_acknowledge(
            user=request.user, notification_id=notification_id
        )
        return Response(NotificationOutput(notification, context={"request": request}).data)


class PushTokenListApi(generics.ListAPIView):
    serializer_class = PushTokenOutput
    filter_backends = [UpdatedSinceFilter]

    class PushTokenInput(StrictInputMixin, serializers.Serializer):
        platform = serializers.ChoiceField(choices=PushPlatform.choices)
        token = serializers.CharField(min_length=16, max_length=512)

    def get_queryset(self):
        return selectors.push_token_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="Push tokens registered for your account",
        responses={200: PushTokenOutput(many=True), **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return _private(super().get(request, *args, **kwargs))

    @extend_schema(
        tags=TAGS,
        summary="Register this app install's push token",
        description=(
            "Idempotent. A token registered by another account moves to yours (shared phone)."
        ),
        request=PushTokenInput,
        responses={201: PushTokenOutput, **errors(400, 401)},
    )
    def post(self, request):
        data = self.PushTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        push_token = services.push_token_register(
            user=request.user,
            device_id=getattr(request.user, "current_device_id", None),
            **data.validated_data,
        )
        return Response(PushTokenOutput(push_token).data, status=status.HTTP_201_CREATED)


class PushTokenDeleteApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Forget a push token",
        responses={204: OpenApiResponse(description="Deleted."), **errors(401, 404)},
    )
    def delete(self, request, token_id):
        push_token = push_tokens_visible_to(request.user).filter(pk=token_id).first()
        if push_token is None:
            raise NotFound(_("No such push token."))
        services.push_token_delete(user=request.user, push_token=push_token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationPreferenceApi(APIView):
    class PreferenceInput(StrictInputMixin, serializers.Serializer):
        push = serializers.BooleanField(required=False)
        sms = serializers.BooleanField(required=False)
        email = serializers.BooleanField(required=False)
        email_address = serializers.EmailField(required=False, allow_blank=True)
        time_zone = serializers.CharField(required=False, allow_blank=True, max_length=64)

    @extend_schema(
        tags=TAGS,
        summary="Your notification channels",
        responses={200: PreferenceOutput, **errors(401)},
    )
    def get(self, request):
        preference = selectors.preference_get(user=request.user)
        return _private(Response(PreferenceOutput(preference).data))

    @extend_schema(
        tags=TAGS,
        summary="Switch channels on or off",
        description="The in-app inbox is always on; SMS is only used for urgent events.",
        request=PreferenceInput,
        responses={200: PreferenceOutput, **errors(400, 401)},
    )
    def patch(self, request):
        data = self.PreferenceInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preference = services.preference_update(user=request.user, **data.validated_data)
        return _private(Response(PreferenceOutput(preference).data))
