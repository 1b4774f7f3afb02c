"""The catalog's cache in Redis: product pages keyed by revision and hot listings keyed by the projection's
position are served from the cache until the read model changes, and never after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from ocg.catalog import cache as catalog_cache
from ocg.spine.domain.money import Money
from tests.catalog.graphql_support import Role, catch_up, graphql, isolated_catalog, make_user, seed_product, sign_in

PAGE = """query($id: UUID!) {
  product(id: $id) {
    name price { amount currency } inStock
    variants { sku available }
    designer { name }
    category { name }
  }
}"""

LISTING = """query($first: Int!, $after: String, $filter: ProductFilterInput) {
  products(first: $first, after: $after, sort: {field: PRICE}, filter: $filter) {
    totalCount
    pageInfo { endCursor }
    edges { node { name price { amount } inStock } }
  }
}"""


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    yield from isolated_catalog(settings, tmp_path)


def read(client, query: str, **variables) -> tuple[dict, int]:
    """The answer's data, and how many SQL queries it took."""
    with CaptureQueriesContext(connection) as queries:
        body = graphql(client, query, **variables)
    assert "errors" not in body, body
    return body["data"], len(queries)


@pytest.fixture
def coat(catalog, db):
    designer = make_user(Role.DESIGNER, "Maison Ada")
    category = catalog.create_category(actor_id=None, name="Coats")
    product = seed_product(
        catalog, designer.id, "Camel Coat", price="1200.00", category_id=category, stock=2, designer_name="Maison Ada"
    )
    catch_up()
    return {"id": product, "designer": designer, "category": category, "sku": f"SKU-{product.hex[:10].upper()}"}


def test_a_cached_product_page_is_never_served_after_the_read_model_changed(client, catalog, coat):
    product_id = str(coat["id"])
    first, missed = read(client, PAGE, id=product_id)
    again, hit = read(client, PAGE, id=product_id)
    assert again == first
    assert hit == 1 < missed  # the revision check alone: the page came from the cache
    head = catalog_cache.head(product_id=coat["id"])
    assert cache.get(catalog_cache.detail_key(coat["id"], head.build, head.revision)) is not None

    catalog.change_price(coat["id"], Money(Decimal("990.00"), "EUR"), actor_id=None, acting_designer_id=None)
    unchanged, _ = read(client, PAGE, id=product_id)
    assert unchanged["product"]["price"]["amount"] == "1200.00"  # the read model has not applied it yet
    catch_up()
    repriced, missed = read(client, PAGE, id=product_id)
    assert repriced["product"]["price"] == {"amount": "990.00", "currency": "EUR"} and missed > 1
    assert read(client, PAGE, id=product_id) == (repriced, 1)

    catalog.receive_stock(coat["sku"], 5, actor_id=None, acting_designer_id=None)
    catch_up()
    restocked, _ = read(client, PAGE, id=product_id)
    assert restocked["product"]["variants"] == [{"sku": coat["sku"], "available": 7}]

    catalog.adjust_stock(coat["sku"], -7, "Water damage", actor_id=None, acting_designer_id=None)
    catch_up()
    sold_out, _ = read(client, PAGE, id=product_id)
    assert sold_out["product"]["inStock"] is False and sold_out["product"]["variants"][0]["available"] == 0

    catalog.update_designer_profile(coat["designer"].id, actor_id=None, name="Maison Ada Paris")
    catalog.update_category(coat["category"], actor_id=None, name="Winter Coats")
    catch_up()
    renamed, _ = read(client, PAGE, id=product_id)
    assert renamed["product"]["designer"] == {"name": "Maison Ada Paris"}
    assert renamed["product"]["category"] == {"name": "Winter Coats"}


def test_the_same_page_by_slug_shares_the_entry(client, coat):
    by_id, _ = read(client, PAGE, id=str(coat["id"]))
    with CaptureQueriesContext(connection) as queries:
        by_slug = graphql(client, '{ product(slug: "camel-coat") { name price { amount currency } } }')
    assert by_slug["data"]["product"] == {"name": "Camel Coat", "price": by_id["product"]["price"]}
    assert len(queries) == 1


def test_drafts_are_never_cached(client, catalog, coat):
    designer = coat["designer"]
    draft = seed_product(catalog, designer.id, "Unfinished Coat", publish=False)
    catch_up()
    sign_in(client, designer)
    read(client, "{ categories { id } }")  # the account is read once, then remembered
    _, first = read(client, PAGE, id=str(draft))
    _, second = read(client, PAGE, id=str(draft))
    assert first == second > 1
    head = catalog_cache.head(product_id=draft)
    assert cache.get(catalog_cache.detail_key(draft, head.build, head.revision)) is None


def test_a_hot_listing_page_is_cached_until_the_projection_moves(client, catalog, coat):
    designer = coat["designer"]
    scarf = seed_product(catalog, designer.id, "Silk Scarf", price="300.00", stock=0)
    seed_product(catalog, designer.id, "Wool Hat", price="150.00")
    catch_up()

    first, missed = read(client, LISTING, first=2)
    again, hit = read(client, LISTING, first=2)
    assert again == first
    assert hit == 1 < missed  # the projection's position alone: rows and total came from the cache
    assert [edge["node"]["name"] for edge in first["products"]["edges"]] == ["Wool Hat", "Silk Scarf"]
    assert first["products"]["totalCount"] == 3

    catalog.change_price(scarf, Money(Decimal("99.00"), "EUR"), actor_id=None, acting_designer_id=None)
    catch_up()
    repriced, missed = read(client, LISTING, first=2)
    assert [edge["node"]["name"] for edge in repriced["products"]["edges"]] == ["Silk Scarf", "Wool Hat"]
    assert repriced["products"]["edges"][0]["node"]["price"] == {"amount": "99.00"} and missed > 1
    assert read(client, LISTING, first=2) == (repriced, 1)

    sku = f"SKU-{scarf.hex[:10].upper()}"
    catalog.receive_stock(sku, 1, actor_id=None, acting_designer_id=None)
    catch_up()
    restocked, _ = read(client, LISTING, first=2)
    assert restocked["products"]["edges"][0]["node"]["inStock"] is True

    catalog.unpublish(scarf, actor_id=None, acting_designer_id=None)
    catch_up()
    after_unpublishing, _ = read(client, LISTING, first=2)
    assert [edge["node"]["name"] for edge in after_unpublishing["products"]["edges"]] == ["Wool Hat", "Camel Coat"]
    assert after_unpublishing["products"]["totalCount"] == 2


def test_only_first_pages_of_anonymous_listings_without_search_are_cached(client, catalog, coat):
    seed_product(catalog, coat["designer"].id, "Wool Hat", price="150.00")
    catch_up()
    cursor = read(client, LISTING, first=1)[0]["products"]["pageInfo"]["endCursor"]

    def repeated(**variables) -> tuple[int, int]:
        return read(client, LISTING, **variables)[1], read(client, LISTING, **variables)[1]

    next_page = repeated(first=1, after=cursor)
    assert next_page[0] == next_page[1] > 1
    searched = repeated(first=1, filter={"search": "coat"})
    assert searched[0] == searched[1] > 1
    sign_in(client, make_user(Role.CUSTOMER))
    read(client, LISTING, first=1)  # the account is read once, then remembered
    signed_in = repeated(first=1)
    assert signed_in[0] == signed_in[1] > 1


def test_without_the_cache_the_database_answers(client, coat):
    unreachable = {"default": {"BACKEND": "ocg.spine.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=unreachable):
        page, _ = read(client, PAGE, id=str(coat["id"]))
        listing, _ = read(client, LISTING, first=5)
    assert page["product"]["name"] == "Camel Coat"
    assert [edge["node"]["name"] for edge in listing["products"]["edges"]] == ["Camel Coat"]


def test_a_rebuild_never_brings_back_a_page_cached_before_it(client, catalog, coat):
    """Revisions start again on a rebuild: the key's build tells the two apart."""
    from ocg.catalog.projections import CatalogProjection
    from ocg.spine.projections import rebuild

    product_id = str(coat["id"])
    before, _ = read(client, PAGE, id=product_id)
    old = catalog_cache.head(product_id=coat["id"])
    catalog.change_price(coat["id"], Money(Decimal("990.00"), "EUR"), actor_id=None, acting_designer_id=None)
    rebuild(CatalogProjection())
    new = catalog_cache.head(product_id=coat["id"])
    assert new.build != old.build
    after, _ = read(client, PAGE, id=product_id)
    assert before["product"]["price"]["amount"] == "1200.00"
    assert after["product"]["price"] == {"amount": "990.00", "currency": "EUR"}
