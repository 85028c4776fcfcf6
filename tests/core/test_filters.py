"""``?updated_since=`` on list endpoints: impossible dates and offsets are a 400 envelope."""

from __future__ import annotations

import pytest

from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/devices"


@pytest.mark.parametrize(
    "value",
    [
        "2026-13-45T00:00:00Z",  # month 13: parse_datetime raises ValueError
        "2026-02-30T00:00:00Z",
        "2026-01-01T25:00:00Z",
        "2026-01-01T00:00:00+99:00",  # offset beyond 24 h
        "2026-01-01T00:00:00 99:00",  # the same with the "+" unencoded in the query string
        "9999-12-31T23:59:59-23:59",  # valid, but past year 9999 once in UTC
        "0001-01-01T00:00:00+01:00",  # before year 1 once in UTC
    ],
)
def test_impossible_updated_since_is_a_400_envelope(auth_client, value):
    client = auth_client(WorkerFactory())

    response = client.get(URL, {"updated_since": value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["updated_since"]


def test_an_offset_updated_since_still_filters(auth_client):
    client = auth_client(WorkerFactory())

    assert client.get(URL, {"updated_since": "2000-01-01T07:00:00+07:00"}).json()["results"]
    assert client.get(URL, {"updated_since": "9999-01-01T00:00:00+07:00"}).json()["results"] == []
