from django.urls import path, register_converter

from backend.agencies.api import views


class CountryCode:
    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(CountryCode, "country")

urlpatterns = [
    path("agencies/", views.AgencyListApi.as_view(), name="agency-list"),
    path("agencies/<uuid:agency_id>/", views.AgencyDetailApi.as_view(), name="agency-detail"),
    path(
        "agencies/<uuid:agency_id>/reviews/",
        views.AgencyReviewsApi.as_view(),
        name="agency-reviews",
    ),
    path("me/reviews/", views.OwnReviewListApi.as_view(), name="own-review-list"),
    path(
        "me/reviews/<uuid:review_id>/", views.OwnReviewDetailApi.as_view(), name="own-review-detail"
    ),
    path("reviews/<uuid:review_id>/flag", views.ReviewFlagApi.as_view(), name="review-flag"),
    path(
        "reviews/<uuid:review_id>/response",
        views.ReviewResponseApi.as_view(),
        name="review-response",
    ),
    path(
        "corridors/<country:origin>-<country:destination>/fees",
        views.CorridorFeesApi.as_view(),
        name="corridor-fees",
    ),
    path("moderation/reviews/", views.ModerationQueueApi.as_view(), name="moderation-reviews"),
    path(
        "moderation/reviews/<uuid:review_id>/decisions",
        views.ModerationDecisionApi.as_view(),
        name="moderation-decisions",
    ),
]
