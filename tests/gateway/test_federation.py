"""The schema is a federation subgraph: its SDL declares the entity keys and `_entities` resolves them."""

from uuid import uuid4

from ocg.catalog.projections import CatalogProjection
from ocg.spine.projections import ProjectionRunner
from tests.spine.workload import create_product

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id name price { amount currency } } }
}"""


def post(client, query, *, user=None, **variables):
    headers = {}
    if user is not None:
        from ocg.identity import tokens

        headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens.issue_token_pair(user, 'password')['access']}"
    body = {"query": query, "variables": variables}
    response = client.post("/graphql", body, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_service_sdl_declares_product_as_an_entity(client):
    sdl = post(client, "{ _service { sdl } }")["data"]["_service"]["sdl"]
    assert 'type Product @key(fields: "id")' in sdl
    assert 'type User @key(fields: "id")' in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.3"' in sdl


def test_entities_resolve_products_by_reference_for_those_who_may_see_them(client, catalog):
    from ocg.identity.models import User

    product = create_product(catalog, "Silk Gown", "2400.00")
    ProjectionRunner(CatalogProjection()).catch_up()
    staff = User.objects.create_superuser("staff@example.com", "a-long-password")
    representations = [
        {"__typename": "Product", "id": str(product)},
        {"__typename": "Product", "id": str(uuid4())},
    ]

    body = post(client, ENTITIES, user=staff, representations=representations)

    assert "errors" not in body
    assert body["data"]["_entities"] == [
        {"id": str(product), "name": "Silk Gown", "price": {"amount": "2400.00", "currency": "EUR"}},
        None,
    ]
    # A draft is its designer's and staff's: another subgraph asking anonymously learns nothing of it.
    anonymous = post(client, ENTITIES, representations=representations)
    assert "errors" not in anonymous and anonymous["data"] == {"_entities": [None, None]}


def test_a_malformed_reference_is_a_clear_client_error(client, transactional_db):
    body = post(client, ENTITIES, representations=[{"__typename": "Product", "id": "not-a-uuid"}])
    assert body["data"] is None
    assert "UUID cannot represent value" in body["errors"][0]["message"]


ACCOUNTS = """
query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id email } } }
"""


def test_accounts_resolve_by_reference_only_for_themselves_or_staff(client, event_store):
    from ocg.identity import tokens
    from ocg.identity.models import User

    ada = User.objects.create_user("ada@example.com", "a-long-password")
    bob = User.objects.create_user("bob@example.com", "a-long-password")
    staff = User.objects.create_superuser("staff@example.com", "a-long-password")
    references = [{"__typename": "User", "id": str(ada.id)}, {"__typename": "User", "id": str(bob.id)}]

    def entities_as(user):
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens.issue_token_pair(user, 'password')['access']}"
        body = {"query": ACCOUNTS, "variables": {"representations": references}}
        return client.post("/graphql", body, content_type="application/json", **headers).json()["data"]["_entities"]

    assert entities_as(None) == [None, None]
    assert entities_as(ada) == [{"id": str(ada.id), "email": "ada@example.com"}, None]
    assert entities_as(staff) == [
        {"id": str(ada.id), "email": "ada@example.com"},
        {"id": str(bob.id), "email": "bob@example.com"},
    ]
