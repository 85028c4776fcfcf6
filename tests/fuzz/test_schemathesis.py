"""API fuzzing: schemathesis against the generated OpenAPI schema, in-process (WSGI).

Every operation of ``/api/v1/schema/`` gets the schema's examples plus a few generated cases
(valid and invalid input), each sent as every role. Each response must: not be a 5xx, use a
documented status code and content type, match the documented response schema, and — when it
is an error — use the error envelope ``{"error": {"code", "message", "fields"}}``.

Deterministic (fixed seed, derandomized, no example database) and small (``FUZZ_MAX_EXAMPLES``
per operation, default 4) so it fits in the normal suite; ``FUZZ_MAX_EXAMPLES=50`` runs a
deeper pass locally. See docs/security.md, "API fuzzing".
"""

from __future__ import annotations

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))
SEED = 20261204

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }
)

@schemathesis.check
def error_envelope(ctx, response, case):
    """Every API error is {"error": {"code": str, "message": str, "fields": object}}."""
    if response.status_code < 400 or not response.content:
        return None
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} body is not JSON") from exc
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and set(error) == {"code", "message", "fields"}, (
        f"{response.status_code} is not in the error envelope: {response.content[:200]!r}"
    )
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert isinstance(error["fields"], dict)
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope,
]


# Loaded at collection through the WSGI app (the schema view touches no database).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def role_headers(db):
    """Authorization headers for one signed-in user of every role, and none (anonymous)."""
    from backend.accounts.models import Role
    from backend.accounts.services import device_sign_in

    users = [
        factories.WorkerFactory(),
        factories.InspectorFactory(),
        factories.CaseworkerFactory(),
        factories.ModeratorFactory(),
        factories.UserFactory(role=Role.AGENCY_REPRESENTATIVE),
        factories.AdminFactory(),
    ]
    # identity: the in-process client does not undo gzip, and the checks must read the body.
    plain = {"Accept-Encoding": "identity"}
    headers = {"anonymous": plain}
    for user in users:
        tokens = device_sign_in(user=user, device_name="fuzz")
        headers[user.role] = {**plain, "Authorization": f"Bearer {tokens.access}"}
    return headers


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, role_headers):
    for headers in role_headers.values():
        cache.clear()  # throttles would answer 429 to the later roles
        case.call_and_validate(headers=headers, checks=CHECKS)
