"""HTTP middleware of our own."""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE_PREFIXES = (
    "application/json",
    "text/",
    "application/javascript",
    "application/xml",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


class CompressTextMiddleware(GZipMiddleware):
    """Gzip JSON and text only. Documents (PDF, JPEG, ZIP …) are already compressed: gzipping
    them burns CPU on a 2-core server for nothing and would break Content-Length and ranges."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(COMPRESSIBLE_PREFIXES):
            return response
        return super().process_response(request, response)
