"""Vault endpoints. Thin: parse, call a selector or service, present."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import AppError, NotFound
from backend.core.filters import UpdatedSinceFilter
from backend.core.openapi import paginated
from backend.core.pagination import CursorPagination
from backend.core.parsers import JSONParser
from backend.core.throttling import VaultUploadThrottle
from backend.vault import selectors, services
from backend.vault.api import serializers as s
from backend.vault.bundles import bundle_stream
from backend.vault.content import content_response
from backend.vault.crypto.signing import public_key_info
from backend.vault.models import Document, DocumentKind, TrailEvent
from backend.vault.resumable import resumable_upload_claim
from backend.vault.trail import actor_ref, trail_verification
from backend.vault.uploads import EncryptedBlob, EncryptedUpload, EncryptingUploadHandler
from backend.vault.validation.sniffing import ALLOWED_TYPES

ERRORS = {
    400: OpenApiResponse(description="Validation error (error envelope)."),
    401: OpenApiResponse(description="Not signed in."),
    404: OpenApiResponse(description="No such document visible to you."),
}
KIND_PARAM = OpenApiParameter("kind", str, enum=DocumentKind.values, required=False)


def present(document: Document, meta: dict, user) -> dict:
    if document.is_deleted:
        return {"id": document.id, "deleted": True, "updated_at": document.updated_at}
    return {
        "id": document.id,
        "kind": document.kind,
        "title": meta.get("title", ""),
        "issuer_name": meta.get("issuer_name", ""),
        "notes": meta.get("notes", ""),
        "details": meta.get("details", {}),
        "agency_id": document.agency_id,
        "issued_on": document.issued_on,
        "expires_on": document.expires_on,
        "is_owner": document.owner_id == user.pk,
        "current_version": document.current_version,
        "version_count": document.version_count,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "deleted": False,
    }


def serialize_documents(documents: list[Document], user) -> list[dict]:
    meta = selectors.document_meta([d for d in documents if not d.is_deleted])
    out = []
    for document in documents:
        data = present(document, meta.get(document.id, {}), user)
        shape = s.DocumentTombstoneOutput if document.is_deleted else s.DocumentOutput
        out.append(shape(data).data)
    return out


def paginate(view: APIView, request, queryset, ordering=("-updated_at", "-id")):
    paginator = CursorPagination()
    paginator.ordering = ordering
    queryset = UpdatedSinceFilter().filter_queryset(request, queryset, view)
    return paginator, paginator.paginate_queryset(queryset, request, view=view)


def _take_upload(request) -> EncryptedUpload:
    upload = request.FILES.get("file")
    if not isinstance(upload, EncryptedUpload):
        raise AppError(
            _("Attach the file in the 'file' field."),
            code="validation_error",
            fields={"file": [_("This field is required.")]},
        )
    return upload


class EncryptedUploadMixin:
    """Installs the encrypting upload handler before DRF parses the body; throttles POSTs."""

    def get_throttles(self):
        return [VaultUploadThrottle()] if self.request.method == "POST" else []

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers = [EncryptingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def input_and_blob(self, request, input_class) -> tuple[dict, EncryptedBlob]:
        """Validate the fields, then take the file: from this request (multipart) or from a
        completed resumable upload (``upload_id``). On any error the uploaded blob is deleted."""
        try:
            data = input_class(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            upload_id = fields.pop("upload_id", None)
            if upload_id is not None:
                self.discard_unused_upload(request)
                blob = resumable_upload_claim(owner=request.user, upload_id=upload_id)
            else:
                blob = _take_upload(request).blob
        except Exception:
            self.discard_unused_upload(request)
            raise
        return fields, blob

    def discard_unused_upload(self, request) -> None:
        for upload in request.FILES.values():
            if isinstance(upload, EncryptedUpload):
                from backend.vault.ingest import discard_blob

                discard_blob(upload.blob)


class DocumentListCreateApi(EncryptedUploadMixin, APIView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="vault_documents_list",
        parameters=[
            KIND_PARAM,
            OpenApiParameter(
                "include_deleted",
                bool,
                required=False,
                description="Include tombstones of deleted documents (sync).",
            ),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, required=False),
        ],
        responses={200: paginated(s.DocumentOutput), **ERRORS},
    )
    def get(self, request):
        include_deleted = request.query_params.get("include_deleted") in ("1", "true")
        kind = request.query_params.get("kind")
        if kind and kind not in DocumentKind.values:
            raise AppError(
                _("Unknown document kind."),
                code="validation_error",
                fields={"kind": [_("Unknown document kind.")]},
            )
        qs = selectors.own_document_list(
            user=request.user, kind=kind, include_deleted=include_deleted
        )
        paginator, page = paginate(self, request, qs)
        return paginator.get_paginated_response(serialize_documents(page, request.user))

    @extend_schema(
        operation_id="vault_documents_create",
        request={
            "multipart/form-data": s.DocumentCreateRequest,
            "application/json": s.DocumentCreateInput,
        },
        responses={
            201: s.DocumentOutput,
            413: OpenApiResponse(description="File too large."),
            415: OpenApiResponse(description="Unsupported file type."),
            **ERRORS,
        },
    )
    def post(self, request):
        fields, blob = self.input_and_blob(request, s.DocumentCreateInput)
        meta = {k: fields.pop(k) for k in list(fields) if k in services.SEALED_FIELDS}
        document = services.document_create(owner=request.user, blob=blob, meta=meta, **fields)
        out = serialize_documents([document], request.user)[0]
        return Response(out, status=status.HTTP_201_CREATED)


def _visible_document(request, document_id) -> Document:
    document = selectors.document_get(user=request.user, document_id=document_id)
    if document is None:
        raise NotFound(_("Document not found."))
    return document


def _owned_document(request, document_id) -> Document:
    document = _visible_document(request, document_id)
    if document.owner_id != request.user.pk:
        raise NotFound(_("Document not found."))
    return document


class DocumentDetailApi(APIView):
    @extend_schema(
        operation_id="vault_documents_retrieve",
        summary="One of your documents (metadata)",
        responses={200: s.DocumentOutput, **ERRORS},
    )
    def get(self, request, document_id):
        document = _visible_document(request, document_id)
        if document.owner_id != request.user.pk:
            services.document_access_record(
                document=document, actor=request.user, event=TrailEvent.VIEW
            )
        return Response(serialize_documents([document], request.user)[0])

    @extend_schema(
        operation_id="vault_documents_update",
        summary="Edit a document's metadata",
        request=s.DocumentUpdateInput,
        responses={200: s.DocumentOutput, **ERRORS},
    )
    def patch(self, request, document_id):
        document = _owned_document(request, document_id)
        data = s.DocumentUpdateInput(data=request.data, partial=True, instance=document)
        data.is_valid(raise_exception=True)
        document = services.document_update(
            owner=request.user, document=document, changes=dict(data.validated_data)
        )
        document.refresh_from_db()
        return Response(serialize_documents([document], request.user)[0])

    @extend_schema(
        operation_id="vault_documents_destroy",
        summary="Delete a document (tombstone; its key is destroyed)",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, document_id):
        document = _owned_document(request, document_id)
        services.document_delete(owner=request.user, document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentVersionCreateApi(EncryptedUploadMixin, APIView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="vault_documents_versions_create",
        request={
            "multipart/form-data": s.VersionCreateRequest,
            "application/json": s.VersionCreateInput,
        },
        responses={201: s.DocumentOutput, **ERRORS},
        description="Replace the file: a new version. Earlier versions stay in the trail.",
    )
    def post(self, request, document_id):
        try:
            document = _owned_document(request, document_id)
        except NotFound:
            self.discard_unused_upload(request)
            raise
        _fields, blob = self.input_and_blob(request, s.VersionCreateInput)
        services.document_version_add(owner=request.user, document=document, blob=blob)
        document.refresh_from_db()
        return Response(
            serialize_documents([document], request.user)[0], status=status.HTTP_201_CREATED
        )


class DocumentContentApi(APIView):
    @extend_schema(
        operation_id="vault_documents_content",
        summary="Download the decrypted content (Range supported)",
        parameters=[OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False)],
        # Served with the stored type of the file (the vault stores only ALLOWED_TYPES).
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in ALLOWED_TYPES},
            **{(206, media): OpenApiTypes.BINARY for media in ALLOWED_TYPES},
            416: OpenApiResponse(description="Range not satisfiable."),
            410: OpenApiResponse(description="Content destroyed."),
            **ERRORS,
        },
    )
    def get(self, request, document_id):
        document = _visible_document(request, document_id)
        version = document.current_version
        if version is None:
            raise NotFound(_("This document has no file."))
        if request.headers.get("If-None-Match") == f'"{version.sha256}"':
            if document.owner_id != request.user.pk:  # a grantee re-checking a cached copy
                services.document_access_record(
                    document=document,
                    actor=request.user,
                    event=TrailEvent.DOWNLOAD,
                    data={"not_modified": True},
                )
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{version.sha256}"'}
            )
        return content_response(
            request=request, document=document, version=version, disposition="attachment"
        )


class DocumentReceiptApi(APIView):
    @extend_schema(
        operation_id="vault_documents_receipt",
        summary="The signed upload receipt of a version",
        parameters=[OpenApiParameter("version", int, required=False)],
        responses={200: s.ReceiptOutput, **ERRORS},
    )
    def get(self, request, document_id):
        document = _visible_document(request, document_id)
        query = s.ReceiptQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("version")
        version = (
            document.versions.filter(number=number).first() if number else document.current_version
        )
        if version is None:
            raise NotFound(_("No such version."))
        if document.owner_id != request.user.pk:
            services.document_access_record(
                document=document,
                actor=request.user,
                event=TrailEvent.VIEW,
                data={"receipt_version": version.number},
            )
        return Response(version.receipt)


class SharedWithMeApi(APIView):
    @extend_schema(
        operation_id="vault_shared_with_me",
        summary="Documents shared with you",
        parameters=[
            KIND_PARAM,
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, required=False),
        ],
        responses={200: paginated(s.SharedDocumentOutput), **ERRORS},
    )
    def get(self, request):
        qs = selectors.shared_with_me(user=request.user, kind=request.query_params.get("kind"))
        paginator, page = paginate(self, request, qs)
        return paginator.get_paginated_response(s.SharedDocumentOutput(page, many=True).data)


class GrantListCreateApi(APIView):
    @extend_schema(
        operation_id="vault_grants_list",
        summary="Your grants (who may see which documents)",
        parameters=[OpenApiParameter("updated_since", OpenApiTypes.DATETIME, required=False)],
        responses={200: paginated(s.GrantOutput), **ERRORS},
    )
    def get(self, request):
        paginator, page = paginate(
            self, request, selectors.grant_list(user=request.user), ordering=("-created_at", "-id")
        )
        return paginator.get_paginated_response(s.GrantOutput(page, many=True).data)

    @extend_schema(
        operation_id="vault_grants_create",
        summary="Share documents with a caseworker or inspector",
        request=s.GrantInput,
        responses={201: s.GrantOutput, **ERRORS},
    )
    def post(self, request):
        data = s.GrantInput(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_create(
            owner=request.user,
            request=services.GrantRequest(
                grantee_username=data.validated_data["grantee"],
                document_ids=data.validated_data["document_ids"],
                expires_at=data.validated_data.get("expires_at"),
            ),
        )
        grant = selectors.grant_list(user=request.user).get(pk=grant.pk)
        return Response(s.GrantOutput(grant).data, status=status.HTTP_201_CREATED)


class GrantDetailApi(APIView):
    @extend_schema(
        operation_id="vault_grants_destroy",
        summary="Revoke a grant",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, grant_id):
        grant = (
            selectors.grant_list(user=request.user).filter(pk=grant_id, owner=request.user).first()
        )
        if grant is None:
            raise NotFound(_("Grant not found."))
        services.grant_revoke(owner=request.user, grant=grant)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrailApi(APIView):
    @extend_schema(
        operation_id="vault_trail",
        parameters=[
            OpenApiParameter(
                "others", bool, required=False, description="Only events by someone other than you."
            )
        ],
        responses={
            200: paginated(s.TrailEntryOutput, verification=s.TrailVerificationOutput),
            **ERRORS,
        },
        description="Your trail, newest first, with `verification` of the whole hash chain.",
    )
    def get(self, request):
        from backend.vault.keyring import vault_get_or_create

        vault = vault_get_or_create(request.user)
        qs = selectors.trail_list(
            user=request.user, others_only=request.query_params.get("others") in ("1", "true")
        )
        paginator = CursorPagination()
        paginator.ordering = ("-position",)
        page = paginator.paginate_queryset(qs, request, view=self)
        context = {"owner_ref": actor_ref(vault, request.user)}
        response = paginator.get_paginated_response(
            s.TrailEntryOutput(page, many=True, context=context).data
        )
        response.data["verification"] = s.TrailVerificationOutput(trail_verification(vault)).data
        return response


class BundleCreateApi(APIView):
    @extend_schema(
        operation_id="vault_bundles_create",
        request=s.BundleInput,
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERRORS},
        description="A ZIP with the chosen files, a signed manifest (hashes, receipts, trail "
        "excerpt) and a readable summary. Check it offline with `manage.py verify_bundle`.",
    )
    def post(self, request):
        data = s.BundleInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["document_ids"]))
        found = {d.id: d for d in selectors.document_list(user=request.user).filter(id__in=ids)}
        documents = [found[i] for i in ids if i in found]
        if len(documents) != len(ids):
            raise NotFound(_("One or more documents were not found."))
        filename, chunks = bundle_stream(documents=documents, actor=request.user)
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class PublicKeyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="vault_public_key",
        summary="The platform's public key for checking receipts",
        responses={200: s.PublicKeyOutput},
    )
    def get(self, request):
        return Response(s.PublicKeyOutput(public_key_info()).data)
