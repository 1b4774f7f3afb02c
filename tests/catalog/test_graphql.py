"""The catalog slice over HTTP: GraphQL mutations with permissions and errors, queries, REST."""

import json
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.catalog.models import ProductView
from ocg.identity import tokens
from ocg.identity.models import Role, User

CREATE = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) {
    result { id name price { amount currency } designerId version }
    errors { field code message }
  }
}"""

RENAME = """
mutation($id: UUID!, $name: String!) {
  productRename(id: $id, name: $name) {
    result { id name version }
    errors { field code message }
  }
}"""


def graphql(client, query, **variables):
    response = client.post("/graphql", {"query": query, "variables": variables}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def graphql_raw(client, body: str):
    """A request body as a client wrote it, escapes included (json.dumps escapes a lone surrogate as \\ud800)."""
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def sign_in(client, user: User) -> None:
    """As the storefront does: a Bearer access token on every request, no session cookie."""
    access = tokens.issue_token_pair(user, "password")["access"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"


def make_user(role: str, email: str | None = None) -> User:
    return User.objects.create_user(email or f"{role}-{uuid4().hex[:6]}@example.com", "a-long-password", role=role)


@pytest.fixture
def designer(event_store):
    return make_user(Role.DESIGNER)


@pytest.fixture
def projected(run_projection):
    return run_projection("catalog_products")


def test_a_designer_creates_a_product_and_reads_it_back_at_once(client, designer, projected, catalog):
    sign_in(client, designer)
    body = graphql(client, CREATE, input={"name": "Silk Gown", "price": "2400.00", "currency": "EUR"})
    payload = body["data"]["productCreate"]
    assert payload["errors"] == []
    assert payload["result"]["name"] == "Silk Gown"
    assert payload["result"]["price"] == {"amount": "2400.00", "currency": "EUR"}
    assert payload["result"]["designerId"] == str(designer.id)
    assert ProductView.objects.filter(id=payload["result"]["id"]).exists()


@pytest.mark.parametrize(
    ("product_input", "field"),
    [
        ({"name": " ", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Silk\x00Gown", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Silk\x1b[31mGown", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Silk\x85Gown", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Silk\nGown", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Coat \u202etxt.exe", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "Silk\ud800Gown", "price": "10.00", "currency": "EUR"}, "name"),
        ({"name": "\ufb2c" * 67, "price": "10.00", "currency": "EUR"}, "name"),  # 201 code points after NFC
        ({"name": "Coat", "price": "ten", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "-1", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "0", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "10.50", "currency": "JPY"}, "price"),
        ({"name": "Coat", "price": "10.505", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "1e3", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "NaN", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "Infinity", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "1_000", "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "9" * 400, "currency": "EUR"}, "price"),
        ({"name": "Coat", "price": "10.00", "currency": "XYZ"}, "currency"),
        ({"name": "Coat", "price": "10.00", "currency": "XXX"}, "currency"),
        ({"name": "Coat", "price": "10.00", "currency": "DEM"}, "currency"),
        ({"name": "Coat", "price": "10.00", "currency": "EU\x00"}, "currency"),
    ],
)
def test_bad_input_gets_a_field_error_and_changes_nothing(client, designer, catalog, product_input, field):
    sign_in(client, designer)
    body = json.dumps({"query": CREATE, "variables": {"input": product_input}})
    payload = graphql_raw(client, body)["data"]["productCreate"]
    assert payload["result"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "invalid")]
    assert catalog.recorder.max_notification_id() is None


def test_a_lone_surrogate_escaped_in_json_gets_a_name_error(client, designer, catalog):
    sign_in(client, designer)
    product_input = '{"name": "Silk\\ud800Gown", "price": "10.00", "currency": "EUR"}'
    body = '{"query": ' + json.dumps(CREATE) + ', "variables": {"input": ' + product_input + "}}"
    assert "\\ud800" in body
    payload = graphql_raw(client, body)["data"]["productCreate"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("name", "invalid")]
    assert catalog.recorder.max_notification_id() is None


def test_a_json_number_as_price_is_refused_before_anything_runs(client, designer, catalog):
    sign_in(client, designer)
    variables = {"input": {"name": "Coat", "price": 10.5, "currency": "EUR"}}
    response = client.post("/graphql", {"query": CREATE, "variables": variables}, content_type="application/json")
    assert response.status_code == 400
    assert "input.price" in response.json()["errors"][0]["message"]
    assert catalog.recorder.max_notification_id() is None


@pytest.mark.parametrize(
    ("price", "currency", "amount"),
    [("125000", "JPY", "125000"), ("12.5", "BHD", "12.500"), ("2400.5", "eur", "2400.50"), (" 99 ", "CHF", "99.00")],
)
def test_prices_keep_their_currencys_minor_units(client, designer, projected, catalog, price, currency, amount):
    sign_in(client, designer)
    payload = graphql(client, CREATE, input={"name": "Coat", "price": price, "currency": currency})["data"]
    assert payload["productCreate"]["errors"] == []
    assert payload["productCreate"]["result"]["price"] == {"amount": amount, "currency": currency.upper()}


@pytest.mark.parametrize(("role", "code"), [(None, "unauthenticated"), (Role.CUSTOMER, "permission_denied")])
def test_only_designers_and_staff_create_products(client, catalog, role, code):
    if role:
        sign_in(client, make_user(role))
    payload = graphql(client, CREATE, input={"name": "Coat", "price": "10.00", "currency": "EUR"})["data"]
    assert payload["productCreate"]["errors"][0]["code"] == code
    assert catalog.recorder.max_notification_id() is None


def test_a_designer_renames_only_their_own_products(client, designer, projected, catalog):
    theirs = catalog.create_product("Coat", Decimal("10.00"), "EUR", designer_id=designer.id)
    someone_elses = catalog.create_product("Dress", Decimal("10.00"), "EUR", designer_id=uuid4())
    sign_in(client, designer)

    renamed = graphql(client, RENAME, id=str(theirs), name="Long Coat")["data"]["productRename"]
    refused = graphql(client, RENAME, id=str(someone_elses), name="Mine now")["data"]["productRename"]

    assert renamed["errors"] == [] and renamed["result"] == {"id": str(theirs), "name": "Long Coat", "version": 2}
    assert refused["errors"][0]["code"] == "permission_denied"
    assert catalog.repository.get(someone_elses).name == "Dress"


def test_staff_rename_any_product_and_unknown_ids_are_not_found(client, projected, catalog):
    product = catalog.create_product("Coat", Decimal("10.00"), "EUR", designer_id=uuid4())
    sign_in(client, User.objects.create_superuser("staff@example.com", "a-long-password"))

    renamed = graphql(client, RENAME, id=str(product), name="Staff Coat")["data"]["productRename"]
    missing = graphql(client, RENAME, id=str(uuid4()), name="Nothing")["data"]["productRename"]

    assert renamed["result"]["name"] == "Staff Coat"
    assert missing["errors"][0]["code"] == "not_found"


def test_product_list_queries_do_not_grow_with_page_size(client, catalog):
    """Each product's designer is a relation to another context: a page loads them all in one query."""
    from ocg.catalog.projections import ProductProjection
    from ocg.spine.projections import ProjectionRunner

    designers = [make_user(Role.DESIGNER) for _ in range(60)]
    for number, designer in enumerate(designers):
        User.objects.filter(pk=designer.pk).update(display_name=f"Atelier {number}")
        catalog.create_product(f"Piece {number}", Decimal("10.00"), "EUR", designer_id=designer.id)
    ProjectionRunner(ProductProjection()).catch_up()
    query = """query($first: Int!) {
      products(first: $first) { id name price { amount currency } designer { id displayName } }
      productCount
    }"""
    counts = []
    for first in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            data = graphql(client, query, first=first)["data"]
        assert len(data["products"]) == first
        assert data["productCount"] == 60
        for product in data["products"]:
            number = int(product["name"].removeprefix("Piece "))
            assert product["designer"] == {"id": str(designers[number].id), "displayName": f"Atelier {number}"}
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_designer_is_a_public_profile_and_null_when_absent_or_disabled(client, catalog):
    from ocg.catalog.projections import ProductProjection
    from ocg.spine.projections import ProjectionRunner

    shown, disabled = make_user(Role.DESIGNER), make_user(Role.DESIGNER)
    User.objects.filter(pk=shown.pk).update(display_name="Maison Ada")
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    ids = {
        catalog.create_product("Shown", Decimal("10.00"), "EUR", designer_id=shown.id): {
            "id": str(shown.id),
            "displayName": "Maison Ada",
        },
        catalog.create_product("Disabled", Decimal("10.00"), "EUR", designer_id=disabled.id): None,
        catalog.create_product("Staff", Decimal("10.00"), "EUR"): None,
    }
    ProjectionRunner(ProductProjection()).catch_up()

    listed = graphql(client, "{ products { id designer { id displayName } } }")["data"]["products"]
    assert {product["id"]: product["designer"] for product in listed} == {str(k): v for k, v in ids.items()}

    shown_product = next(product_id for product_id, designer in ids.items() if designer)
    one = graphql(client, "query($id: UUID!) { product(id: $id) { designer { displayName } } }", id=str(shown_product))
    assert one["data"]["product"]["designer"] == {"displayName": "Maison Ada"}
    email = client.post("/graphql", {"query": "{ products { designer { email } } }"}, content_type="application/json")
    assert email.status_code == 400
    assert "Cannot query field 'email'" in email.json()["errors"][0]["message"]


def test_page_size_is_bounded(client, transactional_db):
    body = graphql(client, "{ products(first: 1000) { id } }")
    assert body["errors"][0]["extensions"]["code"] == "invalid"
    assert "between 1 and 100" in body["errors"][0]["message"]


def test_rest_product_detail_and_structured_errors(client, catalog):
    from ocg.catalog.projections import ProductProjection
    from ocg.spine.projections import ProjectionRunner

    product = catalog.create_product("Coat", Decimal("1250.00"), "EUR")
    ProjectionRunner(ProductProjection()).catch_up()

    found = client.get(f"/api/catalog/products/{product}")
    missing = client.get(f"/api/catalog/products/{uuid4()}")
    malformed = client.get("/api/catalog/products/not-a-uuid")

    assert found.status_code == 200 and found.json()["price"] == "1250.00"
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "product_id"
    assert "Traceback" not in malformed.content.decode()
