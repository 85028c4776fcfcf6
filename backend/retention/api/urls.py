from django.urls import path

from backend.retention.api import views

urlpatterns: list = [
    path("retention-policy", views.RetentionPolicyApi.as_view(), name="retention-policy"),
    path("me/legal-holds", views.MyLegalHoldListApi.as_view(), name="my-legal-holds"),
    path(
        "complaints/<uuid:complaint_id>/legal-holds",
        views.ComplaintLegalHoldCreateApi.as_view(),
        name="complaint-legal-holds",
    ),
    path("me/export", views.MyExportApi.as_view(), name="my-export"),
    path("me/export/<uuid:export_id>", views.MyExportDetailApi.as_view(), name="my-export-detail"),
    path(
        "me/export/<uuid:export_id>/download",
        views.MyExportDownloadApi.as_view(),
        name="my-export-download",
    ),
    path(
        "statistics/complaints/archived",
        views.ArchivedComplaintStatisticsApi.as_view(),
        name="complaint-statistics-archived",
    ),
    path("legal-holds/<uuid:hold_id>/end", views.LegalHoldEndApi.as_view(), name="legal-hold-end"),
]
