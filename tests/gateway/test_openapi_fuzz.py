"""Property-based requests, generated from the OpenAPI document, against the app in-process.

Schemathesis makes schema-valid and schema-breaking requests for every operation (bodies, parameters,
content types, methods) and checks each answer: no 5xx, a documented status, a documented body and
content type. Data the schema allows but a domain rule refuses (an address that is not an email, a weak
password) rightly answers 400, so the check that valid-looking data is accepted is left out. Examples
are derandomized, so a run is repeatable and bounded.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ocg.api import api
from ocg.identity.models import User
from ocg.identity.tokens import issue_token_pair
from ocg.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application


@pytest.fixture
def bearer(transactional_db, settings) -> dict[str, str]:
    settings.RATE_LIMITS = {scope: (1_000_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user("fuzz@example.com", "a-long-password-9")
    return {"Authorization": f"Bearer {issue_token_pair(user, 'password')['access']}"}


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case, bearer):
    headers = bearer if case.operation.definition.raw.get("security") else None
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
