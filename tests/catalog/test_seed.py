"""seed_catalog and the demo catalog, through the real commands on PostgreSQL and local media storage."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from ocg.catalog.domain import PUBLISHED, Product
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.catalog.seeding.seeder import Seeder, designer_specs
from ocg.spine.domain.money import Money


def seed_catalog(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_catalog", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_seed_catalog_makes_published_products_with_variants_stock_and_pictures(catalog, local_storage):
    output = seed_catalog("--products", "12", "--designers", "3", "--tag", "first", "--threads", "4")

    assert "12 products" in output and "0 failed" in output
    products = list(ProductView.objects.all())
    assert len(products) == 12
    assert {p.status for p in products} == {PUBLISHED}
    assert {p.designer_name for p in products} <= {d.name for d in designer_specs(3)}
    assert all(re.fullmatch(r"[a-z0-9-]+-first-\d+", p.slug) for p in products)
    for product in products:
        variants = VariantView.objects.filter(product_id=product.id)
        assert 1 <= variants.count() <= 4
        assert all("-FIRST-" in v.sku for v in variants)
        assert product.available == sum(v.available for v in variants)
        [image] = ImageView.objects.filter(product_id=product.id)
        assert image.key == product.image_key
        assert image.key.startswith(f"products/{product.id}/")
        assert default_storage.size(image.key) == image.size_bytes
        assert (image.width, image.height) == (240, 320)
        assert product.description and product.materials and product.care_notes
        assert product.price > 0 and product.currency in {"EUR", "GBP", "USD", "JPY"}
        leaf = CategoryView.objects.get(id=product.category_id)
        assert len(leaf.path.strip("/").split("/")) == 3
        assert not CategoryView.objects.filter(parent_id=leaf.id).exists()
    assert DesignerView.objects.filter(bio__gt="").count() == 3


def test_a_second_run_adds_new_products_and_reuses_designers_and_categories(catalog, local_storage):
    seed_catalog("--products", "5", "--designers", "2", "--seed", "7", "--tag", "one")
    categories = CategoryView.objects.count()
    seed_catalog("--products", "5", "--designers", "2", "--seed", "7", "--tag", "two")

    assert ProductView.objects.count() == 10
    assert CategoryView.objects.count() == categories
    assert DesignerView.objects.count() == 2
    assert VariantView.objects.values("sku").distinct().count() == VariantView.objects.count()
    slugs = ProductView.objects.values_list("slug", flat=True)
    assert sorted(slug.split("-")[-2] for slug in slugs) == ["one"] * 5 + ["two"] * 5
    with pytest.raises(CommandError, match="5 products failed"):
        seed_catalog("--products", "5", "--designers", "2", "--seed", "7", "--tag", "two")
    assert ProductView.objects.count() == 10, "a repeated tag's products are refused as taken, none added"


def test_bad_arguments_are_refused_before_anything_is_written(catalog, local_storage):
    refused = (
        ["--products", "0"],
        ["--products", "3", "--tag", "no spaces"],
        ["--products", "3", "--picture-size", "x"],
    )
    for arguments in refused:
        with pytest.raises(CommandError):
            seed_catalog(*arguments)
    assert catalog.recorder.max_notification_id() in (None, 0)


def test_plans_are_reproducible_and_differ_by_tag():
    designers = designer_specs(4)
    first, again, other = (Seeder(None, seed=3, tag=tag) for tag in ("abc", "abc", "xyz"))  # type: ignore[arg-type]
    for seeder in (first, again, other):
        seeder.category_ids = _FakeIds()
    plans = [first.plan(n, designers) for n in range(30)]
    assert plans == [again.plan(n, designers) for n in range(30)]
    assert [p.name for p in plans] != [other.plan(n, designers).name for n in range(30)]
    for plan in plans:
        assert isinstance(plan.price, Money) and plan.price.amount > 0
        assert len({(v.size, v.colour) for v in plan.variants}) == len(plan.variants)
        for variant in plan.variants:
            assert re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{1,62}[A-Z0-9]", variant.sku)


class _FakeIds(dict):
    """Any category path has an id: plans only copy it."""

    def __missing__(self, key):
        return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(key))


def test_demo_catalog_is_a_small_shop_and_running_it_again_adds_nothing(catalog, local_storage):
    from ocg.catalog import seed as demo
    from ocg.identity import queries as identity
    from ocg.identity import seed as accounts
    from ocg.spine.projections import ProjectionRunner, get_projection

    accounts.seed()
    first = demo.seed()
    second = demo.seed()
    ProjectionRunner(get_projection("catalog")).catch_up()

    assert "36 products created (0 already there)" in first[0]
    assert "0 products created (36 already there)" in second[0]
    designer_id = identity.user_id_by_email(demo.DEMO_DESIGNER)
    products = ProductView.objects.all()
    assert products.count() == 36
    assert {p.status for p in products} == {PUBLISHED}
    assert products.filter(designer_id=designer_id, designer_name="Atelier Verdier").exists()
    assert products.values("designer_id").distinct().count() == 4
    assert products.values("category_id").distinct().count() >= 10
    assert ImageView.objects.filter(width=480, height=640).count() == 36
    created = [e for e in catalog.repository.event_store.get(products.filter(designer_id=designer_id)[0].id)]
    assert isinstance(created[0], Product.Created) and created[0].actor_id == designer_id
