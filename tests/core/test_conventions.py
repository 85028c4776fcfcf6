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


# --- The schema tells the truth about errors and lists -----------------------------------------


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def test_every_error_response_of_every_operation_has_the_envelope_schema(schema):
    checked = 0
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code[0] not in "45":
                continue
            ref = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert ref.get("$ref", "").endswith("/ErrorEnvelope"), (path, method, code)
            checked += 1
    assert checked > 100  # every app's endpoints, not only the accounts ones
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]


def _paginated_lists(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        if method != "get":
            continue
        body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        ref = body.get("schema", {}).get("$ref", "")
        properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        if {"next", "previous", "results"} <= set(properties):
            yield path, operation, set(properties)


def test_paginated_lists_document_their_page_parameters(schema):
    lists = list(_paginated_lists(schema))
    assert len(lists) >= 15
    for path, operation, properties in lists:
        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        expected = {"page", "page_size"} if "count" in properties else {"cursor", "page_size"}
        assert expected <= params, path


def test_no_list_endpoint_is_documented_as_a_bare_array_when_it_answers_a_page(schema):
    """A list view that paginates must not be documented as a plain JSON array."""
    bare = {
        path
        for path, method, operation in _operations(schema)
        if method == "get"
        and operation["responses"]
        .get("200", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
        .get("type")
        == "array"
    }
    # The one plain list: a review's moderation decisions (a handful, never paged).
    assert bare == {"/api/v1/moderation/reviews/{review_id}/decisions"}


@pytest.mark.parametrize(
    ("path", "factory"),
    [
        ("/api/v1/agencies/", None),
        ("/api/v1/complaints/", WorkerFactory),
        ("/api/v1/devices/push-tokens", WorkerFactory),
        ("/api/v1/inspection/queue", InspectorFactory),
        ("/api/v1/me/devices", WorkerFactory),
        ("/api/v1/me/reviews/", WorkerFactory),
        ("/api/v1/moderation/reviews/", ModeratorFactory),
        ("/api/v1/notifications/", WorkerFactory),
        ("/api/v1/organisations", InspectorFactory),
        ("/api/v1/vault/documents/", WorkerFactory),
        ("/api/v1/vault/grants/", WorkerFactory),
        ("/api/v1/vault/shared-with-me/", CaseworkerFactory),
        ("/api/v1/vault/trail/", WorkerFactory),
    ],
)
def test_lists_answer_in_the_documented_shape(schema, api, auth_client, path, factory):
    documented = {p: props for p, _op, props in _paginated_lists(schema)}
    client = api if factory is None else auth_client(factory())

    response = client.get(path)

    assert response.status_code == 200, response.content
    assert set(response.json()) == documented[path]


def test_every_operation_is_described(schema):
    for path, method, operation in _operations(schema):
        assert operation.get("summary") or operation.get("description"), (path, method)
        assert any(code[0] in "45" for code in operation["responses"]) or path in {
            "/api/v1/retention-policy",
            "/api/v1/vault/public-key",
        }, (path, method)


@pytest.mark.parametrize(
    ("path", "factory"),
    [
        ("/api/v1/agencies/", None),
        ("/api/v1/complaints/", WorkerFactory),
        ("/api/v1/inspection/queue", InspectorFactory),
        ("/api/v1/me/reviews/", WorkerFactory),
        ("/api/v1/notifications/", WorkerFactory),
        ("/api/v1/vault/documents/", WorkerFactory),
        ("/api/v1/vault/trail/", WorkerFactory),
    ],
)
def test_every_kind_of_list_honours_if_none_match(api, auth_client, path, factory):
    client = api if factory is None else auth_client(factory())
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"]

    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    stale = client.get(path, HTTP_IF_NONE_MATCH='"not-the-etag"')

    assert again.status_code == 304 and again.content == b""
    assert stale.status_code == 200


def test_a_changed_list_gets_a_new_etag(auth_client):
    from tests.complaints.conftest import file_complaint

    worker = WorkerFactory()
    client = auth_client(worker)
    before = client.get("/api/v1/complaints/")
    file_complaint(worker)

    after = client.get("/api/v1/complaints/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert len(after.json()["results"]) == 1


def test_interactive_docs_are_served_and_point_at_the_schema(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page.lower()
    assert "/api/v1/schema/" in page


def test_account_erasure_documents_its_password_body(schema):
    """drf-spectacular drops DELETE bodies by default; a client generated from the schema must
    still know that ``DELETE /me`` needs the password (backend.core.openapi.BodyOnDeleteSchema)."""
    body = schema["paths"]["/api/v1/me"]["delete"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["password"]
