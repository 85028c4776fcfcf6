"""API conventions: the OpenAPI schema, role boundaries, list query counts, conditional GET."""

from __future__ import annotations

import re

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from tests.factories import (
    AdminFactory,
    CaseworkerFactory,
    InspectorFactory,
    ModeratorFactory,
    OrganisationFactory,
    UserFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

ACCOUNT_OPERATIONS = {
    ("/api/v1/auth/register", "post"),
    ("/api/v1/auth/verify-phone", "post"),
    ("/api/v1/auth/verify-phone/resend", "post"),
    ("/api/v1/auth/token", "post"),
    ("/api/v1/auth/token/refresh", "post"),
    ("/api/v1/auth/logout", "post"),
    ("/api/v1/me", "get"),
    ("/api/v1/me", "patch"),
    ("/api/v1/me/devices", "get"),
    ("/api/v1/me/devices/{device_id}", "delete"),
    ("/api/v1/organisations", "get"),
}
PUBLIC_PATHS = {path for path, _ in ACCOUNT_OPERATIONS if path.startswith("/api/v1/auth/")}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _api_url_patterns(patterns=None, prefix=""):
    """Every URL under /api/v1/ as an OpenAPI path template, e.g. /api/v1/me/devices/{id}."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_url_patterns(entry.url_patterns, pattern)
        elif isinstance(entry, URLPattern) and pattern.startswith("api/v1/"):
            yield re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", simplify_regex(pattern))


def test_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_every_api_url_is_documented(schema):
    documented = set(schema["paths"])
    urls = {url for url in _api_url_patterns() if url != "/api/v1/schema/"}

    assert urls, "no API URLs found"
    assert sorted(urls - documented) == []


def test_account_operations_are_documented_with_error_envelope(schema):
    for path, method in ACCOUNT_OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation.get("summary"), (path, method)
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        assert errors, (path, method)
        for response in errors.values():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorEnvelope"), (path, method)
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]


def test_security_is_documented(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    for path, method in ACCOUNT_OPERATIONS:
        security = schema["paths"][path][method].get("security", [])
        if path in PUBLIC_PATHS:
            assert not any(s for s in security), path
        else:
            assert {"jwtAuth": []} in security, path


def test_throttled_endpoints_document_429(schema):
    for path in ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/verify-phone"]:
        assert "429" in schema["paths"][path]["post"]["responses"]


@pytest.mark.parametrize(
    ("factory", "status"),
    [
        (WorkerFactory, 403),
        (lambda: UserFactory(role="agency_representative"), 403),
        (InspectorFactory, 200),
        (CaseworkerFactory, 200),
        (ModeratorFactory, 200),
        (AdminFactory, 200),
    ],
)
def test_staff_endpoint_by_role(auth_client, factory, status):
    response = auth_client(factory()).get("/api/v1/organisations")

    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]["code"] == "permission_denied"
        assert "results" not in response.json()


def test_worker_cannot_reach_staff_endpoint_and_sees_no_data(auth_client):
    OrganisationFactory(name="Secret shelter network")

    response = auth_client(WorkerFactory()).get("/api/v1/organisations")

    assert response.status_code == 403
    assert "Secret shelter" not in response.content.decode()


def test_staff_endpoint_needs_authentication(api):
    assert api.get("/api/v1/organisations").status_code == 401


def test_organisation_list_query_count_is_constant(auth_client, django_assert_num_queries):
    client = auth_client(InspectorFactory())
    OrganisationFactory()
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/organisations").json()["results"]) == 1
    OrganisationFactory.create_batch(15)
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/organisations").json()["results"]) == 16


def test_lists_answer_if_none_match_with_304(auth_client):
    client = auth_client(InspectorFactory())
    OrganisationFactory()
    first = client.get("/api/v1/organisations")

    again = client.get("/api/v1/organisations", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
