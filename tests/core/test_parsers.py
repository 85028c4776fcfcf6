"""Request bodies the JSON parser cannot read are a 400 envelope, never a 500."""

from __future__ import annotations

import io

import pytest
from rest_framework.exceptions import ParseError

from backend.accounts.models import Device
from backend.core.parsers import JSONParser
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000


def _assert_malformed(response):
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert error["fields"] == {}
    assert "nested too deeply" in error["message"]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_on_the_anonymous_sign_in_is_400(api, body):
    response = api.post("/api/v1/auth/token", body, content_type="application/json")

    _assert_malformed(response)
    assert not Device.objects.exists()


def test_deeply_nested_json_on_a_signed_in_patch_is_400_and_changes_nothing(auth_client):
    worker = WorkerFactory(display_name="Aye")
    client = auth_client(worker)

    response = client.patch("/api/v1/me", DEEP_ARRAY, content_type="application/json")

    _assert_malformed(response)
    worker.refresh_from_db()
    assert worker.display_name == "Aye"


def test_ordinary_json_still_parses(auth_client):
    worker = WorkerFactory(display_name="Aye")

    response = auth_client(worker).patch("/api/v1/me", {"display_name": "Mya"}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"] == "Mya"


def test_the_project_parser_is_the_default(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] == ["backend.core.parsers.JSONParser"]


@pytest.mark.parametrize(
    ("raw", "context"),
    [
        (b"{not json", {}),
        (b"\xff\xfe\x00", {}),
        (b"{}", {"encoding": "no-such-charset"}),
        (b"[NaN]", {}),
    ],
    ids=["syntax", "undecodable", "unknown-charset", "nan"],
)
def test_parser_turns_every_unreadable_body_into_a_parse_error(raw, context):
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(raw), parser_context=context)
