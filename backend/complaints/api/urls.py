from django.urls import path

from backend.complaints.api import views

urlpatterns = [
    path("complaints/", views.ComplaintListCreateApi.as_view(), name="complaints"),
    path("complaints/lookup", views.ComplaintLookupApi.as_view(), name="complaints-lookup"),
    path("complaints/<uuid:complaint_id>/", views.ComplaintDetailApi.as_view(), name="complaint"),
    path(
        "complaints/<uuid:complaint_id>/transitions",
        views.ComplaintTransitionApi.as_view(),
        name="complaint-transitions",
    ),
    path(
        "complaints/<uuid:complaint_id>/messages/",
        views.ComplaintMessagesApi.as_view(),
        name="complaint-messages",
    ),
    path(
        "complaints/<uuid:complaint_id>/evidence",
        views.ComplaintEvidenceApi.as_view(),
        name="complaint-evidence",
    ),
    path(
        "complaints/<uuid:complaint_id>/invitations",
        views.ComplaintInvitationApi.as_view(),
        name="complaint-invitations",
    ),
    path(
        "complaints/<uuid:complaint_id>/invitations/<uuid:invitation_id>",
        views.ComplaintInvitationDetailApi.as_view(),
        name="complaint-invitation",
    ),
    path("inspection/queue", views.InspectionQueueApi.as_view(), name="inspection-queue"),
    path(
        "statistics/complaints",
        views.ComplaintStatisticsApi.as_view(),
        name="complaint-statistics",
    ),
]
