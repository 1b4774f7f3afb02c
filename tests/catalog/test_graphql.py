"""The storefront's product listing over HTTP on PostgreSQL: filters, sorts, both directions of pagination,
search, bad input, visibility of drafts, and SQL per request."""

from __future__ import annotations

import base64
import json
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.catalog.models import ProductView
from tests.catalog.graphql_support import (
    ON_SALE,
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
)

LIST = """
query($filter: ProductFilterInput, $sort: ProductSortInput, $first: Int, $after: String, $last: Int, $before: String) {
  products(filter: $filter, sort: $sort, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
  }
}"""


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    yield from isolated_catalog(settings, tmp_path)


@pytest.fixture
def shop(catalog):
    return seed_shop(catalog)


def names(client, **variables) -> list[str]:
    body = graphql(client, LIST, **variables)
    assert "errors" not in body, body
    return [edge["node"]["name"] for edge in body["data"]["products"]["edges"]]


def test_each_filter_alone(client, shop):
    ada, ben, categories = shop["ada"], shop["ben"], shop["categories"]
    ada_slug = ProductView.objects.filter(designer_id=ada.id).values_list("designer_slug", flat=True).first()
    cases = [
        ({}, ON_SALE),
        ({"category": "women"}, {"Camel Wool Coat", "Silk Evening Gown", "Quilted Jacket", "Leather Tote"}),
        ({"category": str(categories["outerwear"])}, {"Camel Wool Coat", "Quilted Jacket"}),
        ({"category": "coats"}, {"Camel Wool Coat"}),
        ({"priceMin": "900", "currency": "EUR"}, {"Camel Wool Coat", "Silk Evening Gown", "Leather Tote"}),
        ({"priceMax": "150.00", "currency": "EUR"}, {"Linen Shirt", "Wool Trousers"}),
        ({"currency": "gbp"}, {"Cashmere Scarf"}),
        ({"designer": ada_slug}, {"Camel Wool Coat", "Silk Evening Gown", "Cashmere Scarf"}),
        ({"designer": str(ben.id)}, {"Quilted Jacket", "Linen Shirt", "Leather Tote", "Wool Trousers"}),
        ({"inStock": True}, ON_SALE - {"Silk Evening Gown", "Wool Trousers"}),
        ({"inStock": False}, {"Silk Evening Gown", "Wool Trousers"}),
        ({"customizable": True}, {"Silk Evening Gown", "Leather Tote"}),
        ({"customizable": False}, ON_SALE - {"Silk Evening Gown", "Leather Tote"}),
        ({"search": "coat"}, {"Camel Wool Coat", "Quilted Jacket"}),
        ({"search": "Ben"}, {"Quilted Jacket", "Linen Shirt", "Leather Tote", "Wool Trousers"}),
    ]
    for product_filter, expected in cases:
        assert set(names(client, filter=product_filter, first=100)) == expected, product_filter


def test_filters_combined(client, shop):
    ada = shop["ada"]
    women_eur_from_900 = {"category": "women", "priceMin": "900", "currency": "EUR"}
    assert set(names(client, filter=women_eur_from_900)) == {"Camel Wool Coat", "Silk Evening Gown", "Leather Tote"}
    assert set(names(client, filter={**women_eur_from_900, "inStock": True})) == {"Camel Wool Coat", "Leather Tote"}
    assert names(client, filter={**women_eur_from_900, "inStock": True, "designer": str(ada.id)}) == ["Camel Wool Coat"]
    assert names(client, filter={"category": "outerwear", "search": "coat", "priceMax": "1000", "currency": "EUR"}) == [
        "Quilted Jacket"
    ]
    assert names(client, filter={"customizable": True, "inStock": False, "category": "women"}) == ["Silk Evening Gown"]


def expected_order(field: str, descending: bool) -> list[str]:
    rows = list(ProductView.objects.filter(status="published"))
    keys = {
        "PRICE": lambda r: (r.price, r.id),
        "NEWEST": lambda r: (r.listed_at, r.id),
        "NAME": lambda r: (r.name, r.id),
    }
    return [row.name for row in sorted(rows, key=keys[field], reverse=descending)]


@pytest.mark.parametrize("field", ["PRICE", "NEWEST", "NAME"])
def test_every_sort_in_both_directions(client, shop, field):
    for direction, descending in (("ASC", False), ("DESC", True)):
        expected = expected_order(field, descending)
        assert names(client, sort={"field": field, "direction": direction}, first=100) == expected, direction


def test_sort_defaults(client, shop):
    assert names(client) == expected_order("NEWEST", descending=True)
    assert names(client, sort={"field": "PRICE"}) == expected_order("PRICE", descending=False)
    assert names(client, sort={"field": "NAME"}) == expected_order("NAME", descending=False)


def test_relevance_ranks_a_name_match_above_a_description_match_both_ways(client, shop):
    assert names(client, filter={"search": "coat"}) == ["Camel Wool Coat", "Quilted Jacket"]
    assert names(client, filter={"search": "coat"}, sort={"field": "RELEVANCE", "direction": "DESC"}) == [
        "Camel Wool Coat",
        "Quilted Jacket",
    ]
    assert names(client, filter={"search": "coat"}, sort={"field": "RELEVANCE", "direction": "ASC"}) == [
        "Quilted Jacket",
        "Camel Wool Coat",
    ]
    assert names(client, filter={"search": "wool -trousers"}) == ["Camel Wool Coat"]


def walk_forward(client, size: int, **variables) -> tuple[list[str], list[dict]]:
    seen, infos, after = [], [], None
    while True:
        body = graphql(client, LIST, first=size, after=after, **variables)
        assert "errors" not in body, body
        connection_ = body["data"]["products"]
        seen += [edge["node"]["name"] for edge in connection_["edges"]]
        infos.append(connection_["pageInfo"] | {"total": connection_["totalCount"]})
        if not connection_["pageInfo"]["hasNextPage"]:
            return seen, infos
        after = connection_["pageInfo"]["endCursor"]


def walk_backward(client, size: int, **variables) -> tuple[list[str], list[dict]]:
    seen, infos, before = [], [], None
    while True:
        body = graphql(client, LIST, last=size, before=before, **variables)
        assert "errors" not in body, body
        connection_ = body["data"]["products"]
        seen = [edge["node"]["name"] for edge in connection_["edges"]] + seen
        infos.append(connection_["pageInfo"] | {"total": connection_["totalCount"]})
        if not connection_["pageInfo"]["hasPreviousPage"]:
            return seen, infos
        before = connection_["pageInfo"]["startCursor"]


@pytest.mark.parametrize(
    ("sort", "product_filter"),
    [
        ({"field": "PRICE", "direction": "ASC"}, {}),  # two products at 150.00: the id breaks the tie
        ({"field": "NEWEST", "direction": "DESC"}, {}),
        ({"field": "NAME", "direction": "DESC"}, {"category": "women"}),
        ({"field": "RELEVANCE", "direction": "DESC"}, {"search": "wool OR coat OR silk"}),
    ],
)
def test_pagination_forwards_to_the_end_and_backwards_to_the_start_mirror(client, shop, sort, product_filter):
    everything = names(client, sort=sort, filter=product_filter, first=100)
    assert len(everything) >= 3
    for size in (1, 2, 3):
        forwards, forward_pages = walk_forward(client, size, sort=sort, filter=product_filter)
        backwards, backward_pages = walk_backward(client, size, sort=sort, filter=product_filter)
        assert forwards == everything
        assert backwards == everything
        assert {page["total"] for page in forward_pages + backward_pages} == {len(everything)}
        assert forward_pages[0]["hasPreviousPage"] is False and forward_pages[-1]["hasNextPage"] is False
        assert all(page["hasPreviousPage"] for page in forward_pages[1:])
        assert backward_pages[0]["hasNextPage"] is False and backward_pages[-1]["hasPreviousPage"] is False
        assert all(page["hasNextPage"] for page in backward_pages[1:])


def test_a_page_after_the_last_is_empty_and_cursors_page_from_any_edge(client, shop):
    body = graphql(client, LIST, first=100, sort={"field": "PRICE"})["data"]["products"]
    cursors = [edge["cursor"] for edge in body["edges"]]
    everything = [edge["node"]["name"] for edge in body["edges"]]
    empty = graphql(client, LIST, first=5, after=cursors[-1], sort={"field": "PRICE"})["data"]["products"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is False
    assert empty["pageInfo"]["startCursor"] is None
    assert names(client, first=2, after=cursors[2], sort={"field": "PRICE"}) == everything[3:5]
    assert names(client, last=2, before=cursors[2], sort={"field": "PRICE"}) == everything[0:2]


def test_a_cursor_from_another_sort_or_filter_is_refused(client, shop):
    cursor = graphql(client, LIST, first=1, sort={"field": "PRICE"})["data"]["products"]["pageInfo"]["endCursor"]
    assert names(client, first=1, after=cursor, sort={"field": "PRICE"})
    for variables in (
        {"sort": {"field": "PRICE", "direction": "DESC"}},
        {"sort": {"field": "NAME"}},
        {"sort": {"field": "PRICE"}, "filter": {"inStock": True}},
    ):
        body = graphql(client, LIST, first=1, after=cursor, **variables)
        assert error_of(body) == ("invalid", "after"), variables
        assert "another filter or sort" in body["errors"][0]["message"]
    body = graphql(client, LIST, last=1, before=cursor, sort={"field": "NAME"})
    assert error_of(body) == ("invalid", "before")


def opened(cursor: str) -> list:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def forged(cursor: str, key) -> str:
    """The cursor with another sort key: the same listing, a key no row could have given."""
    version, owner, _key, row = opened(cursor)
    text = json.dumps([version, owner, key, row])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("NAME", "Coat\x00"),
        ("NAME", "\ud800"),
        ("NAME", 12),
        ("PRICE", "12e3"),
        ("PRICE", 12.5),
        ("NEWEST", "2026-01-01T00:00:00"),
        ("NEWEST", "yesterday"),
        ("RELEVANCE", "0.5"),
        ("RELEVANCE", True),
    ],
)
def test_a_forged_cursor_key_is_refused_not_queried(client, shop, sort, key):
    product_filter = {"search": "coat"} if sort == "RELEVANCE" else {}
    variables = {"sort": {"field": sort}, "filter": product_filter}
    cursor = graphql(client, LIST, first=1, **variables)["data"]["products"]["pageInfo"]["endCursor"]
    assert names(client, first=1, after=forged(cursor, opened(cursor)[2]), **variables)  # the forger itself is right
    assert error_of(graphql(client, LIST, first=1, after=forged(cursor, key), **variables)) == ("invalid", "after")


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 0}, "invalid", "first"),
        ({"first": 101}, "invalid", "first"),
        ({"last": 0}, "invalid", "last"),
        ({"last": 101}, "invalid", "last"),
        ({"first": 1, "last": 1}, "invalid", "last"),
        ({"first": 1, "before": "x"}, "invalid", "before"),
        ({"last": 1, "after": "x"}, "invalid", "after"),
        ({"after": "not-a-cursor"}, "invalid", "after"),
        ({"after": "WzEsImEiLDEsIngiXQ"}, "invalid", "after"),  # base64 JSON of the wrong shape
        ({"after": "x" * 2000}, "invalid", "after"),
        ({"filter": {"category": "no-such-category"}}, "not_found", "filter.category"),
        ({"filter": {"category": str(uuid4())}}, "not_found", "filter.category"),
        ({"filter": {"designer": "no-such-designer"}}, "not_found", "filter.designer"),
        ({"filter": {"designer": str(uuid4())}}, "not_found", "filter.designer"),
        ({"filter": {"priceMin": "500", "priceMax": "100", "currency": "EUR"}}, "invalid", "filter.priceMin"),
        ({"filter": {"priceMin": "100"}}, "invalid", "filter.currency"),
        ({"filter": {"priceMax": "100", "currency": "XYZ"}}, "invalid", "filter.currency"),
        ({"filter": {"currency": "EURO"}}, "invalid", "filter.currency"),
        ({"filter": {"priceMin": "ten", "currency": "EUR"}}, "invalid", "filter.priceMin"),
        ({"filter": {"priceMin": "-5", "currency": "EUR"}}, "invalid", "filter.priceMin"),
        ({"filter": {"priceMax": "1e9", "currency": "EUR"}}, "invalid", "filter.priceMax"),
        ({"filter": {"search": "x" * 201}}, "invalid", "filter.search"),
        ({"filter": {"search": "coat\x00"}}, "invalid", "filter.search"),
        ({"filter": {"category": "wo\x00men"}}, "invalid", "filter.category"),
        ({"sort": {"field": "RELEVANCE"}}, "invalid", "sort.field"),
        ({"filter": {"status": []}}, "invalid", "filter.status"),
    ],
)
def test_bad_listing_input_is_a_coded_error(client, db, variables, code, field):
    body = graphql(client, LIST, **variables)
    assert body["data"] is None
    assert error_of(body) == (code, field)


def test_a_wrongly_typed_argument_is_refused_before_anything_runs(client, db):
    response = client.post(
        "/graphql",
        {"query": LIST, "variables": {"sort": {"field": "CHEAPEST"}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid"


def test_drafts_and_archived_products_only_for_their_designer_and_staff(client, shop):
    ada, ben = shop["ada"], shop["ben"]
    draft, archived = shop["ids"]["Secret Coat"], shop["ids"]["Old Coat"]
    drafts = {"filter": {"status": ["DRAFT"]}}
    customer, staff = make_user(Role.CUSTOMER), make_staff()

    def product(product_id):
        return graphql(client, "query($id: UUID) { product(id: $id) { name } }", id=str(product_id))["data"]["product"]

    assert product(draft) is None and product(archived) is None
    assert error_of(graphql(client, LIST, **drafts)) == ("unauthenticated", "filter.status")
    sign_in(client, customer)
    assert product(draft) is None
    assert error_of(graphql(client, LIST, **drafts)) == ("permission_denied", "filter.status")
    sign_in(client, ada)
    assert product(draft) == {"name": "Secret Coat"} and product(archived) is None
    assert error_of(graphql(client, LIST, **drafts)) == ("permission_denied", "filter.status")
    assert names(client, filter={"status": ["DRAFT"], "designer": str(ada.id)}) == ["Secret Coat"]
    assert error_of(graphql(client, LIST, filter={"status": ["DRAFT"], "designer": str(ben.id)}))[0] == (
        "permission_denied"
    )
    assert "Secret Coat" not in names(client, first=100, filter={"designer": str(ada.id)})
    sign_in(client, ben)
    assert product(draft) is None and product(archived) == {"name": "Old Coat"}
    sign_in(client, staff)
    assert product(draft) == {"name": "Secret Coat"} and product(archived) == {"name": "Old Coat"}
    assert set(names(client, filter={"status": ["DRAFT", "ARCHIVED"]})) == {"Secret Coat", "Old Coat"}
    assert set(names(client, first=100)) == ON_SALE
    everything = names(
        client, first=100, filter={"status": ["PUBLISHED", "DRAFT", "ARCHIVED"]}, sort={"field": "PRICE"}
    )
    assert set(everything) == ON_SALE | {"Secret Coat", "Old Coat"}


def test_a_draft_without_a_price_sorts_as_zero_for_its_designer(client, catalog, shop):
    ada = shop["ada"]
    seed_product(catalog, ada.id, "Unpriced Sketch", price=None, publish=False)
    catch_up()
    sign_in(client, ada)
    mine = {"status": ["DRAFT", "PUBLISHED"], "designer": str(ada.id)}
    assert names(client, filter=mine, sort={"field": "PRICE"})[0] == "Unpriced Sketch"
    forwards, _ = walk_forward(client, 1, filter=mine, sort={"field": "PRICE", "direction": "DESC"})
    assert forwards[-1] == "Unpriced Sketch" and len(forwards) == 5


LISTING_PAGE = """
query($first: Int!, $filter: ProductFilterInput) {
  products(first: $first, filter: $filter) {
    totalCount
    edges { node {
      name price { amount currency } thumbnail { url width }
      variants { sku available } images { url }
      designer { name bio } category { name ancestors { name } }
    } }
  }
}"""


@pytest.mark.parametrize("role", [None, Role.CUSTOMER])
def test_product_list_queries_do_not_grow_with_page_size(client, catalog, db, role):
    """Variants, images, designers and categories are relations: a page loads each in one query."""
    designers = [make_user(Role.DESIGNER, f"Atelier {number}") for number in range(3)]
    root = catalog.create_category(actor_id=None, name="Everything")
    leaves = [catalog.create_category(actor_id=None, name=f"Shelf {n}", parent_id=root) for n in range(3)]
    for number in range(55):
        seed_product(
            catalog,
            designers[number % 3].id,
            f"Piece {number}",
            category_id=leaves[number % 3],
            skus=(f"P{number}-S", f"P{number}-M"),
            designer_name=f"Atelier {number % 3}",
        )
    catch_up()
    if role is not None:
        sign_in(client, make_user(role))
    graphql(client, "{ categories { id } }")  # a signed-in user's account is read once, then remembered
    counts = []
    for first in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            body = graphql(client, LISTING_PAGE, first=first, filter={"category": "everything"})
        assert "errors" not in body, body
        edges = body["data"]["products"]["edges"]
        assert len(edges) == first and body["data"]["products"]["totalCount"] == 55
        for edge in edges:
            node = edge["node"]
            number = int(node["name"].removeprefix("Piece "))
            assert [v["sku"] for v in node["variants"]] == [f"P{number}-S", f"P{number}-M"]
            assert len(node["images"]) == 1 and node["thumbnail"]["url"] == node["images"][0]["url"]
            assert node["designer"]["name"] == f"Atelier {number % 3}"
            assert node["category"] == {"name": f"Shelf {number % 3}", "ancestors": [{"name": "Everything"}]}
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
