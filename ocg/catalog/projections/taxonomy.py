"""Category and designer events: their own rows, and the many product rows that show them."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from ocg.catalog.domain import Category
from ocg.catalog.models import CategoryView, DesignerView, ProductView
from ocg.catalog.projections.batch import Batch

# Categories and designers: their changes reach many product rows, so pending rows are written first.


def category_created(batch: Batch, e: Any) -> None:
    parent = batch.category(e.parent_id)
    row = CategoryView(
        id=e.originator_id,
        name=e.name,
        slug=e.slug,
        parent_id=e.parent_id,
        path=f"{parent.path if parent else '/'}{e.originator_id}/",
        depth=(parent.depth + 1) if parent else 0,
        version=e.originator_version,
    )
    batch.categories[row.id] = row
    batch.dirty_categories.add(row.id)


def category_changed(batch: Batch, e: Any) -> None:
    """Product pages show their category's name and slug: those under it get a new revision."""
    batch.flush()
    row = batch.categories[e.originator_id]
    if isinstance(e, Category.Renamed):
        row.name = e.name
    else:
        row.slug = e.slug
    row.version = e.originator_version
    batch.dirty_categories.add(row.id)
    bump_products_under(batch, row.path)


def bump_products_under(batch: Batch, path: str) -> None:
    ProductView.objects.filter(category_path__startswith=path).update(revision=F("revision") + 1)
    for product in batch.products.values():
        if product.category_path.startswith(path):
            product.revision += 1


def category_moved(batch: Batch, e: Any) -> None:
    """Every path under the category changes: rewritten in SQL, after what is pending is written."""
    batch.flush()
    row = batch.categories[e.originator_id]
    parent = batch.category(e.parent_id)
    old_path = row.path
    new_path = f"{parent.path if parent else '/'}{row.id}/"
    depth_change = ((parent.depth + 1) if parent else 0) - row.depth
    tail = Substr(F("path"), len(old_path) + 1)
    CategoryView.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), tail), depth=F("depth") + depth_change
    )
    ProductView.objects.filter(category_path__startswith=old_path).update(
        category_path=Concat(Value(new_path), Substr(F("category_path"), len(old_path) + 1)),
        revision=F("revision") + 1,
    )
    for category in list(batch.categories.values()):
        if category.path.startswith(old_path):
            category.path = new_path + category.path[len(old_path) :]
            category.depth += depth_change
    for product in batch.products.values():
        if product.category_path.startswith(old_path):
            product.category_path = new_path + product.category_path[len(old_path) :]
            product.revision += 1
    row.parent_id = e.parent_id
    row.version = e.originator_version
    batch.dirty_categories.add(row.id)


def designer_created(batch: Batch, e: Any) -> None:
    batch.designers[e.originator_id] = DesignerView(
        id=e.originator_id, name=e.name, slug=e.slug, bio=e.bio, product_count=0, version=e.originator_version
    )
    batch.dirty_designers.add(e.originator_id)


def designer_updated(batch: Batch, e: Any) -> None:
    """Product pages show the designer: every one of theirs gets the new name and a new revision."""
    batch.flush()
    row = batch.designers[e.originator_id]
    row.name, row.bio, row.version = e.name, e.bio, e.originator_version
    batch.dirty_designers.add(row.id)
    ProductView.objects.filter(designer_id=row.id).update(designer_name=e.name, revision=F("revision") + 1)
    for product in batch.products.values():
        if product.designer_id == row.id:
            product.designer_name = e.name
            product.revision += 1
