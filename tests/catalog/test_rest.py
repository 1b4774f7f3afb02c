"""The catalog's REST API over HTTP, with the projection running: every write is read back as the API answers it.

Each answer is checked against the OpenAPI document (status listed, body matching its schema) by `Api`.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from ocg.identity.models import Role
from tests.catalog.rest_support import API, Api, field_errors, image_bytes, make_user

GOWN = {
    "name": "Silk Evening Gown",
    "price": "2400.00",
    "currency": "EUR",
    "description": "Bias-cut silk.\nLined.",
    "materials": ["silk", "viscose"],
    "care_notes": "Dry clean only.",
    "customizable": True,
}


@pytest.fixture
def projected(run_projection):
    return run_projection("catalog")


@pytest.fixture
def people(event_store, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {
        "designer": make_user(Role.DESIGNER, "Ada Atelier"),
        "rival": make_user(Role.DESIGNER, "Rival House"),
        "customer": make_user(Role.CUSTOMER, "Cora Customer"),
        "staff": make_user(Role.ADMIN, "Sam Staff"),
    }


@pytest.fixture
def designer(client, people, projected) -> Api:
    return Api(client, people["designer"])


@pytest.fixture
def staff(client, people, projected) -> Api:
    return Api(client, people["staff"])


@pytest.fixture
def anonymous(client, people, projected) -> Api:
    return Api(client)


def create(api: Api, **fields) -> dict:
    response = api.post(f"{API}/products", {**GOWN, "name": f"Gown {uuid4().hex[:6]}", **fields})
    assert response.status_code == 201, response.content
    return response.json()


def upload_and_attach(api: Api, product_id: str, image_format: str = "JPEG", size=(64, 48)) -> dict:
    content_type = f"image/{image_format.lower()}"
    ticket = api.post(f"{API}/products/{product_id}/images/upload-url", {"content_type": content_type}).json()
    stored = api.put(ticket["url"], content_type=content_type, data=image_bytes(image_format, size))
    assert stored.status_code == 201, stored.content
    response = api.post(f"{API}/products/{product_id}/images", {"key": ticket["key"], "alt_text": "Front"})
    assert response.status_code == 201, response.content
    return response.json()


def ready(api: Api, **fields) -> dict:
    """A draft with everything publishing needs: a price, a variant with stock, an image."""
    product = create(api, **fields)
    sku = f"GWN-{uuid4().hex[:8].upper()}"
    assert api.post(f"{API}/products/{product['id']}/variants", {"sku": sku, "size": "S"}).status_code == 201
    assert api.post(f"{API}/stock/{sku}/receive", {"quantity": 3}).status_code == 200
    return {**upload_and_attach(api, product["id"]), "sku": sku}


def events_of(catalog, aggregate_id) -> list[str]:
    return [type(event).__name__ for event in catalog.repository.event_store.get(aggregate_id)]


# A product's life.


def test_a_designer_lists_a_piece_from_draft_to_published_and_archived(
    designer, anonymous, staff, people, catalog, local_storage
):
    created = create(designer)
    assert created["status"] == "draft"
    assert (created["price"], created["currency"], created["materials"]) == ("2400.00", "EUR", ["silk", "viscose"])
    assert created["designer"]["id"] == str(people["designer"].id)
    product_id = created["id"]

    assert designer.post(f"{API}/products/{product_id}/publish").json()["code"] == "illegal_step"
    sku = "GOWN-S-IVORY"
    variant = designer.post(f"{API}/products/{product_id}/variants", {"sku": "gown-s-ivory", "size": "S"})
    assert variant.json()["variants"] == [{"sku": sku, "size": "S", "colour": "", "available": 0}]
    assert designer.post(f"{API}/stock/{sku}/receive", {"quantity": 4}).json()["available"] == 4
    with_image = upload_and_attach(designer, product_id, "PNG", (200, 300))
    [image] = with_image["images"]
    assert (image["width"], image["height"], image["content_type"]) == (200, 300, "image/png")
    assert image["url"].startswith("/media/products/")
    assert anonymous.get(f"{API}/products/{product_id}").status_code == 404

    published = designer.post(f"{API}/products/{product_id}/publish")
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["in_stock"]) == ("published", True)
    public = anonymous.get(f"{API}/products/{product_id}").json()
    assert public["variants"][0]["available"] == 4
    assert [row["id"] for row in anonymous.get(f"{API}/products").json()["items"]] == [product_id]

    assert designer.post(f"{API}/products/{product_id}/unpublish").json()["status"] == "draft"
    assert designer.post(f"{API}/products/{product_id}/archive").json()["status"] == "archived"
    refused = designer.patch(f"{API}/products/{product_id}", {"name": "Renamed"})
    assert (refused.status_code, refused.json()["code"]) == (409, "product_archived")

    history = staff.get(f"{API}/products/{product_id}/history").json()
    assert [entry["event"] for entry in history] == [
        "Created",
        "VariantAdded",
        "ImageAttached",
        "Published",
        "Unpublished",
        "Archived",
    ]
    assert {entry["actor_id"] for entry in history} == {str(people["designer"].id)}
    assert history[0]["data"]["price"] == {"amount": "2400.00", "currency": "EUR"}


def test_update_changes_only_the_fields_sent_and_moves_the_slug(designer, staff, catalog):
    category = staff.post(f"{API}/categories", {"name": "Gowns"}).json()
    product = create(designer, slug="ivory-gown")
    taken = create(designer, slug="taken-gown")

    updated = designer.patch(
        f"{API}/products/{product['id']}",
        {"name": "Ivory Gown", "slug": "ivory-gown-long", "category_id": category["id"], "customizable": False},
    ).json()
    assert (updated["name"], updated["slug"], updated["category"]["slug"]) == ("Ivory Gown", "ivory-gown-long", "gowns")
    assert (updated["description"], updated["customizable"]) == (GOWN["description"], False)
    assert create(designer, slug="ivory-gown")["slug"] == "ivory-gown"  # the old slug was released

    uncategorised = designer.patch(f"{API}/products/{product['id']}", {"category_id": None}).json()
    assert uncategorised["category"] is None

    before = catalog.recorder.max_notification_id()
    clash = designer.patch(f"{API}/products/{product['id']}", {"slug": taken["slug"]})
    assert (clash.status_code, field_errors(clash)) == (409, {("slug", "slug_taken")})
    null = designer.patch(f"{API}/products/{product['id']}", {"name": None})
    assert (null.status_code, field_errors(null)) == (400, {("name", "invalid")})
    assert catalog.recorder.max_notification_id() == before
    assert designer.get(f"{API}/products/{product['id']}").json()["slug"] == "ivory-gown-long"


def test_price_changes_at_the_currencys_digits(designer, catalog):
    product = create(designer)
    changed = designer.put(f"{API}/products/{product['id']}/price", {"price": "125000", "currency": "JPY"}).json()
    assert (changed["price"], changed["currency"]) == ("125000", "JPY")
    events = events_of(catalog, product["id"])
    assert events[-1] == "PriceChanged"
    refused = designer.put(f"{API}/products/{product['id']}/price", {"price": "10.5", "currency": "JPY"})
    assert (refused.status_code, field_errors(refused)) == (400, {("price", "invalid")})
    assert events_of(catalog, product["id"]) == events


def test_variants_are_unique_by_sku_across_the_catalog_and_by_size_and_colour(designer, catalog):
    first, second = create(designer), create(designer)
    url = f"{API}/products/{first['id']}/variants"
    assert designer.post(url, {"sku": "COAT-M-BLK", "size": "M", "colour": "Black"}).status_code == 201

    before = catalog.recorder.max_notification_id()
    same_sku = designer.post(f"{API}/products/{second['id']}/variants", {"sku": "coat-m-blk", "size": "L"})
    assert (same_sku.status_code, field_errors(same_sku)) == (409, {("sku", "sku_taken")})
    same_variant = designer.post(url, {"sku": "COAT-M-BLK-2", "size": "M", "colour": "Black"})
    assert (same_variant.status_code, same_variant.json()["code"]) == (409, "variant_conflict")
    neither = designer.post(url, {"sku": "COAT-X"})
    assert (neither.status_code, field_errors(neither)) == (400, {("size", "invalid")})
    assert catalog.recorder.max_notification_id() == before

    removed = designer.delete(f"{url}/coat-m-blk")
    assert removed.json()["variants"] == []
    again = designer.post(f"{API}/products/{second['id']}/variants", {"sku": "COAT-M-BLK", "size": "M"})
    assert (again.status_code, again.json()["code"]) == (409, "sku_taken")  # a SKU is never reused
    unknown = designer.delete(f"{url}/NO-SUCH-SKU")
    assert (unknown.status_code, field_errors(unknown)) == (400, {("sku", "invalid")})


def test_images_are_checked_in_storage_then_reordered_and_removed(designer, catalog, local_storage, settings):
    product_id = create(designer)["id"]
    first = upload_and_attach(designer, product_id)["images"][0]
    second = upload_and_attach(designer, product_id, "PNG")["images"][1]

    url = f"{API}/products/{product_id}/images"
    reordered = designer.put(f"{url}/order", {"image_ids": [second["id"], first["id"]]}).json()
    assert [image["id"] for image in reordered["images"]] == [second["id"], first["id"]]
    assert [image["id"] for image in designer.delete(f"{url}/{second['id']}").json()["images"]] == [first["id"]]

    before = catalog.recorder.max_notification_id()
    wrong_type = designer.post(f"{url}/upload-url", {"content_type": "image/svg+xml"})
    assert (wrong_type.status_code, field_errors(wrong_type)) == (422, {("content_type", "invalid")})
    ticket = designer.post(f"{url}/upload-url", {"content_type": "image/jpeg"}).json()
    never_sent = designer.post(url, {"key": ticket["key"]})
    assert (never_sent.status_code, field_errors(never_sent)) == (400, {("key", "upload_missing")})
    designer.put(ticket["url"], content_type="image/jpeg", data=image_bytes("PNG"))
    not_a_jpeg = designer.post(url, {"key": ticket["key"]})
    assert (not_a_jpeg.status_code, field_errors(not_a_jpeg)) == (400, {("key", "invalid")})
    foreign = designer.post(url, {"key": f"products/{uuid4()}/x.jpg"})
    assert (foreign.status_code, field_errors(foreign)) == (400, {("key", "invalid")})
    settings.CATALOG_IMAGE_MAX_BYTES = 100
    too_big = designer.post(f"{url}/upload-url", {"content_type": "image/jpeg"}).json()
    sent = designer.put(too_big["url"], content_type="image/jpeg", data=image_bytes(size=(64, 64)))
    assert (sent.status_code, field_errors(sent)) == (400, {("file", "invalid_upload")})
    stale = designer.put(f"{url}/order", {"image_ids": [str(uuid4())]})
    assert (stale.status_code, field_errors(stale)) == (400, {("image_ids", "invalid")})
    assert catalog.recorder.max_notification_id() == before


# Who may do what.


def test_anonymous_clients_get_401_and_customers_403_and_nothing_is_stored(client, people, designer, catalog):
    product_id = create(designer)["id"]
    before = catalog.recorder.max_notification_id()
    for user, status, code in ((None, 401, "unauthenticated"), (people["customer"], 403, "permission_denied")):
        api = Api(client, user)
        for method, url, body in (
            ("post", f"{API}/products", GOWN),
            ("patch", f"{API}/products/{product_id}", {"name": "Mine now"}),
            ("post", f"{API}/products/{product_id}/archive", None),
            ("post", f"{API}/products/{product_id}/images/upload-url", {"content_type": "image/png"}),
            ("post", f"{API}/categories", {"name": "Shoes"}),
        ):
            response = api.call(method, url, body)
            assert (response.status_code, response.json()["code"]) == (status, code), (user, method, url)
    assert catalog.recorder.max_notification_id() == before


def test_a_designer_acts_only_on_their_own_products(client, people, designer, catalog, local_storage):
    product = ready(designer)
    rival = Api(client, people["rival"])
    before = catalog.recorder.max_notification_id()
    for method, url, body in (
        ("patch", f"{API}/products/{product['id']}", {"name": "Mine now"}),
        ("put", f"{API}/products/{product['id']}/price", {"price": "1.00", "currency": "EUR"}),
        ("post", f"{API}/products/{product['id']}/publish", None),
        ("post", f"{API}/products/{product['id']}/archive", None),
        ("post", f"{API}/products/{product['id']}/variants", {"sku": "RIVAL-1", "size": "XS"}),
        ("post", f"{API}/products/{product['id']}/images/upload-url", {"content_type": "image/png"}),
        ("get", f"{API}/stock/{product['sku']}", None),
        ("post", f"{API}/stock/{product['sku']}/adjust", {"delta": -3, "reason": "Took them"}),
        ("get", f"{API}/products/{product['id']}/history", None),
        ("patch", f"{API}/designers/{people['designer'].id}", {"bio": "Hijacked"}),
        ("post", f"{API}/products", {**GOWN, "designer_id": str(people["designer"].id)}),
    ):
        response = rival.call(method, url, body)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), (method, url)
    assert catalog.recorder.max_notification_id() == before
    draft = rival.get(f"{API}/products/{product['id']}")
    assert (draft.status_code, draft.json()["code"]) == (404, "not_found")


def test_staff_act_on_any_product_and_list_for_an_active_designer_only(client, people, staff, catalog, local_storage):
    designer_id = str(people["designer"].id)
    created = staff.post(f"{API}/products", {**GOWN, "designer_id": designer_id})
    assert created.status_code == 201
    product_id = created.json()["id"]
    assert created.json()["designer"]["id"] == designer_id
    [event] = catalog.repository.event_store.get(created.json()["id"])
    assert (event.designer_id, event.actor_id) == (people["designer"].id, people["staff"].id)

    assert staff.patch(f"{API}/products/{product_id}", {"name": "Staff Named"}).json()["name"] == "Staff Named"
    assert staff.post(f"{API}/products/{product_id}/archive").json()["status"] == "archived"

    before = catalog.recorder.max_notification_id()
    missing = staff.post(f"{API}/products", GOWN)
    assert (missing.status_code, field_errors(missing)) == (400, {("designer_id", "invalid")})
    for not_a_designer in (people["customer"].id, uuid4()):
        refused = staff.post(f"{API}/products", {**GOWN, "designer_id": str(not_a_designer)})
        assert (refused.status_code, field_errors(refused)) == (404, {("designer_id", "not_found")})
    assert catalog.recorder.max_notification_id() == before


def test_drafts_and_archived_products_are_shown_to_their_designer_and_staff_only(
    client, people, designer, staff, anonymous
):
    draft_id = create(designer)["id"]
    assert designer.get(f"{API}/products/{draft_id}").status_code == 200
    assert staff.get(f"{API}/products/{draft_id}").status_code == 200
    for api in (anonymous, Api(client, people["customer"]), Api(client, people["rival"])):
        assert api.get(f"{API}/products/{draft_id}").status_code == 404
    assert anonymous.get(f"{API}/products").json() == {"items": [], "count": 0}


# Bad input: a 4xx naming the field, and nothing stored.


BAD_PRODUCTS = [
    ({"price": "-10.00"}, 400, "price", "invalid"),
    ({"price": "0"}, 400, "price", "invalid"),
    ({"price": "10.001"}, 400, "price", "invalid"),
    ({"price": "100.5", "currency": "JPY"}, 400, "price", "invalid"),
    ({"price": 10}, 422, "price", "invalid"),
    ({"currency": "XYZ"}, 400, "currency", "invalid"),
    ({"currency": None}, 400, "currency", "invalid"),
    ({"category_id": str(uuid4())}, 404, "category_id", "not_found"),
    ({"name": "x" * 201}, 422, "name", "too_long"),
    ({"name": "Gown\x07"}, 400, "name", "invalid"),
    ({"name": "   "}, 400, "name", "invalid"),
    ({"description": "Silk\x00gown"}, 400, "description", "invalid"),
    ({"care_notes": "x" * 2001}, 422, "care_notes", "too_long"),
    ({"materials": ["silk\x1b"]}, 400, "materials.0", "invalid"),
    ({"slug": "Not A Slug"}, 400, "slug", "invalid"),
    ({"slug": "taken-slug"}, 409, "slug", "slug_taken"),
]


@pytest.mark.parametrize(("fields", "status", "field", "code"), BAD_PRODUCTS)
def test_bad_product_input_is_refused_naming_its_field(designer, catalog, fields, status, field, code):
    create(designer, slug="taken-slug")
    before = catalog.recorder.max_notification_id()
    response = designer.post(f"{API}/products", {**GOWN, **fields})
    assert response.status_code == status, response.content
    assert (field, code) in field_errors(response)
    assert catalog.recorder.max_notification_id() == before


def test_unknown_ids_are_not_found_naming_the_parameter(designer, staff, catalog):
    unknown = uuid4()
    for api, method, url, body, field in (
        (designer, "patch", f"{API}/products/{unknown}", {"name": "Ghost"}, "product_id"),
        (designer, "post", f"{API}/products/{unknown}/publish", None, "product_id"),
        (designer, "get", f"{API}/products/{unknown}", None, "product_id"),
        (staff, "get", f"{API}/products/{unknown}/history", None, "product_id"),
        (staff, "patch", f"{API}/categories/{unknown}", {"name": "Ghost"}, "category_id"),
        (designer, "get", f"{API}/designers/{unknown}", None, "designer_id"),
        (staff, "get", f"{API}/stock/NO-SUCH-SKU", None, "sku"),
    ):
        response = api.call(method, url, body)
        assert (response.status_code, field_errors(response)) == (404, {(field, "not_found")}), (method, url)
    category_id = staff.post(f"{API}/categories", {"name": "Coats"}).json()["id"]
    not_a_product = staff.get(f"{API}/products/{category_id}/history")
    assert (not_a_product.status_code, field_errors(not_a_product)) == (404, {("product_id", "not_found")})


def test_a_write_the_read_model_has_not_shown_yet_answers_202_with_its_id(client, people, catalog, settings):
    """No projection runs here: the command is stored, the answer says so rather than showing a stale row."""
    settings.PROJECTION_WAIT_SECONDS = 0.05
    response = Api(client, people["designer"]).post(f"{API}/products", GOWN)
    assert response.status_code == 202
    assert response.json()["pending"] is True
    assert events_of(catalog, response.json()["id"]) == ["Created"]


# Stock.


def test_stock_is_received_adjusted_with_a_reason_and_never_below_zero(designer, people, catalog, local_storage):
    product = ready(designer)
    sku = product["sku"]
    detail = designer.get(f"{API}/stock/{sku.lower()}").json()
    assert (detail["on_hand"], detail["reserved"], detail["available"], detail["threshold"]) == (3, 0, 3, 2)

    assert designer.post(f"{API}/stock/{sku}/receive", {"quantity": 7}).json()["on_hand"] == 10
    adjusted = designer.post(f"{API}/stock/{sku}/adjust", {"delta": -4, "reason": "Two damaged, two lost"}).json()
    assert (adjusted["on_hand"], adjusted["available"]) == (6, 6)
    assert designer.put(f"{API}/stock/{sku}/threshold", {"threshold": 5}).json()["threshold"] == 5
    stock = catalog.stock(sku)
    adjustment = [event for event in catalog.repository.event_store.get(stock.id) if type(event).__name__ == "Adjusted"]
    assert [(e.delta, e.reason, e.actor_id) for e in adjustment] == [
        (-4, "Two damaged, two lost", people["designer"].id)
    ]

    before = catalog.recorder.max_notification_id()
    for url, body, status, field, code in (
        (f"{API}/stock/{sku}/adjust", {"delta": -7, "reason": "Stock-take"}, 400, "delta", "invalid"),
        (f"{API}/stock/{sku}/adjust", {"delta": 0, "reason": "Nothing"}, 400, "delta", "invalid"),
        (f"{API}/stock/{sku}/adjust", {"delta": -1, "reason": ""}, 400, "reason", "invalid"),
        (f"{API}/stock/{sku}/adjust", {"delta": -1, "reason": "Lost\x07"}, 400, "reason", "invalid"),
        (f"{API}/stock/{sku}/adjust", {"delta": 1}, 422, "reason", "required"),
        (f"{API}/stock/{sku}/receive", {"quantity": 0}, 422, "quantity", "invalid"),
        (f"{API}/stock/{sku}/receive", {"quantity": "many"}, 422, "quantity", "invalid"),
        (f"{API}/stock/NO-SUCH-SKU/receive", {"quantity": 1}, 404, "sku", "not_found"),
    ):
        response = designer.post(url, body)
        assert (response.status_code, field_errors(response)) == (status, {(field, code)}), body
    assert designer.put(f"{API}/stock/{sku}/threshold", {"threshold": -1}).status_code == 422
    assert catalog.recorder.max_notification_id() == before
    assert designer.get(f"{API}/stock/{sku}").json()["on_hand"] == 6


# Categories.


def test_staff_build_the_category_tree_and_designers_may_not(client, people, staff, designer, catalog):
    women = staff.post(f"{API}/categories", {"name": "Women"}).json()
    assert (women["slug"], women["parent_id"], women["depth"]) == ("women", None, 0)
    coats = staff.post(f"{API}/categories", {"name": "Coats", "parent_id": women["id"]}).json()
    outerwear = staff.post(f"{API}/categories", {"name": "Outerwear", "slug": "outerwear", "parent_id": women["id"]})
    outerwear = outerwear.json()

    moved = staff.patch(f"{API}/categories/{coats['id']}", {"parent_id": outerwear["id"], "slug": "women-coats"})
    assert (moved.json()["parent_id"], moved.json()["depth"], moved.json()["slug"]) == (
        outerwear["id"],
        2,
        "women-coats",
    )
    renamed = staff.patch(f"{API}/categories/{women['id']}", {"name": "Womenswear"}).json()
    assert (renamed["name"], renamed["slug"]) == ("Womenswear", "women")

    tree = Api(client).get(f"{API}/categories").json()
    assert tree == [
        {
            "id": women["id"],
            "name": "Womenswear",
            "slug": "women",
            "children": [
                {
                    "id": outerwear["id"],
                    "name": "Outerwear",
                    "slug": "outerwear",
                    "children": [{"id": coats["id"], "name": "Coats", "slug": "women-coats", "children": []}],
                }
            ],
        }
    ]

    before = catalog.recorder.max_notification_id()
    for method, url, body, status, field, code in (
        ("patch", f"{API}/categories/{women['id']}", {"parent_id": coats["id"]}, 400, "parent_id", "invalid"),
        ("post", f"{API}/categories", {"name": "Coats", "slug": "women-coats"}, 409, "slug", "slug_taken"),
        ("post", f"{API}/categories", {"name": "Shoes", "parent_id": str(uuid4())}, 404, "parent_id", "not_found"),
        ("post", f"{API}/categories", {"name": "x" * 81}, 422, "name", "too_long"),
        ("post", f"{API}/categories", {"name": "Sho\x1bes"}, 400, "name", "invalid"),
        ("patch", f"{API}/categories/{women['id']}", {"slug": None}, 400, "slug", "invalid"),
        ("patch", f"{API}/categories/{coats['id']}", {"parent_id": str(uuid4())}, 404, "parent_id", "not_found"),
    ):
        response = staff.call(method, url, body)
        assert (response.status_code, field_errors(response)) == (status, {(field, code)}), body
    refused = designer.patch(f"{API}/categories/{women['id']}", {"name": "Mine"})
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert catalog.recorder.max_notification_id() == before


# Designers' profiles.


def test_designers_edit_their_own_profile_and_staff_anyones(client, people, designer, staff, anonymous, catalog):
    designer_id = people["designer"].id
    nameless = designer.patch(f"{API}/designers/{designer_id}", {"bio": "Couture, Paris."})
    assert (nameless.status_code, field_errors(nameless)) == (400, {("name", "invalid")})
    updated = designer.patch(f"{API}/designers/{designer_id}", {"name": "Ada Atelier", "bio": "Couture, Paris."})
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["slug"], updated.json()["bio"]) == (
        "Ada Atelier",
        "ada-atelier",
        "Couture, Paris.",
    )
    rival_id = people["rival"].id
    by_staff = staff.patch(f"{API}/designers/{rival_id}", {"name": "Rival House"}).json()
    assert by_staff["slug"] == "rival-house"
    [created] = catalog.repository.event_store.get(rival_id)
    assert created.actor_id == people["staff"].id

    listed = anonymous.get(f"{API}/designers").json()
    assert [row["name"] for row in listed["items"]] == ["Ada Atelier", "Rival House"]
    assert anonymous.get(f"{API}/designers/{designer_id}").json()["bio"] == "Couture, Paris."

    before = catalog.recorder.max_notification_id()
    for api, body, status, field, code in (
        (designer, {"bio": "x" * 3001}, 422, "bio", "too_long"),
        (designer, {"name": "\x00"}, 400, "name", "invalid"),
        (staff, {"bio": "No such designer"}, 404, "designer_id", "not_found"),
    ):
        url = f"{API}/designers/{uuid4() if api is staff else designer_id}"
        response = api.patch(url, body)
        assert (response.status_code, field_errors(response)) == (status, {(field, code)}), body
    customer = staff.patch(f"{API}/designers/{people['customer'].id}", {"name": "Not a designer"})
    assert customer.status_code == 404
    assert catalog.recorder.max_notification_id() == before
