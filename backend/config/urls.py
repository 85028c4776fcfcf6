from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.core import health

handler400 = "backend.core.views.bad_request"
handler403 = "backend.core.views.permission_denied"
handler404 = "backend.core.views.not_found"
handler500 = "backend.core.views.server_error"

api_v1 = [
    path("", include("backend.accounts.api.urls")),
    path("", include("backend.vault.api.urls")),
    path("", include("backend.agencies.api.urls")),
    path("", include("backend.complaints.api.urls")),
    path("", include("backend.notifications.api.urls")),
    path("", include("backend.retention.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    # GET/HEAD only: OPTIONS would hand DRF's metadata to the HTML template renderer (a 500).
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("console/", include("backend.console.urls")),
]
