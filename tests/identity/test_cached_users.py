"""Token checks read the user from the cache; every change to the user must reach the next request."""

import pytest
from django.core.cache import cache

from ocg.identity import cached_users, services, tokens
from tests.identity.conftest import bearer


def me(client, access: str) -> int:
    response = client.post("/graphql", {"query": "{ me { id } }"}, content_type="application/json", **bearer(access))
    return response.status_code


@pytest.fixture
def signed_in(client, user):
    access = tokens.issue_token_pair(user, "password")["access"]
    assert me(client, access) == 200
    assert cache.get(cached_users.cache_key(user.id)) is not None
    return access


def test_switching_a_user_off_by_saving_the_row_ends_their_tokens_at_once(client, user, signed_in):
    user.is_active = False
    user.save()
    assert me(client, signed_in) == 401


def test_revoking_all_tokens_by_queryset_update_reaches_the_next_request(client, user, signed_in):
    services.revoke_all_tokens(user)
    assert me(client, signed_in) == 401


def test_a_deleted_user_is_not_served_from_the_cache(client, user, signed_in):
    user.delete()
    assert me(client, signed_in) == 401


def test_a_signed_in_request_served_from_the_cache_asks_the_database_nothing(client, user, signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert me(client, signed_in) == 200
    assert len(queries) == 0
