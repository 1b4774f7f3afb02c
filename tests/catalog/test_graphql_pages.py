"""Product pages, the category tree, designers' profiles, a product's history and federation references, over
HTTP on PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.spine.domain.money import Money
from tests.catalog.graphql_support import (
    Role,
    catch_up,
    error_of,
    graphql,
    isolated_catalog,
    make_staff,
    make_user,
    seed_product,
    seed_shop,
    sign_in,
    upload_image,
)


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    yield from isolated_catalog(settings, tmp_path)


@pytest.fixture
def shop(catalog):
    return seed_shop(catalog)


PRODUCT = """
query($id: UUID, $slug: String) {
  product(id: $id, slug: $slug) {
    id slug name description status customizable materials careNotes inStock version
    price { amount currency }
    thumbnail { url width height }
    variants { sku size colour available inStock }
    images { id url width height altText contentType }
    designer { id name slug bio productCount }
    category { id name slug depth ancestors { name slug } }
  }
}"""


def test_a_product_page_shows_everything_a_page_needs(client, catalog, shop):
    ada = shop["ada"]
    coat = shop["ids"]["Camel Wool Coat"]
    catalog.update_product(
        coat, actor_id=None, acting_designer_id=None, materials=["Wool", "Cashmere"], care_notes="Dry clean."
    )
    catalog.add_variant(coat, sku="COAT-L-CAMEL", size="L", colour="Camel", actor_id=None, acting_designer_id=None)
    upload_image(catalog, coat, width=30, height=40)
    catch_up()

    product = graphql(client, PRODUCT, slug="camel-wool-coat")["data"]["product"]

    assert product["id"] == str(coat)
    assert product["status"] == "PUBLISHED"
    assert product["price"] == {"amount": "1200.00", "currency": "EUR"}
    assert product["materials"] == ["Wool", "Cashmere"] and product["careNotes"] == "Dry clean."
    assert product["description"] == "Double-faced wool." and product["customizable"] is False
    assert [(v["size"], v["colour"], v["available"], v["inStock"]) for v in product["variants"]] == [
        ("S0", "", 2, True),
        ("L", "Camel", 0, False),
    ]
    assert [(i["width"], i["height"], i["altText"]) for i in product["images"]] == [(8, 6, "front"), (30, 40, "front")]
    assert all(i["url"].startswith("/media/products/") and i["contentType"] == "image/jpeg" for i in product["images"])
    assert product["thumbnail"] == {"url": product["images"][0]["url"], "width": 8, "height": 6}
    assert product["designer"] == {
        "id": str(ada.id),
        "name": "Maison Ada",
        "slug": "maison-ada",
        "bio": "",
        "productCount": 3,
    }
    assert product["category"]["name"] == "Coats" and product["category"]["depth"] == 2
    assert [a["slug"] for a in product["category"]["ancestors"]] == ["women", "outerwear"]
    assert graphql(client, PRODUCT, id=str(coat))["data"]["product"] == product


def test_a_designers_first_product_is_shown_under_their_display_name(client, catalog, db):
    designer = make_user(Role.DESIGNER, "Studio Noor")
    product = seed_product(catalog, designer.id, "Pleated Skirt", designer_name="Studio Noor")
    catch_up()
    found = graphql(client, "query($id: UUID) { product(id: $id) { designer { name } } }", id=str(product))
    assert found["data"]["product"]["designer"] == {"name": "Studio Noor"}


def test_product_needs_exactly_one_of_id_and_slug_and_unknown_ones_are_null(client, shop):
    assert error_of(graphql(client, "{ product { id } }")) == ("invalid", "id")
    both = graphql(client, 'query($id: UUID) { product(id: $id, slug: "x") { id } }', id=str(uuid4()))
    assert error_of(both) == ("invalid", "id")
    assert graphql(client, PRODUCT, id=str(uuid4()))["data"]["product"] is None
    assert graphql(client, PRODUCT, slug="no-such-piece")["data"]["product"] is None
    assert graphql(client, PRODUCT, slug="x" * 5000)["data"]["product"] is None
    assert graphql(client, PRODUCT, slug="camel\x00coat")["data"]["product"] is None
    assert graphql(client, PRODUCT, slug="camel-coat\ud800")["data"]["product"] is None


def test_the_category_tree_in_one_query(client, shop):
    flat = "{ categories { name slug depth parentId ancestors { slug } } }"
    nested = "{ categories(rootsOnly: true) { name children { name depth } } }"
    with CaptureQueriesContext(connection) as queries:
        tree = graphql(client, flat)["data"]["categories"]
    assert len(queries) == 1
    women = shop["categories"]["women"]
    assert [(c["name"], c["depth"]) for c in tree] == [("Men", 0), ("Women", 0), ("Outerwear", 1), ("Coats", 2)]
    assert tree[2]["parentId"] == str(women) and tree[1]["parentId"] is None
    assert tree[3]["ancestors"] == [{"slug": "women"}, {"slug": "outerwear"}]
    with CaptureQueriesContext(connection) as queries:
        roots = graphql(client, nested)["data"]["categories"]
    assert len(queries) == 1
    assert roots == [
        {"name": "Men", "children": []},
        {"name": "Women", "children": [{"name": "Outerwear", "depth": 1}]},
    ]


def test_designers_are_public_profiles_by_name_a_page_at_a_time(client, catalog, shop):
    catalog.update_designer_profile(shop["ada"].id, actor_id=None, bio="Tailoring from Lyon.")
    make_user(Role.DESIGNER, "Nobody Yet")  # no products: no profile to list
    catch_up()
    query = """query($after: String) { designers(first: 1, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { name slug bio productCount } } } }"""
    first = graphql(client, query)["data"]["designers"]
    second = graphql(client, query, after=first["pageInfo"]["endCursor"])["data"]["designers"]
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"] is True
    assert first["edges"] == [{"node": {"name": "Atelier Ben", "slug": "atelier-ben", "bio": "", "productCount": 4}}]
    assert second["edges"] == [
        {"node": {"name": "Maison Ada", "slug": "maison-ada", "bio": "Tailoring from Lyon.", "productCount": 3}}
    ]
    assert second["pageInfo"]["hasNextPage"] is False
    private = client.post(
        "/graphql", {"query": "{ designers { edges { node { email } } } }"}, content_type="application/json"
    )
    assert private.status_code == 400
    assert error_of(graphql(client, query.replace("first: 1", "first: 0"))) == ("invalid", "first")


HISTORY = "query($id: UUID!) { productHistory(id: $id) { version event actorId at data } }"


def test_staff_read_a_products_history_from_its_events(client, catalog, shop):
    ada = shop["ada"]
    coat = shop["ids"]["Camel Wool Coat"]
    staff = make_staff()
    catalog.change_price(coat, Money(Decimal("1100.00"), "EUR"), actor_id=staff.id, acting_designer_id=None)

    assert error_of(graphql(client, HISTORY, id=str(coat))) == ("unauthenticated", None)
    sign_in(client, ada)
    assert error_of(graphql(client, HISTORY, id=str(coat))) == ("permission_denied", None)
    sign_in(client, staff)
    history = graphql(client, HISTORY, id=str(coat))["data"]["productHistory"]

    assert [entry["event"] for entry in history] == [
        "Created",
        "VariantAdded",
        "ImageAttached",
        "Published",
        "PriceChanged",
    ]
    assert [entry["version"] for entry in history] == [1, 2, 3, 4, 5]
    assert history[0]["actorId"] == str(ada.id) and history[-1]["actorId"] == str(staff.id)
    assert json.loads(history[-1]["data"]) == {"price": {"amount": "1100.00", "currency": "EUR"}}
    assert json.loads(history[0]["data"])["name"] == "Camel Wool Coat"
    assert error_of(graphql(client, HISTORY, id=str(uuid4()))) == ("not_found", "id")
    assert error_of(graphql(client, HISTORY, id=str(shop["categories"]["women"])))[0] == "not_found"


def test_federation_resolves_a_product_reference_only_when_visible(client, shop):
    query = """query($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { name price { amount } } } }"""
    representations = [
        {"__typename": "Product", "id": str(shop["ids"]["Linen Shirt"])},
        {"__typename": "Product", "id": str(shop["ids"]["Secret Coat"])},
        {"__typename": "Product", "id": str(uuid4())},
    ]
    entities = graphql(client, query, representations=representations)["data"]["_entities"]
    assert entities == [{"name": "Linen Shirt", "price": {"amount": "150.00"}}, None, None]
