"""The catalog's GraphQL types, resolved from its read models (ocg/catalog/models.py).

A product's relations go through the request's loader (context.py), so a page of any size costs one
query per relation asked for; what a listing card shows (designer name, first image, stock state) is
denormalised on the product row and costs nothing more.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import graphene
from graphene_federation import key

from ocg.catalog.api.graphql.context import loader
from ocg.catalog.domain import ARCHIVED, DRAFT, PUBLISHED
from ocg.catalog.models import CategoryView, DesignerView, ImageView, ProductView, VariantView
from ocg.spine import uploads
from ocg.spine.domain.money import Money as MoneyValue
from ocg.spine.graphql_common import Money, PageInfo  # noqa: F401 (PageInfo: for queries.py)


class ProductStatus(graphene.Enum):
    DRAFT = DRAFT
    PUBLISHED = PUBLISHED
    ARCHIVED = ARCHIVED


class Image(graphene.ObjectType):
    """An image's URL with its size, so a page reserves its space before it loads."""

    url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)


class ProductImage(graphene.ObjectType):
    id = graphene.UUID(required=True)
    url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    alt_text = graphene.String(required=True)
    content_type = graphene.String(required=True)

    @staticmethod
    def resolve_url(image: ImageView, info: graphene.ResolveInfo) -> str:
        return uploads.public_url(image.key)


class ProductVariant(graphene.ObjectType):
    sku = graphene.String(required=True)
    size = graphene.String(required=True, description="Empty when the variant differs by colour only.")
    colour = graphene.String(required=True, description="Empty when the variant differs by size only.")
    available = graphene.Int(required=True, description="Units that can still be ordered: on hand minus reserved.")
    in_stock = graphene.Boolean(required=True)

    @staticmethod
    def resolve_available(variant: VariantView, info: graphene.ResolveInfo) -> int:
        return max(variant.available, 0)

    @staticmethod
    def resolve_in_stock(variant: VariantView, info: graphene.ResolveInfo) -> bool:
        return variant.available > 0


class Designer(graphene.ObjectType):
    """A designer's public profile: nothing private (no email)."""

    id = graphene.UUID(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    bio = graphene.String(required=True)
    product_count = graphene.Int(required=True, description="Their published products.")

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        return isinstance(root, (cls, DesignerView, DesignerRef))


class DesignerRef:
    """A product's designer: id, name and slug from the product row; the rest loaded only if asked for."""

    def __init__(self, row: ProductView, info: graphene.ResolveInfo) -> None:
        self.id, self.name, self.slug = row.designer_id, row.designer_name, row.designer_slug
        self._info = info

    def _profile(self) -> DesignerView | None:
        return loader(self._info).designer(self.id)

    @property
    def bio(self) -> str:
        profile = self._profile()
        return profile.bio if profile else ""

    @property
    def product_count(self) -> int:
        profile = self._profile()
        return profile.product_count if profile else 0


class Category(graphene.ObjectType):
    id = graphene.UUID(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    parent_id = graphene.UUID()
    depth = graphene.Int(required=True, description="0 for a root.")
    ancestors = graphene.List(
        graphene.NonNull(lambda: Category), required=True, description="From the root down to the parent: breadcrumbs."
    )
    children = graphene.List(graphene.NonNull(lambda: Category), required=True)

    @staticmethod
    def resolve_ancestors(category: CategoryView, info: graphene.ResolveInfo) -> list[CategoryView]:
        return loader(info).ancestors(category)

    @staticmethod
    def resolve_children(category: CategoryView, info: graphene.ResolveInfo) -> list[CategoryView]:
        return loader(info).children(category.id)


@key("id")
class Product(graphene.ObjectType):
    id = graphene.UUID(required=True)
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    status = graphene.Field(ProductStatus, required=True)
    price = graphene.Field(Money, description="Null only for a draft that has no price yet.")
    materials = graphene.List(graphene.NonNull(graphene.String), required=True)
    care_notes = graphene.String(required=True)
    customizable = graphene.Boolean(required=True, description="Made to order: the designer adapts it.")
    in_stock = graphene.Boolean(required=True, description="Some variant has units available.")
    thumbnail = graphene.Field(Image, description="The first image; null when there is none.")
    images = graphene.List(graphene.NonNull(ProductImage), required=True, description="In display order.")
    variants = graphene.List(graphene.NonNull(ProductVariant), required=True)
    designer = graphene.Field(Designer, required=True)
    category = graphene.Field(Category)
    created_at = graphene.DateTime(required=True)
    listed_at = graphene.DateTime(required=True, description="When it was last published (else created).")
    updated_at = graphene.DateTime(required=True)
    version = graphene.Int(required=True, description="The product aggregate's version.")

    @staticmethod
    def resolve_price(row: ProductView, info: graphene.ResolveInfo) -> Money | None:
        return Money.of(row.money)

    @staticmethod
    def resolve_thumbnail(row: ProductView, info: graphene.ResolveInfo) -> dict[str, Any] | None:
        if not row.image_key:
            return None
        return {"url": uploads.public_url(row.image_key), "width": row.image_width, "height": row.image_height}

    @staticmethod
    def resolve_images(row: ProductView, info: graphene.ResolveInfo) -> list[ImageView]:
        return loader(info).images(row)

    @staticmethod
    def resolve_variants(row: ProductView, info: graphene.ResolveInfo) -> list[VariantView]:
        return loader(info).variants(row)

    @staticmethod
    def resolve_designer(row: ProductView, info: graphene.ResolveInfo) -> DesignerRef:
        return DesignerRef(row, info)

    @staticmethod
    def resolve_category(row: ProductView, info: graphene.ResolveInfo) -> CategoryView | None:
        return None if row.category_id is None else loader(info).category(row.category_id)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        """Resolvers hand back read-model rows; `_entities` must still tell they are products."""
        return isinstance(root, (cls, ProductView))

    def __resolve_reference(self, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        """Federation: another subgraph's `{__typename: "Product", id}` is the product if this viewer may see it."""
        from ocg.catalog.api.graphql.queries import visible_product

        return visible_product(info, product_id=self.id)


class ProductEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Product, required=True)


class DesignerEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Designer, required=True)


class ProductHistoryEntry(graphene.ObjectType):
    version = graphene.Int(required=True)
    event = graphene.String(required=True, description="What happened: Created, PriceChanged, Published, ...")
    actor_id = graphene.UUID(description="Who did it; null for the system.")
    at = graphene.DateTime(required=True)
    data = graphene.JSONString(required=True, description="What the event carried.")

    @staticmethod
    def resolve_data(entry: dict, info: graphene.ResolveInfo) -> Any:
        return json.loads(json.dumps(entry["data"], default=plain))


def plain(value: Any) -> Any:
    """An event payload's values as JSON: money as {amount, currency}, exact decimals as text."""
    if isinstance(value, MoneyValue):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class UploadField(graphene.ObjectType):
    name = graphene.String(required=True)
    value = graphene.String(required=True)


class UploadTicket(graphene.ObjectType):
    """Send the file with `method` to `url`: as a form with `fields` then the file (POST), or as the body
    with `headers` (PUT). Then attach its `key` with productImageAttach."""

    key = graphene.String(required=True)
    method = graphene.String(required=True)
    url = graphene.String(required=True)
    fields = graphene.List(graphene.NonNull(UploadField), required=True)
    headers = graphene.List(graphene.NonNull(UploadField), required=True)
    expires_at = graphene.DateTime(required=True)
