"""Account endpoints. Thin: validate the input, call one service or selector, present."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors, services
from backend.accounts.api.schema import errors
from backend.accounts.api.serializers import (
    DeviceOutput,
    OrganisationOutput,
    StrictInputMixin,
    TokensOutput,
    UserOutput,
    tokens_data,
)
from backend.accounts.permissions import IsStaffRole
from backend.accounts.policies import devices_visible_to
from backend.core.errors import NotFound
from backend.core.filters import UpdatedSinceFilter
from backend.core.openapi import BodyOnDeleteSchema
from backend.core.throttling import (
    CodeAccountThrottle,
    CodeClientThrottle,
    LoginAccountThrottle,
    LoginClientThrottle,
    RegisterAccountThrottle,
    RegisterClientThrottle,
)

TAG_AUTH = ["auth"]
TAG_ME = ["me"]


def _private(response: Response) -> Response:
    """Personal data: only the signed-in client may cache it, and must revalidate (ETag)."""
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Authorization"])
    return response


class PublicApi(APIView):
    """Endpoints used before sign-in: no authentication is even attempted."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class CodeSentOutput(serializers.Serializer):
    phone = serializers.CharField(help_text="The number in E.164, as it must be sent to verify.")
    code_ttl_seconds = serializers.IntegerField()
    detail = serializers.CharField()


def _code_sent(phone: str) -> Response:
    body = CodeSentOutput(
        {
            "phone": phone,
            "code_ttl_seconds": settings.PHONE_CODE_TTL_SECONDS,
            "detail": str(_("If this number can be verified, a code is on its way by SMS.")),
        }
    ).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


class AuthRegisterApi(PublicApi):
    throttle_classes = [RegisterClientThrottle, RegisterAccountThrottle]

    class RegisterInput(serializers.Serializer):
        phone = serializers.CharField(max_length=40)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(
            choices=settings.LANGUAGES,
            required=False,
            help_text="Defaults to the request's language (Accept-Language), else English.",
        )

    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Sign up as a worker with a phone number",
        description=(
            "Always 202 with the same body, whether or not the number is already registered. "
            "A code is sent by SMS to new and not yet verified numbers. Limited per client and "
            "per number; a number gets at most one code a minute and a few a day (429 "
            "`throttled` with Retry-After, the same for every number)."
        ),
        request=RegisterInput,
        responses={202: CodeSentOutput, **errors(400, 429)},
    )
    def post(self, request):
        data = self.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        # LocaleMiddleware already chose the best supported language from Accept-Language.
        fields.setdefault("preferred_language", request.LANGUAGE_CODE)
        phone = services.user_register(**fields)
        return _code_sent(phone)


class PhoneVerifyApi(PublicApi):
    throttle_classes = [CodeClientThrottle, CodeAccountThrottle]

    class PhoneVerifyInput(serializers.Serializer):
        phone = serializers.CharField(max_length=40)
        code = serializers.CharField(max_length=12)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        device_name = serializers.CharField(max_length=120, required=False, allow_blank=True)

    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Confirm the phone number with the SMS code; signs the device in",
        description=(
            "Send the code and the password chosen at sign-up. Codes are single-use, expire, "
            "and die after a few wrong tries (ask for a new one). Any failure is "
            "`invalid_code`."
        ),
        request=PhoneVerifyInput,
        responses={200: TokensOutput, **errors(400, 429)},
    )
    def post(self, request):
        data = self.PhoneVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.phone_verify(**data.validated_data)
        return Response(tokens_data(tokens))


class PhoneVerifyResendApi(PublicApi):
    throttle_classes = [CodeClientThrottle, CodeAccountThrottle]

    class PhoneResendInput(serializers.Serializer):
        phone = serializers.CharField(max_length=40)

    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Send a new verification code",
        description=(
            "Always 202 with the same body; a code goes only to unverified numbers. Shares the "
            "per-number limits of registration (429 `throttled` with Retry-After)."
        ),
        request=PhoneResendInput,
        responses={202: CodeSentOutput, **errors(400, 429)},
    )
    def post(self, request):
        data = self.PhoneResendInput(data=request.data)
        data.is_valid(raise_exception=True)
        phone = services.phone_verification_resend(**data.validated_data)
        return _code_sent(phone)


class AuthTokenObtainApi(PublicApi):
    throttle_classes = [LoginClientThrottle, LoginAccountThrottle]

    class TokenObtainInput(serializers.Serializer):
        phone = serializers.CharField(max_length=40, required=False, help_text="Workers.")
        username = serializers.CharField(max_length=150, required=False, help_text="Staff.")
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        device_name = serializers.CharField(max_length=120, required=False, allow_blank=True)

        def validate(self, attrs):
            if bool(attrs.get("phone")) == bool(attrs.get("username")):
                raise serializers.ValidationError(
                    {"phone": [_("Send either a phone number or a username.")]}
                )
            return attrs

    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Sign in (phone + password for workers, username + password for staff)",
        request=TokenObtainInput,
        responses={
            200: TokensOutput,
            **errors(
                400,
                401,
                403,
                429,
                e401="Wrong credentials (`invalid_credentials`).",
                e403="Phone not verified yet (`phone_not_verified`) or account disabled.",
            ),
        },
    )
    def post(self, request):
        data = self.TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.user_sign_in(request=request, **data.validated_data)
        return Response(tokens_data(tokens))


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class AuthTokenRefreshApi(PublicApi):
    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Rotate the refresh token and get a new access token",
        description=(
            "The old refresh token stops working. Presenting an already rotated refresh token "
            "signs the whole device out (`token_reused`)."
        ),
        request=RefreshInput,
        responses={200: TokensOutput, **errors(400, 401)},
    )
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.device_tokens_refresh(refresh=data.validated_data["refresh"])
        return Response(tokens_data(tokens))


class AuthLogoutApi(PublicApi):
    @extend_schema(
        tags=TAG_AUTH,
        auth=[],
        summary="Sign this device out",
        description="Blacklists the refresh token and revokes its device (all its tokens).",
        request=RefreshInput,
        responses={204: OpenApiResponse(description="Signed out."), **errors(400, 401)},
    )
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.device_sign_out(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeDetailApi(APIView):
    schema = BodyOnDeleteSchema()

    class MeUpdateInput(StrictInputMixin, serializers.Serializer):
        display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    @extend_schema(
        tags=TAG_ME,
        summary="Your account",
        description="Supports `If-None-Match` (304 when unchanged).",
        responses={200: UserOutput, **errors(401)},
    )
    def get(self, request):
        user = selectors.user_profile_get(user=request.user)
        return _private(Response(UserOutput(user).data))

    @extend_schema(
        tags=TAG_ME,
        summary="Change your display name or language",
        description="Role and jurisdiction are read-only: sending them is a 400.",
        request=MeUpdateInput,
        responses={200: UserOutput, **errors(400, 401)},
    )
    def patch(self, request):
        data = self.MeUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.user_profile_update(user=request.user, **data.validated_data)
        user = selectors.user_profile_get(user=request.user)
        return _private(Response(UserOutput(user).data))

    class MeDeleteInput(StrictInputMixin, serializers.Serializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        tags=TAG_ME,
        summary="Erase your account (confirm with your password)",
        description=(
            "Your worker key is destroyed at once (documents and case texts become unreadable "
            "everywhere), every device is signed out, and the rest is deleted within 24 hours. "
            "Reviews stay only as anonymous ratings; complaints under legal hold are kept, "
            "pseudonymised, until the hold ends (docs/privacy.md). A wrong password is a 400 "
            "and changes nothing."
        ),
        request=MeDeleteInput,
        responses={204: OpenApiResponse(description="Erased."), **errors(400, 401, 403)},
    )
    def delete(self, request):
        from backend.retention.erasure import account_erase_request

        data = self.MeDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        account_erase_request(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeDeviceListApi(generics.ListAPIView):
    """Signed-in devices, newest first; ``is_current`` marks the one calling.

    With ``?updated_since=`` revoked devices are included too, so a syncing app learns which
    devices went away.
    """

    serializer_class = DeviceOutput
    filter_backends = [UpdatedSinceFilter]

    def get_queryset(self):
        include_revoked = bool(self.request.query_params.get("updated_since"))
        return selectors.device_list(user=self.request.user, include_revoked=include_revoked)

    @extend_schema(
        tags=TAG_ME,
        summary="Your signed-in devices",
        responses={200: DeviceOutput(many=True), **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return _private(super().get(request, *args, **kwargs))


class MeDeviceRevokeApi(APIView):
    @extend_schema(
        tags=TAG_ME,
        summary="Sign one of your devices out",
        responses={204: OpenApiResponse(description="Signed out."), **errors(401, 404)},
    )
    def delete(self, request, device_id):
        device = devices_visible_to(request.user).filter(id=device_id).first()
        if device is None:
            raise NotFound(_("No such device."))
        services.device_revoke(actor=request.user, device=device)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationListApi(generics.ListAPIView):
    """The NGO directory, for staff (e.g. to refer a complaint). Workers get a 403."""

    serializer_class = OrganisationOutput
    permission_classes = [IsStaffRole]
    filter_backends = [UpdatedSinceFilter]

    def get_queryset(self):
        return selectors.organisation_list(user=self.request.user)

    @extend_schema(
        tags=["organisations"],
        summary="NGO organisations (staff only)",
        responses={200: OrganisationOutput(many=True), **errors(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
