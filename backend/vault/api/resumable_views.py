"""The tus 1.0 endpoints. Errors still use the JSON error envelope; tus headers on every reply."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import AppError
from backend.core.throttling import VaultUploadThrottle
from backend.vault import resumable
from backend.vault.uploads import max_upload_bytes

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,expiration,termination"


class OffsetOctetStreamParser(BaseParser):
    """Declares the tus media type; the body is read as a stream by the view, never parsed."""

    media_type = "application/offset+octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover
        return {}


def tus_headers(upload=None) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    if upload is not None:
        headers["Upload-Offset"] = str(upload.offset)
        headers["Upload-Length"] = str(upload.length)
        headers["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return headers


def _require_tus(request) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise AppError(
            _("Send Tus-Resumable: 1.0.0."),
            code="tus_version_unsupported",
            status=412,
            headers={"Tus-Version": TUS_VERSION},
        )


def _int_header(request, name: str) -> int:
    value = request.headers.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise AppError(
            _("The %(header)s header must be a non-negative integer.") % {"header": name},
            code="validation_error",
            fields={name: [_("Expected an integer.")]},
        )
    return int(value)


class TusMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        return response


NOT_SIGNED_IN = OpenApiResponse(description="Not signed in (error envelope).")
# Every tus request without ``Tus-Resumable: 1.0.0`` is refused before anything else.
WRONG_TUS_VERSION = OpenApiResponse(description="Unsupported tus version.")
TUS_HEADER = OpenApiParameter(
    "Tus-Resumable", str, OpenApiParameter.HEADER, required=True, enum=[TUS_VERSION]
)


class UploadCreateApi(TusMixin, APIView):
    def get_throttles(self):
        return [VaultUploadThrottle()] if self.request.method == "POST" else []

    @extend_schema(operation_id="vault_uploads_options", responses={204: None})
    def options(self, request, *args, **kwargs):
        return Response(
            status=204,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(max_upload_bytes()),
                "Tus-Checksum-Algorithm": ",".join(resumable.CHECKSUM_ALGORITHMS),
            },
        )

    @extend_schema(
        operation_id="vault_uploads_create",
        request=None,
        parameters=[
            TUS_HEADER,
            OpenApiParameter("Upload-Length", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "Upload-Metadata",
                str,
                OpenApiParameter.HEADER,
                description="tus metadata: `filename`, `filetype` (base64).",
            ),
        ],
        responses={
            201: OpenApiResponse(description="Created; `Location` names the upload."),
            400: OpenApiResponse(description="Bad headers."),
            401: NOT_SIGNED_IN,
            413: OpenApiResponse(description="Larger than Tus-Max-Size."),
            412: WRONG_TUS_VERSION,
        },
        description="Start a resumable upload (tus 1.0 creation). Then PATCH the bytes to "
        "`Location`, and create the document with `POST /vault/documents/ {upload_id}`.",
    )
    def post(self, request):
        _require_tus(request)
        if "Upload-Defer-Length" in request.headers:
            raise AppError(_("Deferred length is not supported."), code="validation_error")
        length = _int_header(request, "Upload-Length")
        metadata = resumable.parse_metadata(request.headers.get("Upload-Metadata"))
        upload = resumable.resumable_upload_create(
            owner=request.user, length=length, metadata=metadata
        )
        location = request.build_absolute_uri(reverse("vault-upload", args=[upload.id]))
        return Response(
            {"id": str(upload.id), "expires_at": upload.expires_at},
            status=201,
            headers={**tus_headers(upload), "Location": location},
        )


class UploadDetailApi(TusMixin, APIView):
    parser_classes = [OffsetOctetStreamParser]

    @extend_schema(
        operation_id="vault_uploads_head",
        summary="Offset of a resumable upload (tus HEAD)",
        parameters=[TUS_HEADER],
        responses={200: None, 401: NOT_SIGNED_IN, 404: None, 410: None, 412: WRONG_TUS_VERSION},
    )
    def head(self, request, upload_id):
        _require_tus(request)
        upload = resumable.resumable_upload_get(owner=request.user, upload_id=upload_id)
        return Response(status=200, headers=tus_headers(upload))

    @extend_schema(
        operation_id="vault_uploads_offset",
        summary="Offset of a resumable upload (as HEAD, for clients that cannot send HEAD)",
        parameters=[TUS_HEADER],
        responses={200: None, 401: NOT_SIGNED_IN, 404: None, 410: None, 412: WRONG_TUS_VERSION},
    )
    def get(self, request, upload_id):
        return self.head(request, upload_id)

    @extend_schema(
        operation_id="vault_uploads_patch",
        summary="Append a chunk to a resumable upload (tus PATCH)",
        request={"application/offset+octet-stream": bytes},
        parameters=[
            TUS_HEADER,
            OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Checksum", str, OpenApiParameter.HEADER),
        ],
        responses={
            204: None,
            400: OpenApiResponse(description="Bad headers."),
            401: NOT_SIGNED_IN,
            404: None,
            409: OpenApiResponse(description="Offset mismatch."),
            412: WRONG_TUS_VERSION,
            410: OpenApiResponse(description="Expired."),
            415: OpenApiResponse(description="Wrong Content-Type."),
            460: OpenApiResponse(description="Checksum mismatch."),
        },
    )
    def patch(self, request, upload_id):
        _require_tus(request)
        if request.content_type.split(";")[0].strip() != OffsetOctetStreamParser.media_type:
            raise AppError(
                _("Send Content-Type: application/offset+octet-stream."),
                code="unsupported_media_type",
                status=415,
            )
        offset = _int_header(request, "Upload-Offset")
        checksum = resumable.parse_checksum(request.headers.get("Upload-Checksum"))
        length = request.headers.get("Content-Length")
        upload = resumable.resumable_upload_append(
            owner=request.user,
            upload_id=upload_id,
            offset=offset,
            read=request._request.read,
            body_length=int(length) if length and length.isascii() and length.isdigit() else None,
            checksum=checksum,
        )
        return Response(status=204, headers=tus_headers(upload))

    @extend_schema(
        operation_id="vault_uploads_terminate",
        summary="Cancel a resumable upload (tus DELETE)",
        parameters=[TUS_HEADER],
        responses={204: None, 401: NOT_SIGNED_IN, 404: None, 412: WRONG_TUS_VERSION},
    )
    def delete(self, request, upload_id):
        _require_tus(request)
        resumable.resumable_upload_terminate(owner=request.user, upload_id=upload_id)
        return Response(status=204)
