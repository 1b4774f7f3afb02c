"""The REST product list: filters, sorts, pages and who sees what, on a small seeded catalog."""

from __future__ import annotations

import pytest

from ocg.identity.models import Role
from tests.catalog.graphql_support import catch_up, seed_product
from tests.catalog.rest_support import API, Api, field_errors, make_user


@pytest.fixture
def shop(event_store, catalog, settings, local_storage):
    """Two designers, Women > Coats / Dresses and Men, four published pieces, a draft and an archived one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ada, bea = make_user(Role.DESIGNER, "Ada"), make_user(Role.DESIGNER, "Bea")
    women = catalog.create_category(actor_id=None, name="Women")
    coats = catalog.create_category(actor_id=None, name="Coats", parent_id=women)
    dresses = catalog.create_category(actor_id=None, name="Dresses", parent_id=women)
    men = catalog.create_category(actor_id=None, name="Men")
    catalog.update_designer_profile(ada.id, actor_id=ada.id, name="Ada Atelier")
    catalog.update_designer_profile(bea.id, actor_id=bea.id, name="Bea Studio")
    ids = {
        "wool": seed_product(catalog, ada.id, "Wool Coat", price="900.00", category_id=coats),
        "cashmere": seed_product(
            catalog, bea.id, "Cashmere Coat", price="1500.00", category_id=coats, customizable=True, stock=0
        ),
        "silk": seed_product(
            catalog, ada.id, "Silk Dress", price="2400.00", category_id=dresses, description="Bias-cut evening silk"
        ),
        "linen": seed_product(catalog, bea.id, "Linen Shirt", price="30000", currency="JPY", category_id=men),
        "draft": seed_product(catalog, ada.id, "Draft Gown", price="3000.00", category_id=dresses, publish=False),
        "archived": seed_product(catalog, bea.id, "Old Coat", price="100.00", category_id=coats),
    }
    catalog.archive(ids["archived"], actor_id=bea.id, acting_designer_id=bea.id)
    catch_up()
    names = {value: key for key, value in ids.items()}
    return {"ada": ada, "bea": bea, "ids": ids, "names": names}


def listed(api: Api, query: str = "") -> list[str]:
    response = api.get(f"{API}/products?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    return [body_name for body_name in (row["name"] for row in body["items"])]


def test_filters_narrow_the_public_list(client, shop):
    anonymous = Api(client)
    assert set(listed(anonymous)) == {"Wool Coat", "Cashmere Coat", "Silk Dress", "Linen Shirt"}
    assert set(listed(anonymous, "category=women")) == {"Wool Coat", "Cashmere Coat", "Silk Dress"}
    assert set(listed(anonymous, "category=coats")) == {"Wool Coat", "Cashmere Coat"}
    assert set(listed(anonymous, f"designer={shop['ada'].id}")) == {"Wool Coat", "Silk Dress"}
    assert set(listed(anonymous, "designer=bea-studio")) == {"Cashmere Coat", "Linen Shirt"}
    assert set(listed(anonymous, "in_stock=false")) == {"Cashmere Coat"}
    assert set(listed(anonymous, "customizable=true")) == {"Cashmere Coat"}
    assert set(listed(anonymous, "currency=JPY")) == {"Linen Shirt"}
    assert set(listed(anonymous, "currency=EUR&price_min=1000&price_max=2400")) == {"Cashmere Coat", "Silk Dress"}
    assert listed(anonymous, "search=silk") == ["Silk Dress"]


def test_sorts_and_pages_are_total_and_bounded(client, shop):
    anonymous = Api(client)
    by_price = listed(anonymous, "currency=EUR&sort=price")
    assert by_price == ["Wool Coat", "Cashmere Coat", "Silk Dress"]
    assert listed(anonymous, "currency=EUR&sort=price&direction=desc") == by_price[::-1]
    assert listed(anonymous, "sort=name") == ["Cashmere Coat", "Linen Shirt", "Silk Dress", "Wool Coat"]
    assert listed(anonymous, "sort=newest")[0] == "Linen Shirt"

    page = anonymous.get(f"{API}/products?sort=name&limit=2&offset=1").json()
    assert ([row["name"] for row in page["items"]], page["count"]) == (["Linen Shirt", "Silk Dress"], 4)
    row = page["items"][0]
    assert (row["price"], row["currency"], row["designer"]["slug"], row["in_stock"]) == (
        "30000",
        "JPY",
        "bea-studio",
        True,
    )
    assert (row["image"]["width"], row["image"]["height"]) == (8, 6)


def test_drafts_are_listed_for_their_designer_and_staff_only(client, shop):
    ada, bea = Api(client, shop["ada"]), Api(client, shop["bea"])
    staff = Api(client, make_user(Role.ADMIN))
    assert listed(ada, "status=draft") == ["Draft Gown"]
    assert listed(bea, "status=draft") == []
    assert set(listed(bea, "status=archived&status=draft")) == {"Old Coat"}
    assert set(listed(staff, "status=draft&status=archived")) == {"Draft Gown", "Old Coat"}
    assert len(listed(staff, "status=draft&status=published&status=archived")) == 6

    for api, status, code in (
        (Api(client), 401, "unauthenticated"),
        (Api(client, make_user(Role.CUSTOMER)), 403, "permission_denied"),
        (bea, 403, "permission_denied"),
    ):
        query = f"status=draft&designer={shop['ada'].id}" if api is bea else "status=draft"
        response = api.get(f"{API}/products?{query}")
        assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.parametrize(
    ("query", "status", "field", "code"),
    [
        ("price_min=10", 400, "currency", "invalid"),
        ("currency=XYZ", 400, "currency", "invalid"),
        ("currency=EUR&price_min=abc", 400, "price_min", "invalid"),
        ("currency=EUR&price_min=500&price_max=100", 400, "price_min", "invalid"),
        ("sort=relevance", 400, "sort", "invalid"),
        ("sort=cheapest", 422, "sort", "invalid"),
        ("status=gone", 422, "status.0", "invalid"),
        ("category=no-such-category", 404, "category", "not_found"),
        ("designer=no-such-designer", 404, "designer", "not_found"),
        ("search=" + "x" * 201, 422, "search", "too_long"),
        ("search=a%07b", 400, "search", "invalid"),
        ("limit=0", 422, "limit", "invalid"),
        ("limit=101", 422, "limit", "invalid"),
        ("offset=10001", 422, "offset", "invalid"),
    ],
)
def test_bad_list_parameters_name_themselves(client, shop, query, status, field, code):
    response = Api(client).get(f"{API}/products?{query}")
    assert (response.status_code, field_errors(response)) == (status, {(field, code)})
