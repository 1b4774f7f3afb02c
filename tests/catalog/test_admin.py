"""The catalog in Django admin, as a superuser uses it: read models to search and filter, changes only through
actions that run the catalog's commands with the staff member as actor. A refused command shows a message
and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocg.catalog.models import ProductView, VariantView
from ocg.identity.models import Role
from ocg.spine.domain.money import Money
from tests.catalog.graphql_support import catch_up, seed_product
from tests.catalog.rest_support import make_user

PRODUCTS = "/admin/catalog/productview/"
VARIANTS = "/admin/catalog/variantview/"


@pytest.fixture
def shop(event_store, catalog, settings, local_storage, run_projection):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ada = make_user(Role.DESIGNER, "Ada")
    catalog.update_designer_profile(ada.id, actor_id=ada.id, name="Ada Atelier")
    women = catalog.create_category(actor_id=None, name="Women")
    coats = catalog.create_category(actor_id=None, name="Coats", parent_id=women)
    men = catalog.create_category(actor_id=None, name="Men")
    ids = {
        "coat": seed_product(catalog, ada.id, "Wool Coat", price="900.00", category_id=coats, skus=("COAT-M",)),
        "draft": seed_product(catalog, ada.id, "Silk Draft", category_id=coats, publish=False, skus=("SILK-S",)),
        "bare": seed_product(catalog, ada.id, "Bare Shirt", category_id=men, publish=False, image=False),
        "tee": seed_product(catalog, ada.id, "Linen Tee", category_id=men, customizable=True, stock=0),
    }
    catch_up()
    run_projection("catalog")
    return {"ada": ada, "ids": ids, "categories": {"women": women, "coats": coats, "men": men}}


def events(catalog, aggregate_id) -> list:
    return list(catalog.repository.event_store.get(aggregate_id))


def act(admin_client, url: str, action: str, *pks, **fields):
    """Selects rows on a changelist and runs an action, as the action bar posts it; follows to the page shown."""
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **fields}
    return admin_client.post(url, data, follow=True)


def apply(admin_client, url: str, action: str, *pks, **fields):
    """Submits an action's form page; back on the list when it went ahead, the form again when not."""
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "apply": "yes", **fields}
    return admin_client.post(url, data, follow=True)


def went_back_to_the_list(response) -> bool:
    return response.status_code == 200 and [status for _, status in response.redirect_chain] == [302]


def messages_of(response) -> list[tuple[str, str]]:
    """The messages the page showed (showing them uses them up)."""
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def test_products_are_searched_filtered_and_linked_to_their_designer_and_category(admin_client, shop):
    ids, categories = shop["ids"], shop["categories"]
    for query, shown, hidden in (
        ("q=wool", ["Wool Coat"], ["Silk Draft"]),
        ("q=ada+atelier", ["Wool Coat", "Linen Tee"], []),
        ("q=silk-draft", ["Silk Draft"], ["Wool Coat"]),
        ("status=draft", ["Silk Draft", "Bare Shirt"], ["Wool Coat"]),
        (f"category={categories['women']}", ["Wool Coat", "Silk Draft"], ["Linen Tee"]),
        (f"category={categories['men']}", ["Linen Tee", "Bare Shirt"], ["Wool Coat"]),
        ("in_stock__exact=0", ["Linen Tee"], ["Wool Coat"]),
        ("customizable__exact=1", ["Linen Tee"], ["Wool Coat"]),
        ("currency=EUR", ["Wool Coat"], []),
    ):
        page = admin_client.get(f"{PRODUCTS}?{query}")
        assert page.status_code == 200, query
        text = page.content.decode()
        assert all(name in text for name in shown), query
        assert not any(name in text for name in hidden), query
    listing = admin_client.get(PRODUCTS).content.decode()
    assert f'href="/admin/identity/user/{shop["ada"].id}/change/"' in listing
    assert f'href="/admin/catalog/categoryview/{categories["coats"]}/change/"' in listing
    assert "900.00 EUR" in listing

    detail = admin_client.get(f"{PRODUCTS}{ids['coat']}/change/").content.decode()
    assert "COAT-M" in detail and "1 on hand" in detail
    for url in (VARIANTS + "?q=coat-m", "/admin/catalog/categoryview/?q=coats", "/admin/catalog/designerview/?q=ada"):
        assert admin_client.get(url).status_code == 200, url


def test_read_models_cannot_be_edited_by_hand(admin_client, shop):
    coat = shop["ids"]["coat"]
    assert admin_client.get(f"{PRODUCTS}add/").status_code == 403
    assert admin_client.post(f"{PRODUCTS}{coat}/change/", {"name": "Hand edited"}).status_code == 403
    assert admin_client.post(f"{PRODUCTS}{coat}/delete/", {"post": "yes"}).status_code == 403
    assert ProductView.objects.get(id=coat).name == "Wool Coat"


def test_lifecycle_actions_are_events_with_the_staff_member_as_actor(admin_client, admin_user, shop, catalog):
    draft, coat = shop["ids"]["draft"], shop["ids"]["coat"]

    response = act(admin_client, PRODUCTS, "publish", draft)
    assert went_back_to_the_list(response)
    assert ("success", "Published: 1 of 1.") in messages_of(response)
    assert ProductView.objects.get(id=draft).status == "published"
    published = events(catalog, draft)[-1]
    assert (type(published).__name__, published.actor_id) == ("Published", admin_user.id)

    act(admin_client, PRODUCTS, "unpublish", draft)
    act(admin_client, PRODUCTS, "archive", draft, coat)
    for product_id, last_two in ((draft, ["Unpublished", "Archived"]), (coat, ["Published", "Archived"])):
        history = events(catalog, product_id)
        assert [type(e).__name__ for e in history[-2:]] == last_two
        assert history[-1].actor_id == admin_user.id
    assert set(ProductView.objects.filter(id__in=[draft, coat]).values_list("status", flat=True)) == {"archived"}


def test_a_refused_action_shows_a_message_and_changes_nothing(admin_client, shop, catalog):
    bare, coat = shop["ids"]["bare"], shop["ids"]["coat"]
    before = catalog.recorder.max_notification_id()

    response = act(admin_client, PRODUCTS, "publish", bare)
    assert went_back_to_the_list(response)
    [(level, text)] = messages_of(response)
    assert level == "error" and "Bare Shirt" in text and "an image" in text
    unpublished = act(admin_client, PRODUCTS, "unpublish", shop["ids"]["draft"])
    assert [level for level, _ in messages_of(unpublished)] == ["error"]

    assert catalog.recorder.max_notification_id() == before
    assert ProductView.objects.get(id=bare).status == "draft"
    assert ProductView.objects.get(id=coat).status == "published"


def test_a_new_price_goes_through_a_form_page(admin_client, admin_user, shop, catalog):
    coat = shop["ids"]["coat"]
    form_page = act(admin_client, PRODUCTS, "change_price", coat)
    assert form_page.status_code == 200 and not form_page.redirect_chain
    assert b"Change price" in form_page.content and b'value="EUR"' in form_page.content

    before = catalog.recorder.max_notification_id()
    for fields, error in (
        ({"price": "abc", "currency": "EUR"}, b"decimal number"),
        ({"price": "10.5", "currency": "JPY"}, b"JPY amounts have no decimal places"),
        ({"price": "10", "currency": "XYZ"}, b"ISO 4217"),
        ({"price": "", "currency": "EUR"}, b"This field is required"),
    ):
        again = apply(admin_client, PRODUCTS, "change_price", coat, **fields)
        assert not again.redirect_chain and error in again.content, fields
    refused = apply(admin_client, PRODUCTS, "change_price", coat, price="-5.00", currency="EUR")
    assert [level for level, _ in messages_of(refused)] == ["error"]
    assert catalog.recorder.max_notification_id() == before

    done = apply(admin_client, PRODUCTS, "change_price", coat, price="1850.00", currency="EUR")
    assert went_back_to_the_list(done)
    assert messages_of(done) == [("success", "Price changed: 1 of 1.")]
    changed = events(catalog, coat)[-1]
    assert (type(changed).__name__, changed.price, changed.actor_id) == (
        "PriceChanged",
        Money(Decimal("1850.00"), "EUR"),
        admin_user.id,
    )
    assert ProductView.objects.get(id=coat).price == Decimal("1850.00")


def test_stock_is_received_and_adjusted_with_a_reason_through_forms(admin_client, admin_user, shop, catalog):
    assert not act(admin_client, VARIANTS, "receive_stock", "COAT-M").redirect_chain
    assert went_back_to_the_list(apply(admin_client, VARIANTS, "receive_stock", "COAT-M", quantity="5"))
    adjusted = apply(admin_client, VARIANTS, "adjust_stock", "COAT-M", delta="-2", reason="Two moth-eaten")
    assert went_back_to_the_list(adjusted)

    stock = catalog.stock("COAT-M")
    received, adjustment = list(catalog.repository.event_store.get(stock.id))[-2:]
    assert (type(received).__name__, received.quantity, received.actor_id) == ("Received", 5, admin_user.id)
    assert (adjustment.delta, adjustment.reason, adjustment.actor_id) == (-2, "Two moth-eaten", admin_user.id)
    assert VariantView.objects.get(sku="COAT-M").on_hand == 4

    before = catalog.recorder.max_notification_id()
    too_many = apply(admin_client, VARIANTS, "adjust_stock", "COAT-M", delta="-5", reason="Stock-take")
    [(level, text)] = messages_of(too_many)
    assert level == "error" and "COAT-M" in text
    no_reason = apply(admin_client, VARIANTS, "adjust_stock", "COAT-M", delta="-1", reason="")
    assert not no_reason.redirect_chain and b"This field is required" in no_reason.content
    control = apply(admin_client, VARIANTS, "adjust_stock", "COAT-M", delta="-1", reason="Lost\x07")
    assert [level for level, _ in messages_of(control)] == ["error"]
    zero = apply(admin_client, VARIANTS, "receive_stock", "COAT-M", quantity="0")
    assert not zero.redirect_chain and b"greater than or equal to 1" in zero.content
    assert catalog.recorder.max_notification_id() == before
    assert VariantView.objects.get(sku="COAT-M").on_hand == 4
