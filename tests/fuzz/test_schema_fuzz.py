"""Schema fuzzing with schemathesis: every documented operation x every role (tests/fuzz/world.py).

Each generated request (valid and schema-violating ones alike) goes through the real WSGI
handler with a real JWT; the answer must

- never be a 5xx (``not_a_server_error``),
- have a documented status code, Content-Type and headers, and match its documented body schema
  (``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``),
- for every error under /api/, be the error envelope ``{"error": {"code", "message", "fields"}}``
  (``error_envelope`` below, which also covers statuses the schema has no body for).

Two of schemathesis' checks are switched off, on purpose:

- ``positive_data_acceptance`` wants every schema-valid request answered with a 2xx. The API
  rightly answers many of them with a 400 in the envelope for rules a schema cannot state: a
  username or id that must exist, an opaque cursor, a phone number libphonenumber rejects,
  "send either ``up_to`` or ``notification_id``", an agency that does not serve the corridor.
- ``negative_data_rejection`` wants every schema-violating request refused. DRF ignores unknown
  query parameters and falls back to the default for an unusable ``page_size`` by design, and
  the tus endpoints refuse a bad ``Tus-Resumable`` with tus' own 412.

Path parameters are A's real ids in about half of the examples (so requests reach the code behind
the permission checks) and generated ones otherwise.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz.world import ROLES

MAX_EXAMPLES = 5


def _raw_schema() -> dict:
    """The schema /api/v1/schema/ serves, generated in-process (no request, no database)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


# The tus PATCH body is raw bytes (the view reads the stream itself): send it as such.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            # The coverage phase sends dozens of fixed cases per operation whatever max_examples
            # says (too slow for every role in the normal suite); the fuzzing phase covers the
            # same parameters with generated values.
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_dict(_raw_schema(), config=CONFIG)
schema.app = WSGIHandler()


def error_envelope(ctx, response, case):
    """Every 4xx/5xx is ``{"error": {"code": str, "message": str, "fields": {str: [str]}}}``."""
    if response.status_code < 400:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
        f"{response.status_code} is not JSON: {response.headers.get('content-type')}"
    )
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str), error
    assert isinstance(error["fields"], dict), error
    for name, messages in error["fields"].items():
        assert isinstance(messages, list), (name, messages)
        assert all(isinstance(m, str) for m in messages), (name, messages)
    return True


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@schema.given(real_ids=st.booleans())
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
def test_operation(case, real_ids, role, fuzz_world, db):
    if real_ids:
        for name in case.path_parameters or {}:
            if name in fuzz_world.params:
                case.path_parameters[name] = fuzz_world.params[name]
    # The in-process transport does not decompress; a phone's HTTP client does.
    headers = {"Accept-Encoding": "identity", **fuzz_world.headers(role)}
    case.call_and_validate(headers=headers, additional_checks=[error_envelope])


class _Answer:
    """The little of a schemathesis response that ``error_envelope`` reads."""

    def __init__(self, status_code: int, body, content_type: str = "application/json"):
        self.status_code = status_code
        self.headers = {"content-type": [content_type]}
        self._body = body

    def json(self):
        return self._body


GOOD_ENVELOPE = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@pytest.mark.parametrize(
    ("answer"),
    [
        _Answer(404, {"detail": "Not found."}),  # DRF's default shape
        _Answer(400, {"error": {"code": "x", "message": "y"}}),  # no fields
        _Answer(400, {"error": {"code": "x", "message": "y", "fields": {"a": "b"}}}),
        _Answer(400, {**GOOD_ENVELOPE, "detail": "extra"}),
        _Answer(500, GOOD_ENVELOPE, content_type="text/html"),
    ],
)
def test_error_envelope_check_rejects_other_shapes(answer):
    with pytest.raises(AssertionError):
        error_envelope(None, answer, None)


def test_error_envelope_check_accepts_the_envelope_and_ignores_successes():
    assert error_envelope(None, _Answer(404, GOOD_ENVELOPE), None) is True
    assert error_envelope(None, _Answer(200, {"detail": "fine"}), None) is None
