"""Every API error comes back in one envelope: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


class CrashApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("boom +66812345678")

    def post(self, request):  # pragma: no cover - never reached
        return Response({})


def crash_plain_view(request):
    raise RuntimeError("plain boom")


# Used via @pytest.mark.urls(__name__): the real API plus two views that crash.
urlpatterns = [
    path("api/v1/", include("backend.accounts.api.urls")),
    path("api/v1/test-crash", CrashApi.as_view()),
    path("api/v1/test-crash-plain", crash_plain_view),
]
handler404 = "backend.core.views.not_found"
handler500 = "backend.core.views.server_error"


def _assert_envelope(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_validation_error_is_400_with_fields(api):
    error = _assert_envelope(api.post("/api/v1/auth/register", {}), 400, "validation_error")

    assert set(error["fields"]) == {"phone", "password"}
    assert all(isinstance(m, list) and m for m in error["fields"].values())


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/auth/token", "{not json", content_type="application/json")

    _assert_envelope(response, 400, "malformed_request")


def test_unsupported_media_type_is_415(api):
    response = api.post("/api/v1/auth/token", "phone=1", content_type="text/plain")

    _assert_envelope(response, 415, "unsupported_media_type")


def test_not_authenticated_is_401_with_challenge(api):
    response = api.get("/api/v1/me")

    _assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    _assert_envelope(api.get("/api/v1/me"), 401, "authentication_failed")


def test_permission_denied_is_403(auth_client):
    worker = WorkerFactory()

    _assert_envelope(auth_client(worker).get("/api/v1/organisations"), 403, "permission_denied")


def test_unknown_api_url_is_404_envelope(api):
    _assert_envelope(api.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_object_is_404_envelope(auth_client):
    client = auth_client(WorkerFactory())

    _assert_envelope(
        client.delete("/api/v1/me/devices/00000000-0000-0000-0000-000000000000"), 404, "not_found"
    )


def test_wrong_method_is_405(api):
    _assert_envelope(api.get("/api/v1/auth/token"), 405, "method_not_allowed")


@pytest.mark.urls(__name__)
def test_crash_in_api_view_is_500_envelope_without_details(api):
    response = api.get("/api/v1/test-crash")

    error = _assert_envelope(response, 500, "server_error")
    assert "boom" not in error["message"]
    assert "boom" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_crash_outside_drf_is_500_envelope():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/test-crash-plain")

    _assert_envelope(response, 500, "server_error")


def test_throttled_is_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login_client": "1/hour",
        },
    }
    api.post("/api/v1/auth/token", {"username": "a", "password": "b"})

    response = api.post("/api/v1/auth/token", {"username": "c", "password": "d"})

    _assert_envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response["Retry-After"] in response.json()["error"]["message"]


def test_bad_updated_since_is_400(auth_client):
    client = auth_client(WorkerFactory())

    error = _assert_envelope(
        client.get("/api/v1/me/devices", {"updated_since": "2026-13-45"}), 400, "validation_error"
    )
    assert "updated_since" in error["fields"]


def test_naive_updated_since_is_400(auth_client):
    client = auth_client(WorkerFactory())

    response = client.get("/api/v1/me/devices", {"updated_since": "2026-01-01T00:00:00"})

    _assert_envelope(response, 400, "validation_error")
