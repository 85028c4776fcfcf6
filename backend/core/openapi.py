"""OpenAPI pieces every app shares: the paginated list shapes and the error envelope.

- ``paginated(Output)`` documents a list answered by a paginator in a plain ``APIView``
  (``generics.ListAPIView`` gets this from drf-spectacular already): ``{"next", "previous",
  "results"}`` for cursor pagination, plus ``"count"`` for page numbers, plus ``extra`` fields.
- ``postprocess`` (a drf-spectacular postprocessing hook, see ``SPECTACULAR_SETTINGS``) gives
  every 4xx/5xx response without a body schema the ``ErrorEnvelope`` schema, because every error
  is rendered by ``backend.core.exception_handler`` in that shape (and a 415 to every operation
  with a request body), and adds the ``cursor`` /
  ``page`` and ``page_size`` query parameters to every paginated list that does not name them.
"""

from __future__ import annotations

from functools import cache

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_ENVELOPE = "ErrorEnvelope"
_ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
_PAGE_PARAMETERS = {
    "cursor": {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The opaque cursor from `next` or `previous`.",
        "schema": {"type": "string"},
    },
    "page": {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Page number (from 1).",
        "schema": {"type": "integer"},
    },
    "page_size": {
        "name": "page_size",
        "in": "query",
        "required": False,
        "description": "Rows per page.",
        "schema": {"type": "integer"},
    },
}


@cache
def _paginated(
    output: type[serializers.Serializer], style: str, extra: tuple
) -> type[serializers.Serializer]:
    name = output.__name__.removesuffix("Serializer")
    fields: dict[str, serializers.Field] = {
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": output(many=True),
    }
    if style == "page":
        fields = {"count": serializers.IntegerField(), **fields}
    fields.update({key: factory() for key, factory in extra})
    suffix = "Page" if style == "page" else "List"
    return type(f"Paginated{name}{suffix}", (serializers.Serializer,), fields)


def paginated(
    output: type[serializers.Serializer], *, style: str = "cursor", **extra
) -> type[serializers.Serializer]:
    """A serializer class describing a page of ``output`` (``style``: ``cursor`` or ``page``).

    ``extra`` names additional top-level fields as zero-argument factories, e.g.
    ``suppressed=serializers.BooleanField``.
    """
    if style not in ("cursor", "page"):
        raise ValueError(style)
    return _paginated(output, style, tuple(sorted(extra.items())))


def _component(result: dict, ref: str) -> dict:
    return result.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})


def postprocess(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_ENVELOPE, _ERROR_ENVELOPE_SCHEMA)
    envelope = {"$ref": f"#/components/schemas/{ERROR_ENVELOPE}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "requestBody" in operation:
                # DRF answers a body in a media type the view has no parser for with a 415.
                operation["responses"].setdefault(
                    "415", {"description": "Unsupported media type (error envelope)."}
                )
            for code, response in operation["responses"].items():
                if str(code)[:1] in "45" and not response.get("content"):
                    response["content"] = {"application/json": {"schema": dict(envelope)}}
            if method != "get":
                continue
            body = operation["responses"].get("200", {}).get("content", {})
            ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
            properties = _component(result, ref).get("properties", {})
            if not {"next", "previous", "results"} <= set(properties):
                continue
            wanted = ("page", "page_size") if "count" in properties else ("cursor", "page_size")
            parameters = operation.setdefault("parameters", [])
            named = {(p.get("name"), p.get("in")) for p in parameters}
            for name in wanted:
                if (name, "query") not in named:
                    parameters.append(dict(_PAGE_PARAMETERS[name]))
    return result


class BodyOnDeleteSchema(AutoSchema):
    """Documents the request body of a DELETE, which drf-spectacular only does for PUT, PATCH
    and POST. ``DELETE /api/v1/me`` re-confirms the password in its body (OpenAPI 3.0 allows a
    DELETE body), and clients generated from the schema must know to send it."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
