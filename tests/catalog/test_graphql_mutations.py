"""The catalog's GraphQL mutations over HTTP on PostgreSQL: each command's happy path read back at once,
its refusals (field errors, lifecycle rules, owners, roles), and nothing stored when refused."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ocg.catalog.models import CategoryView, DesignerView, ProductView, VariantView
from ocg.spine import uploads
from tests.catalog.graphql_support import (
    Role,
    graphql,
    isolated_catalog,
    jpeg,
    make_staff,
    make_user,
    seed_product,
    sign_in,
)

PRODUCT_FIELDS = """
  id pending
  result {
    id name slug status description materials careNotes customizable
    price { amount currency }
    designer { id name }
    category { name }
    variants { sku size colour available }
    images { id width height altText }
  }
  errors { field code message }
"""


def document(signature: str, call: str, fields: str = PRODUCT_FIELDS) -> str:
    return f"mutation({signature}) {{ m: {call} {{ {fields} }} }}"


CREATE = document("$input: ProductCreateInput!", "productCreate(input: $input)")
UPDATE = document("$id: UUID!, $input: ProductUpdateInput!", "productUpdate(id: $id, input: $input)")
PRICE = document("$id: UUID!, $price: MoneyInput!", "productPriceChange(id: $id, price: $price)")
PUBLISH = document("$id: UUID!", "productPublish(id: $id)")
UNPUBLISH = document("$id: UUID!", "productUnpublish(id: $id)")
ARCHIVE = document("$id: UUID!", "productArchive(id: $id)")
VARIANT_ADD = document("$id: UUID!, $input: ProductVariantInput!", "productVariantAdd(id: $id, input: $input)")
VARIANT_REMOVE = document("$id: UUID!, $sku: String!", "productVariantRemove(id: $id, sku: $sku)")
UPLOAD_URL = document(
    "$id: UUID!, $contentType: String!",
    "productImageUploadUrl(id: $id, contentType: $contentType)",
    "pending errors { field code message } "
    "result { key method url expiresAt fields { name value } headers { name value } }",
)
ATTACH = document("$id: UUID!, $key: String!, $alt: String", "productImageAttach(id: $id, key: $key, altText: $alt)")
REORDER = document("$id: UUID!, $ids: [UUID!]!", "productImagesReorder(id: $id, imageIds: $ids)")
IMAGE_REMOVE = document("$id: UUID!, $image: UUID!", "productImageRemove(id: $id, imageId: $image)")
CATEGORY_FIELDS = "id pending result { id name slug depth parentId ancestors { slug } } errors { field code message }"
CATEGORY_CREATE = document("$input: CategoryCreateInput!", "categoryCreate(input: $input)", CATEGORY_FIELDS)
CATEGORY_UPDATE = document(
    "$id: UUID!, $input: CategoryUpdateInput!", "categoryUpdate(id: $id, input: $input)", CATEGORY_FIELDS
)
STOCK_FIELDS = "pending result { sku available inStock } errors { field code message }"
RECEIVE = document("$sku: String!, $quantity: Int!", "stockReceive(sku: $sku, quantity: $quantity)", STOCK_FIELDS)
ADJUST = document(
    "$sku: String!, $delta: Int!, $reason: String!",
    "stockAdjust(sku: $sku, delta: $delta, reason: $reason)",
    STOCK_FIELDS,
)
THRESHOLD = document(
    "$sku: String!, $threshold: Int!", "stockThresholdSet(sku: $sku, threshold: $threshold)", STOCK_FIELDS
)
PROFILE = document(
    "$input: DesignerProfileInput!, $designerId: UUID",
    "designerProfileUpdate(input: $input, designerId: $designerId)",
    "id pending result { id name slug bio productCount } errors { field code message }",
)


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    yield from isolated_catalog(settings, tmp_path)


@pytest.fixture
def world(catalog, run_projection):
    run_projection("catalog")
    return {
        "ada": make_user(Role.DESIGNER, "Maison Ada"),
        "ben": make_user(Role.DESIGNER, "Atelier Ben"),
        "staff": make_staff(),
        "customer": make_user(Role.CUSTOMER),
        "coats": catalog.create_category(actor_id=None, name="Coats"),
    }


def mutate(client, user, query: str, **variables) -> dict:
    sign_in(client, user)
    body = graphql(client, query, **variables)
    assert "errors" not in body, body
    return body["data"]["m"]


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    assert payload["pending"] is False
    return payload["result"]


def refusal(payload: dict) -> tuple[str | None, str]:
    assert payload["result"] is None, payload
    [error] = payload["errors"]
    return error["field"], error["code"]


def a_draft(client, world, **fields) -> dict:
    product_input = {"name": "Camel Coat", "price": {"amount": "1200.00", "currency": "EUR"}, **fields}
    return ok(mutate(client, world["ada"], CREATE, input=product_input))


def test_a_designer_creates_a_draft_and_reads_it_back_at_once(client, world, catalog):
    product = a_draft(
        client,
        world,
        description="Double-faced wool.",
        categoryId=str(world["coats"]),
        materials=["Wool", "Cashmere"],
        careNotes="Dry clean.",
        customizable=True,
    )
    assert product["name"] == "Camel Coat" and product["slug"] == "camel-coat" and product["status"] == "DRAFT"
    assert product["price"] == {"amount": "1200.00", "currency": "EUR"}
    assert product["designer"] == {"id": str(world["ada"].id), "name": "Maison Ada"}
    assert product["category"] == {"name": "Coats"}
    assert product["materials"] == ["Wool", "Cashmere"] and product["careNotes"] == "Dry clean."
    assert product["customizable"] is True and product["variants"] == [] and product["images"] == []
    assert DesignerView.objects.get(id=world["ada"].id).name == "Maison Ada"
    assert catalog.repository.get(product["id"]).designer_id == world["ada"].id


def test_a_designer_without_a_display_name_is_shown_as_designer_never_by_email(client, world):
    nameless = make_user(Role.DESIGNER)
    payload = mutate(client, nameless, CREATE, input={"name": "Plain Tee"})
    assert ok(payload)["designer"]["name"] == "Designer"
    assert nameless.email.split("@")[0] not in str(payload)


def test_staff_create_for_a_named_active_designer(client, world, catalog):
    staff, ada, customer = world["staff"], world["ada"], world["customer"]
    assert refusal(mutate(client, staff, CREATE, input={"name": "Coat"})) == ("designerId", "invalid")
    for someone in (customer.id, uuid4(), staff.id):
        assert refusal(mutate(client, staff, CREATE, input={"name": "Coat", "designerId": str(someone)})) == (
            "designerId",
            "invalid",
        )
    product = ok(mutate(client, staff, CREATE, input={"name": "Coat", "designerId": str(ada.id)}))
    assert product["designer"]["id"] == str(ada.id)
    [created] = catalog.product_history(product["id"])
    assert created["actor_id"] == staff.id


def test_a_designer_creates_only_for_themselves(client, world):
    ada, ben = world["ada"], world["ben"]
    refused = mutate(client, ada, CREATE, input={"name": "Coat", "designerId": str(ben.id)})
    assert refusal(refused) == ("designerId", "permission_denied")
    assert ok(mutate(client, ada, CREATE, input={"name": "Coat", "designerId": str(ada.id)}))["designer"]["id"] == str(
        ada.id
    )


@pytest.mark.parametrize(
    ("product_input", "field", "code"),
    [
        ({"name": " "}, "name", "invalid"),
        ({"name": "Silk\x00Gown"}, "name", "invalid"),
        ({"name": "Coat \u202etxt.exe"}, "name", "invalid"),
        ({"name": "x" * 201}, "name", "invalid"),
        ({"price": {"amount": "ten", "currency": "EUR"}}, "price.amount", "invalid"),
        ({"price": {"amount": "-1", "currency": "EUR"}}, "price.amount", "invalid"),
        ({"price": {"amount": "0", "currency": "EUR"}}, "price.amount", "invalid"),
        ({"price": {"amount": "10.5", "currency": "JPY"}}, "price.amount", "invalid"),
        ({"price": {"amount": "10.505", "currency": "EUR"}}, "price.amount", "invalid"),
        ({"price": {"amount": "1e3", "currency": "EUR"}}, "price.amount", "invalid"),
        ({"price": {"amount": "10.00", "currency": "XYZ"}}, "price.currency", "invalid"),
        ({"price": {"amount": "10.00", "currency": "XXX"}}, "price.currency", "invalid"),
        ({"categoryId": "00000000-0000-4000-8000-000000000000"}, "categoryId", "not_found"),
        ({"slug": "Not A Slug"}, "slug", "invalid"),
        ({"materials": ["Wool", "Silk\x07"]}, "materials.1", "invalid"),
        ({"careNotes": "x" * 2001}, "careNotes", "invalid"),
        ({"description": "Soft\x00"}, "description", "invalid"),
    ],
)
def test_bad_product_input_is_a_field_error_and_stores_nothing(client, world, catalog, product_input, field, code):
    before = catalog.recorder.max_notification_id()
    payload = mutate(client, world["ada"], CREATE, input={"name": "Coat", **product_input})
    assert refusal(payload) == (field, code)
    assert catalog.recorder.max_notification_id() == before


def test_a_slug_is_one_products_only(client, world):
    a_draft(client, world, slug="camel-coat")
    payload = mutate(client, world["ben"], CREATE, input={"name": "Other", "slug": "camel-coat"})
    assert refusal(payload) == ("slug", "slug_taken")
    assert ok(mutate(client, world["ben"], CREATE, input={"name": "Camel Coat"}))["slug"] == "camel-coat-2"


def test_an_update_changes_only_what_is_given(client, world):
    product = a_draft(client, world, description="Wool.", categoryId=str(world["coats"]))
    changed = ok(
        mutate(
            client, world["ada"], UPDATE, id=product["id"], input={"name": "Long Camel Coat", "careNotes": "Air it."}
        )
    )
    assert (changed["name"], changed["careNotes"], changed["description"]) == ("Long Camel Coat", "Air it.", "Wool.")
    assert changed["slug"] == "camel-coat" and changed["category"] == {"name": "Coats"}
    moved = ok(mutate(client, world["ada"], UPDATE, id=product["id"], input={"categoryId": None, "slug": "long-coat"}))
    assert moved["category"] is None and moved["slug"] == "long-coat"
    assert refusal(mutate(client, world["ada"], UPDATE, id=str(uuid4()), input={"name": "X"})) == ("id", "not_found")
    assert refusal(mutate(client, world["ada"], UPDATE, id=product["id"], input={"name": "\x1b[31m"})) == (
        "name",
        "invalid",
    )


def test_a_price_change(client, world):
    product = a_draft(client, world)
    repriced = ok(mutate(client, world["ada"], PRICE, id=product["id"], price={"amount": "990", "currency": "eur"}))
    assert repriced["price"] == {"amount": "990.00", "currency": "EUR"}
    for price, field in (
        ({"amount": "9.999", "currency": "EUR"}, "price.amount"),
        ({"amount": "9", "currency": "EU"}, "price.currency"),
    ):
        assert refusal(mutate(client, world["ada"], PRICE, id=product["id"], price=price)) == (field, "invalid")


def uploaded_key(client, user, product_id: str, content_type: str = "image/jpeg") -> str:
    ticket = ok(mutate(client, user, UPLOAD_URL, id=product_id, contentType=content_type))
    assert ticket["method"] == "PUT" and ticket["url"].startswith("/api/uploads/")
    assert ticket["headers"] == [{"name": "Content-Type", "value": content_type}]
    assert ticket["key"].startswith(f"products/{product_id}/") and ticket["expiresAt"]
    uploads.save(ticket["key"], jpeg(12, 9), content_type)
    return ticket["key"]


def test_the_lifecycle_from_draft_to_archived(client, world):
    ada, staff = world["ada"], world["staff"]
    product = a_draft(client, world)
    product_id = product["id"]

    payload = mutate(client, ada, PUBLISH, id=product_id)
    assert refusal(payload) == (None, "illegal_step")
    assert "an image, a variant" in payload["errors"][0]["message"]

    with_variant = ok(mutate(client, ada, VARIANT_ADD, id=product_id, input={"sku": "coat-m", "size": "M"}))
    assert with_variant["variants"] == [{"sku": "COAT-M", "size": "M", "colour": "", "available": 0}]
    key = uploaded_key(client, ada, product_id)
    with_image = ok(mutate(client, ada, ATTACH, id=product_id, key=key, alt="The coat, front"))
    assert [(i["width"], i["height"], i["altText"]) for i in with_image["images"]] == [(12, 9, "The coat, front")]

    assert ok(mutate(client, ada, PUBLISH, id=product_id))["status"] == "PUBLISHED"
    assert refusal(mutate(client, ada, PUBLISH, id=product_id)) == (None, "illegal_step")
    assert ok(mutate(client, ada, UNPUBLISH, id=product_id))["status"] == "DRAFT"
    assert ok(mutate(client, staff, PUBLISH, id=product_id))["status"] == "PUBLISHED"
    assert ok(mutate(client, ada, ARCHIVE, id=product_id))["status"] == "ARCHIVED"
    assert refusal(mutate(client, ada, UPDATE, id=product_id, input={"name": "Again"})) == (None, "product_archived")
    assert refusal(mutate(client, staff, UNPUBLISH, id=product_id))[1] == "product_archived"
    assert ProductView.objects.get(id=product_id).status == "archived"


def test_variants_are_unique_and_removable(client, world):
    ada = world["ada"]
    coat, other = a_draft(client, world), a_draft(client, world, name="Other Coat")
    ok(mutate(client, ada, VARIANT_ADD, id=coat["id"], input={"sku": "COAT-M-CAMEL", "size": "M", "colour": "Camel"}))
    same_look = mutate(client, ada, VARIANT_ADD, id=coat["id"], input={"sku": "COAT-2", "size": "M", "colour": "Camel"})
    assert refusal(same_look) == ("size", "variant_conflict")
    taken = mutate(client, ada, VARIANT_ADD, id=other["id"], input={"sku": "coat-m-camel", "size": "L"})
    assert refusal(taken) == ("sku", "sku_taken")
    assert refusal(mutate(client, ada, VARIANT_ADD, id=coat["id"], input={"sku": "x", "size": "L"})) == (
        "sku",
        "invalid",
    )
    assert refusal(mutate(client, ada, VARIANT_ADD, id=coat["id"], input={"sku": "COAT-9"})) == ("size", "invalid")
    assert ok(mutate(client, ada, VARIANT_REMOVE, id=coat["id"], sku="coat-m-camel"))["variants"] == []
    assert refusal(mutate(client, ada, VARIANT_REMOVE, id=coat["id"], sku="COAT-M-CAMEL")) == ("sku", "invalid")


def test_images_are_checked_attached_reordered_and_removed(client, world):
    ada = world["ada"]
    coat, other = a_draft(client, world), a_draft(client, world, name="Other Coat")
    wrong_type = mutate(client, ada, UPLOAD_URL, id=coat["id"], contentType="image/gif")
    assert refusal(wrong_type) == ("contentType", "invalid_upload")
    never_sent = ok(mutate(client, ada, UPLOAD_URL, id=coat["id"], contentType="image/png"))["key"]
    assert refusal(mutate(client, ada, ATTACH, id=coat["id"], key=never_sent)) == ("key", "upload_missing")
    others = uploaded_key(client, ada, other["id"])
    assert refusal(mutate(client, ada, ATTACH, id=coat["id"], key=others)) == ("key", "invalid")
    not_an_image = ok(mutate(client, ada, UPLOAD_URL, id=coat["id"], contentType="image/jpeg"))["key"]
    uploads.save(not_an_image, b"plain text, not a JPEG", "image/jpeg")
    assert refusal(mutate(client, ada, ATTACH, id=coat["id"], key=not_an_image)) == ("key", "invalid")

    first = ok(mutate(client, ada, ATTACH, id=coat["id"], key=uploaded_key(client, ada, coat["id"]), alt="front"))
    both = ok(mutate(client, ada, ATTACH, id=coat["id"], key=uploaded_key(client, ada, coat["id"]), alt="back"))
    ids = [image["id"] for image in both["images"]]
    assert [image["altText"] for image in both["images"]] == ["front", "back"] and ids[0] == first["images"][0]["id"]
    reordered = ok(mutate(client, ada, REORDER, id=coat["id"], ids=ids[::-1]))
    assert [image["altText"] for image in reordered["images"]] == ["back", "front"]
    assert refusal(mutate(client, ada, REORDER, id=coat["id"], ids=ids[:1])) == ("imageIds", "invalid")
    left = ok(mutate(client, ada, IMAGE_REMOVE, id=coat["id"], image=ids[1]))
    assert [image["altText"] for image in left["images"]] == ["front"]
    assert refusal(mutate(client, ada, IMAGE_REMOVE, id=coat["id"], image=ids[1])) == ("imageId", "invalid")


def test_staff_manage_the_category_tree(client, world):
    staff = world["staff"]
    women = ok(mutate(client, staff, CATEGORY_CREATE, input={"name": "Women"}))
    assert (women["slug"], women["depth"], women["parentId"]) == ("women", 0, None)
    dresses = ok(mutate(client, staff, CATEGORY_CREATE, input={"name": "Dresses", "parentId": women["id"]}))
    assert (dresses["depth"], dresses["parentId"], dresses["ancestors"]) == (1, women["id"], [{"slug": "women"}])
    duplicate = mutate(client, staff, CATEGORY_CREATE, input={"name": "Women again", "slug": "women"})
    assert refusal(duplicate) == ("slug", "slug_taken")
    orphan = mutate(client, staff, CATEGORY_CREATE, input={"name": "Lost", "parentId": str(uuid4())})
    assert refusal(orphan) == ("parentId", "not_found")
    renamed = ok(mutate(client, staff, CATEGORY_UPDATE, id=dresses["id"], input={"name": "Gowns", "slug": "gowns"}))
    assert (renamed["name"], renamed["slug"], renamed["depth"]) == ("Gowns", "gowns", 1)
    rooted = ok(mutate(client, staff, CATEGORY_UPDATE, id=dresses["id"], input={"parentId": None}))
    assert (rooted["depth"], rooted["parentId"]) == (0, None)
    inside_itself = mutate(client, staff, CATEGORY_UPDATE, id=women["id"], input={"parentId": women["id"]})
    assert refusal(inside_itself) == ("parentId", "invalid")
    assert refusal(mutate(client, world["ada"], CATEGORY_CREATE, input={"name": "Mine"})) == (None, "permission_denied")
    assert CategoryView.objects.filter(name="Mine").count() == 0


def test_stock_is_received_adjusted_and_given_a_threshold(client, world, catalog):
    ada, ben, staff = world["ada"], world["ben"], world["staff"]
    coat = a_draft(client, world)
    ok(mutate(client, ada, VARIANT_ADD, id=coat["id"], input={"sku": "COAT-M", "size": "M"}))

    assert ok(mutate(client, ada, RECEIVE, sku="coat-m", quantity=5)) == {
        "sku": "COAT-M",
        "available": 5,
        "inStock": True,
    }
    adjusted = ok(mutate(client, staff, ADJUST, sku="COAT-M", delta=-2, reason="Two damaged in transit"))
    assert adjusted["available"] == 3
    assert refusal(mutate(client, ada, ADJUST, sku="COAT-M", delta=-4, reason="Stock-take")) == ("delta", "invalid")
    assert refusal(mutate(client, ada, ADJUST, sku="COAT-M", delta=-1, reason="")) == ("reason", "invalid")
    assert refusal(mutate(client, ada, RECEIVE, sku="COAT-M", quantity=0)) == ("quantity", "invalid")
    assert refusal(mutate(client, ada, RECEIVE, sku="NO-SUCH-SKU", quantity=1)) == ("sku", "not_found")
    assert refusal(mutate(client, ben, RECEIVE, sku="COAT-M", quantity=1)) == (None, "permission_denied")
    assert ok(mutate(client, ada, THRESHOLD, sku="COAT-M", threshold=4))["available"] == 3
    assert VariantView.objects.get(sku="COAT-M").low_stock_threshold == 4
    assert refusal(mutate(client, ada, THRESHOLD, sku="COAT-M", threshold=-1)) == ("threshold", "invalid")
    assert catalog.stock("COAT-M").available == 3


def test_designer_profiles_are_edited_by_their_designer_or_staff(client, world):
    ada, ben, staff = world["ada"], world["ben"], world["staff"]
    mine = ok(mutate(client, ada, PROFILE, input={"name": "Maison Ada Paris", "bio": "Tailoring from Lyon."}))
    assert (mine["id"], mine["name"], mine["bio"]) == (str(ada.id), "Maison Ada Paris", "Tailoring from Lyon.")
    assert refusal(mutate(client, ada, PROFILE, input={"bio": "Mine now"}, designerId=str(ben.id))) == (
        "designerId",
        "permission_denied",
    )
    assert refusal(mutate(client, staff, PROFILE, input={"bio": "Edited"})) == ("designerId", "invalid")
    assert refusal(mutate(client, staff, PROFILE, input={"bio": "x"}, designerId=str(world["customer"].id))) == (
        "designerId",
        "invalid",
    )
    edited = ok(mutate(client, staff, PROFILE, input={"bio": "Edited by the shop."}, designerId=str(ada.id)))
    assert (edited["name"], edited["bio"]) == ("Maison Ada Paris", "Edited by the shop.")
    assert refusal(mutate(client, ben, PROFILE, input={"bio": "No name yet"})) == ("name", "invalid")
    assert refusal(mutate(client, ada, PROFILE, input={"bio": "\x00"})) == ("bio", "invalid")


OWN_PRODUCT_MUTATIONS = {
    "productUpdate": (UPDATE, {"input": {"name": "Mine now"}}),
    "productPriceChange": (PRICE, {"price": {"amount": "1.00", "currency": "EUR"}}),
    "productPublish": (PUBLISH, {}),
    "productUnpublish": (UNPUBLISH, {}),
    "productArchive": (ARCHIVE, {}),
    "productVariantAdd": (VARIANT_ADD, {"input": {"sku": "BEN-1", "size": "S"}}),
    "productVariantRemove": (VARIANT_REMOVE, {"sku": "ADA-1"}),
    "productImageUploadUrl": (UPLOAD_URL, {"contentType": "image/jpeg"}),
    "productImageAttach": (ATTACH, {"key": "products/x/y.jpg"}),
    "productImagesReorder": (REORDER, {"ids": []}),
    "productImageRemove": (IMAGE_REMOVE, {"image": str(uuid4())}),
    "stockReceive": (RECEIVE, {"quantity": 1}),
    "stockAdjust": (ADJUST, {"delta": -1, "reason": "Mine now"}),
    "stockThresholdSet": (THRESHOLD, {"threshold": 9}),
}


@pytest.mark.parametrize("name", sorted(OWN_PRODUCT_MUTATIONS))
def test_a_designer_cannot_touch_another_designers_product_or_stock(client, world, catalog, name):
    ada = world["ada"]
    product = seed_product(catalog, ada.id, "Ada's Coat", skus=("ADA-1",), stock=3)
    before = catalog.recorder.max_notification_id()
    query, variables = OWN_PRODUCT_MUTATIONS[name]
    target = {"sku": "ADA-1"} if name.startswith("stock") else {"id": str(product)}
    payload = mutate(client, world["ben"], query, **target, **variables)
    assert refusal(payload)[1] == "permission_denied"
    assert catalog.recorder.max_notification_id() == before


@pytest.mark.parametrize(("role", "code"), [(None, "unauthenticated"), (Role.CUSTOMER, "permission_denied")])
def test_anonymous_and_customers_are_refused_before_anything_runs(client, world, catalog, role, code):
    before = catalog.recorder.max_notification_id()
    user = None if role is None else world["customer"]
    assert refusal(mutate(client, user, CREATE, input={"name": "Coat"})) == (None, code)
    assert refusal(mutate(client, user, CATEGORY_CREATE, input={"name": "Coats"})) == (None, code)
    assert refusal(mutate(client, user, RECEIVE, sku="ANY-SKU", quantity=1)) == (None, code)
    assert catalog.recorder.max_notification_id() == before


def test_a_lagging_read_model_answers_pending_with_the_id(client, catalog, settings):
    """No projection runs here: the change is stored, and the answer says so instead of showing a stale row."""
    settings.PROJECTION_WAIT_SECONDS = 0.05
    ada = make_user(Role.DESIGNER, "Maison Ada")
    payload = mutate(client, ada, CREATE, input={"name": "Camel Coat"})
    assert payload["pending"] is True and payload["result"] is None and payload["errors"] == []
    assert catalog.repository.get(payload["id"]).name == "Camel Coat"
