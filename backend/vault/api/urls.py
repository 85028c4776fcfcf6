from django.urls import path

from backend.vault.api import resumable_views, views

urlpatterns = [
    path("vault/documents/", views.DocumentListCreateApi.as_view(), name="vault-documents"),
    path(
        "vault/documents/<uuid:document_id>/",
        views.DocumentDetailApi.as_view(),
        name="vault-document",
    ),
    path(
        "vault/documents/<uuid:document_id>/versions",
        views.DocumentVersionCreateApi.as_view(),
        name="vault-document-versions",
    ),
    path(
        "vault/documents/<uuid:document_id>/content",
        views.DocumentContentApi.as_view(),
        name="vault-document-content",
    ),
    path(
        "vault/documents/<uuid:document_id>/receipt",
        views.DocumentReceiptApi.as_view(),
        name="vault-document-receipt",
    ),
    path("vault/uploads/", resumable_views.UploadCreateApi.as_view(), name="vault-uploads"),
    path(
        "vault/uploads/<uuid:upload_id>",
        resumable_views.UploadDetailApi.as_view(),
        name="vault-upload",
    ),
    path("vault/grants/", views.GrantListCreateApi.as_view(), name="vault-grants"),
    path("vault/grants/<uuid:grant_id>/", views.GrantDetailApi.as_view(), name="vault-grant"),
    path("vault/shared-with-me/", views.SharedWithMeApi.as_view(), name="vault-shared"),
    path("vault/trail/", views.TrailApi.as_view(), name="vault-trail"),
    path("vault/bundles/", views.BundleCreateApi.as_view(), name="vault-bundles"),
    path("vault/public-key", views.PublicKeyApi.as_view(), name="vault-public-key"),
]
