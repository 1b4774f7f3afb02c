"""The catalog's aggregates: given events, when a command, then these events (or this error). No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.catalog.domain import (
    Category,
    Designer,
    IllegalProductStep,
    InvalidCategory,
    InvalidProduct,
    InvalidStock,
    NotProductOwner,
    OutOfStock,
    Product,
    ProductArchived,
    ProductSlug,
    Stock,
    VariantConflict,
)
from ocg.catalog.domain.product import ARCHIVED, DRAFT, PUBLISHED
from ocg.spine.domain.money import Money

EUR = "EUR"
ACTOR = uuid4()
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def price(amount: str = "2400.00", currency: str = EUR) -> Money:
    return Money(Decimal(amount), currency)


def new_product(**overrides) -> Product:
    fields = {"designer_id": uuid4(), "actor_id": ACTOR, "name": "Silk Gown", "slug": "silk-gown", "price": price()}
    fields.update(overrides)
    return Product.create(**fields)


def events_of(aggregate) -> list:
    return aggregate.collect_events()


def ready_to_publish(product: Product | None = None) -> Product:
    product = product or new_product()
    product.add_variant("GOWN-S-IVORY", "S", "Ivory", ACTOR, None)
    product.attach_image(uuid4(), "products/x/a.jpg", "image/jpeg", 800, 1200, 1000, "", ACTOR, None)
    return product


# Product: creation and details.


def test_create_emits_created_with_cleaned_fields():
    designer = uuid4()
    product = new_product(
        designer_id=designer,
        name="  Silk Gown ",
        description="Line one\r\nLine two",
        materials=["Silk", " Silk ", "Cotton"],
        customizable=True,
    )
    [created] = events_of(product)
    assert isinstance(created, Product.Created)
    assert created.name == "Silk Gown"
    assert created.description == "Line one\nLine two"
    assert created.materials == ["Silk", "Cotton"]
    assert created.designer_id == designer and created.actor_id == ACTOR
    assert created.customizable is True
    assert product.status == DRAFT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Silk\x00Gown"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"slug": "Silk Gown"}, "slug"),
        ({"slug": "-gown"}, "slug"),
        ({"slug": "a" * 121}, "slug"),
        ({"description": "x\x07y"}, "description"),
        ({"materials": ["Silk\nCotton"]}, "materials.0"),
        ({"materials": [f"m{i}" for i in range(13)]}, "materials"),
        ({"price": Money(Decimal("0"), EUR)}, "price"),
        ({"price": Money(Decimal("-1"), EUR)}, "price"),
        ({"price": Decimal("10")}, "price"),
    ],
)
def test_create_refuses_bad_fields_naming_them(overrides, field):
    with pytest.raises(InvalidProduct) as refused:
        new_product(**overrides)
    assert refused.value.field == field


def test_a_draft_may_have_no_price_yet():
    assert new_product(price=None).price is None


def test_update_records_only_what_differs():
    product = new_product()
    events_of(product)
    changed = product.update_details(ACTOR, None, name="Silk Gown", description="New", customizable=True)
    [updated] = events_of(product)
    assert isinstance(updated, Product.DetailsUpdated)
    assert updated.changes == {"description": "New", "customizable": True} == changed
    assert product.update_details(ACTOR, None, description="New") == {}
    assert events_of(product) == []


def test_a_designer_changes_only_their_own_products():
    product = new_product()
    with pytest.raises(NotProductOwner):
        product.change_price(price("10.00"), ACTOR, uuid4())
    product.change_price(price("10.00"), ACTOR, product.designer_id)
    assert product.price == price("10.00")


def test_price_changes_are_events_and_a_same_price_is_none():
    product = new_product()
    events_of(product)
    product.change_price(price("2400.00"), ACTOR, None)
    assert events_of(product) == []
    product.change_price(price("125000", "JPY"), ACTOR, None)
    [changed] = events_of(product)
    assert isinstance(changed, Product.PriceChanged) and changed.price == price("125000", "JPY")


def test_slug_change_returns_the_slug_given_up():
    product = new_product()
    assert product.change_slug("silk-gown", ACTOR, None) is None
    assert product.change_slug("evening-gown", ACTOR, None) == "silk-gown"
    assert product.slug == "evening-gown"


# Variants and images.


def test_variants_are_unique_by_sku_and_by_size_and_colour():
    product = new_product()
    assert product.add_variant("gown-s-ivory", "S", "Ivory", ACTOR, None) == "GOWN-S-IVORY"
    with pytest.raises(VariantConflict) as same_sku:
        product.add_variant("GOWN-S-IVORY", "M", "Ivory", ACTOR, None)
    with pytest.raises(VariantConflict) as same_variant:
        product.add_variant("GOWN-S-IVORY-2", "S", "Ivory", ACTOR, None)
    assert (same_sku.value.field, same_variant.value.field) == ("sku", "size")
    with pytest.raises(InvalidProduct):
        product.add_variant("GOWN-NONE", "", "", ACTOR, None)
    with pytest.raises(InvalidProduct):
        product.add_variant("no spaces", "M", "", ACTOR, None)


def test_images_attach_reorder_and_remove():
    product = new_product()
    first, second = uuid4(), uuid4()
    product.attach_image(first, "products/p/1.jpg", "image/jpeg", 10, 20, 100, "Front", ACTOR, None)
    product.attach_image(second, "products/p/2.jpg", "image/jpeg", 10, 20, 100, "", ACTOR, None)
    with pytest.raises(InvalidProduct):
        product.attach_image(uuid4(), "products/p/1.jpg", "image/jpeg", 10, 20, 100, "", ACTOR, None)
    with pytest.raises(InvalidProduct):
        product.reorder_images([second], ACTOR, None)
    product.reorder_images([second, first], ACTOR, None)
    assert product.image_order == [second, first]
    product.remove_image(second, ACTOR, None)
    assert product.image_order == [first]
    kinds = [type(e).__name__ for e in events_of(product)][1:]
    assert kinds == ["ImageAttached", "ImageAttached", "ImagesReordered", "ImageRemoved"]


# Lifecycle.


@pytest.mark.parametrize(
    ("make", "missing"),
    [
        (lambda: new_product(price=None), "a price, an image, a variant"),
        (lambda: new_product(), "an image, a variant"),
        (lambda: ready_to_publish(new_product(price=None)), "a price"),
    ],
)
def test_publishing_needs_a_price_an_image_and_a_variant(make, missing):
    with pytest.raises(IllegalProductStep) as refused:
        make().publish(ACTOR, None)
    assert missing in refused.value.message


def test_publish_unpublish_archive():
    product = ready_to_publish()
    product.publish(ACTOR, None)
    assert product.status == PUBLISHED
    with pytest.raises(IllegalProductStep):
        product.publish(ACTOR, None)
    product.unpublish(ACTOR, None)
    assert product.status == DRAFT
    with pytest.raises(IllegalProductStep):
        product.unpublish(ACTOR, None)
    product.archive(ACTOR, None)
    assert product.status == ARCHIVED


def test_a_published_product_keeps_its_last_variant_and_image():
    product = ready_to_publish()
    product.publish(ACTOR, None)
    with pytest.raises(IllegalProductStep):
        product.remove_variant("GOWN-S-IVORY", ACTOR, None)
    with pytest.raises(IllegalProductStep):
        product.remove_image(product.image_order[0], ACTOR, None)


@pytest.mark.parametrize(
    "step",
    [
        lambda p: p.update_details(ACTOR, None, name="New"),
        lambda p: p.change_price(price("1.00"), ACTOR, None),
        lambda p: p.change_slug("other", ACTOR, None),
        lambda p: p.add_variant("SKU-2", "M", "", ACTOR, None),
        lambda p: p.publish(ACTOR, None),
        lambda p: p.archive(ACTOR, None),
    ],
)
def test_an_archived_product_refuses_every_change(step):
    product = ready_to_publish()
    product.archive(ACTOR, None)
    with pytest.raises(ProductArchived):
        step(product)


def test_every_product_event_names_its_actor():
    product = ready_to_publish()
    product.publish(ACTOR, None)
    assert all(event.actor_id == ACTOR for event in events_of(product))


def test_replaying_the_events_rebuilds_the_same_product():
    product = ready_to_publish()
    product.change_price(price("99.00"), ACTOR, None)
    product.publish(ACTOR, None)
    events = events_of(product)
    replayed = None
    for domain_event in events:
        replayed = domain_event.mutate(replayed)
    assert (replayed.status, replayed.price, replayed.variants, replayed.image_order) == (
        product.status,
        product.price,
        product.variants,
        product.image_order,
    )


# Indexes, categories, designers.


def test_an_index_claims_releases_and_is_claimed_again():
    first, second = uuid4(), uuid4()
    index = ProductSlug.claim_new("silk-gown", first)
    assert index.id == ProductSlug.id_for("silk-gown") and index.ref == first
    index.release()
    index.claim(second)
    assert index.ref == second
    assert [type(e).__name__ for e in events_of(index)] == ["Claimed", "Released", "Reclaimed"]


def test_category_moves_refuse_a_cycle():
    root = Category.create(actor_id=ACTOR, name="Women", slug="women", parent_id=None)
    coats = Category.create(actor_id=ACTOR, name="Coats", slug="coats", parent_id=root.id)
    with pytest.raises(InvalidCategory):
        root.move(coats.id, [coats.id, root.id], ACTOR)
    with pytest.raises(InvalidCategory):
        coats.move(coats.id, [], ACTOR)
    coats.move(None, [], ACTOR)
    assert coats.parent_id is None


def test_designer_profiles_clean_their_text():
    designer = Designer.create(designer_id=uuid4(), actor_id=ACTOR, name="Ada Atelier", slug="ada-atelier")
    designer.update_profile(ACTOR, bio="Made in Milan.\nSince 1990.")
    assert designer.bio == "Made in Milan.\nSince 1990."
    with pytest.raises(InvalidProduct):
        designer.update_profile(ACTOR, name="Ada\x00")


# Stock.


def stock(on_hand: int = 10, threshold: int = 2) -> Stock:
    item = Stock.open("GOWN-S-IVORY", uuid4(), threshold=threshold)
    if on_hand:
        item.receive(on_hand, ACTOR)
    events_of(item)
    return item


def test_reservations_hold_units_and_never_overdraw():
    item = stock(on_hand=3)
    order = uuid4()
    assert item.reserve(order, 2, LATER) is True
    assert item.reserve(order, 2, LATER) is False  # a repeat for the same order changes nothing
    assert item.available == 1
    with pytest.raises(OutOfStock) as refused:
        item.reserve(uuid4(), 2, LATER)
    assert refused.value.short == {"GOWN-S-IVORY": 1}
    assert item.available == 1


def test_release_gives_units_back_and_commit_takes_them_out():
    item = stock(on_hand=5)
    kept, paid = uuid4(), uuid4()
    item.reserve(kept, 2, LATER)
    item.reserve(paid, 3, LATER)
    assert item.release(kept, "cancelled") and not item.release(kept, "cancelled")
    assert item.commit(paid) and not item.commit(paid)
    assert (item.on_hand, item.reserved, item.available) == (2, 0, 2)


def test_an_adjustment_cannot_take_away_reserved_units():
    item = stock(on_hand=5)
    item.reserve(uuid4(), 4, LATER)
    with pytest.raises(InvalidStock) as refused:
        item.adjust(-2, "damaged", ACTOR)
    assert refused.value.field == "delta"
    item.adjust(-1, "damaged", ACTOR)
    assert item.available == 0
    with pytest.raises(InvalidStock):
        item.adjust(0, "nothing", ACTOR)
    with pytest.raises(InvalidStock):
        item.adjust(1, "", ACTOR)


def test_low_stock_is_signalled_once_per_crossing():
    item = stock(on_hand=5, threshold=2)
    item.reserve(uuid4(), 2, LATER)  # 3 left: above
    item.reserve(uuid4(), 1, LATER)  # 2 left: crossing
    item.reserve(uuid4(), 1, LATER)  # 1 left: still below, no second signal
    lows = [e for e in events_of(item) if isinstance(e, Stock.LowStockReached)]
    assert [(e.available, e.threshold) for e in lows] == [(2, 2)]
    item.receive(10, ACTOR)  # back above: re-armed
    item.adjust(-9, "stock-take", ACTOR)  # 2 left: a new crossing
    assert [e.available for e in events_of(item) if isinstance(e, Stock.LowStockReached)] == [2]


def test_expiry_is_recorded_with_the_reservation():
    item = stock()
    order = uuid4()
    expires = datetime.now(UTC) + timedelta(minutes=30)
    item.reserve(order, 1, expires)
    [reserved] = [e for e in events_of(item) if isinstance(e, Stock.Reserved)]
    assert (reserved.order_id, reserved.quantity, reserved.expires_at) == (order, 1, expires)


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, "2", 10**7])
def test_quantities_are_whole_positive_and_bounded(quantity):
    with pytest.raises(InvalidStock):
        stock().receive(quantity, ACTOR)
