from django.urls import path

from backend.notifications.api import views

urlpatterns: list = [
    path("notifications/", views.NotificationListApi.as_view(), name="notifications"),
    path("notifications/read", views.NotificationReadApi.as_view(), name="notifications-read"),
    path(
        "notifications/<uuid:notification_id>/ack",
        views.NotificationAckApi.as_view(),
        name="notification-ack",
    ),
    path("devices/push-tokens", views.PushTokenListApi.as_view(), name="push-tokens"),
    path(
        "devices/push-tokens/<uuid:token_id>",
        views.PushTokenDeleteApi.as_view(),
        name="push-token",
    ),
    path(
        "me/notification-preferences",
        views.NotificationPreferenceApi.as_view(),
        name="notification-preferences",
    ),
]
