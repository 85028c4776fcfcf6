"""OpenAPI pieces for the error envelope, shared by the account endpoints."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Invalid input (code `validation_error` and `fields`).",
    401: "Not signed in, or the token is not valid.",
    403: "Signed in, but not allowed.",
    404: "Not found, or not visible to you.",
    409: "Conflicts with the current state.",
    429: "Too many attempts; see the Retry-After header.",
}


def errors(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(envelope)}``; ``descriptions`` as ``e403="..."`` override."""
    return {
        status: OpenApiResponse(
            response=ErrorEnvelopeSerializer,
            description=descriptions.get(f"e{status}", _DESCRIPTIONS.get(status, "Error.")),
        )
        for status in statuses
    }
