from django.urls import path

from backend.accounts.api import views

urlpatterns: list = [
    path("auth/register", views.AuthRegisterApi.as_view(), name="auth-register"),
    path("auth/verify-phone", views.PhoneVerifyApi.as_view(), name="auth-verify-phone"),
    path(
        "auth/verify-phone/resend",
        views.PhoneVerifyResendApi.as_view(),
        name="auth-verify-phone-resend",
    ),
    path("auth/token", views.AuthTokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh", views.AuthTokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", views.AuthLogoutApi.as_view(), name="auth-logout"),
    path("me", views.MeDetailApi.as_view(), name="me"),
    path("me/devices", views.MeDeviceListApi.as_view(), name="me-devices"),
    path("me/devices/<uuid:device_id>", views.MeDeviceRevokeApi.as_view(), name="me-device"),
    path("organisations", views.OrganisationListApi.as_view(), name="organisations"),
]
