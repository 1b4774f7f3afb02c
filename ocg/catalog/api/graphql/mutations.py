"""The catalog's GraphQL mutations: the same commands as its REST API, for the storefront and designers' tools.

Each declares its permission; designers act only on their own products and stock (the domain checks the
owner), staff on any. Each answers `{result, pending, errors}` with the fresh node once the `catalog`
projection has applied the change (read-your-writes), or `pending` (with the id) if it lags.

Field errors name the input in camelCase (`careNotes`, `materials.0`, `categoryId`); a price's errors name
`price.amount` or `price.currency`, whichever is at fault (a zero or negative amount is `price.amount`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.context import forget
from ocg.catalog.api.graphql.types import Category, Designer, Product, ProductVariant, UploadField, UploadTicket
from ocg.catalog.domain import InvalidProduct
from ocg.catalog.models import CategoryView, DesignerView, ProductView, VariantView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_CATEGORIES, MANAGE_PRODUCTS
from ocg.identity import queries as identity
from ocg.spine.domain.money import Money
from ocg.spine.errors import PermissionDenied
from ocg.spine.eventstore import applications
from ocg.spine.graphql import AggregateMutation, DomainMutation, Written, read_your_write
from ocg.spine.permissions import has_permission

PROJECTION = "catalog"
# Domain fields whose GraphQL input is named otherwise.
FIELD_ALIASES = {"price": "price.amount"}
_SNAKE_PART = re.compile(r"_([a-z0-9])")


def client_field(field: str | None) -> str | None:
    if field is None:
        return None
    field = FIELD_ALIASES.get(field, field)
    return ".".join(_SNAKE_PART.sub(lambda match: match.group(1).upper(), part) for part in field.split("."))


class CatalogErrorsMixin:
    """What the catalog's mutations share: a fresh loader for their result, and camelCase field errors."""

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        forget(info)
        payload = super().mutate(root, info, **arguments)  # type: ignore[misc]
        payload.errors = [{**error, "field": client_field(error.get("field"))} for error in payload.errors]
        return payload


class ProductMutation(CatalogErrorsMixin, AggregateMutation):
    permission = MANAGE_PRODUCTS
    result = graphene.Field(Product)

    class Meta:
        abstract = True


def catalog() -> Any:
    return applications.get("catalog")


def acting_designer_id(user: Any) -> UUID | None:
    """Designers act on their own products; staff (None) act on any."""
    return None if has_permission(user, MANAGE_ALL_PRODUCTS) else user.id


def read_product(product_id: UUID) -> Written:
    return read_your_write(PROJECTION, product_id, lambda i: ProductView.objects.filter(id=i).first())


def parse_price(price: Any) -> Money:
    return Money.parse(
        price.get("amount"),
        price.get("currency"),
        amount_field="price.amount",
        currency_field="price.currency",
        error=InvalidProduct,
    )


class MoneyInput(graphene.InputObjectType):
    amount = graphene.String(required=True, description='A decimal amount as text, e.g. "1250.00".')
    currency = graphene.String(required=True, description="ISO 4217 code.")


# Products.


class ProductCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(description="Default: made from the name.")
    description = graphene.String()
    category_id = graphene.UUID()
    price = MoneyInput(description="May wait until publishing.")
    materials = graphene.List(graphene.NonNull(graphene.String))
    care_notes = graphene.String()
    customizable = graphene.Boolean()
    designer_id = graphene.UUID(
        description="Staff: the designer the product is for (required). A designer may leave it out or give "
        "their own id."
    )


class ProductCreate(ProductMutation):
    """A draft. A designer's first product also opens their public profile, under their display name
    (or "Designer" until they set one with designerProfileUpdate: never anything from their email)."""

    class Arguments:
        input = ProductCreateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any) -> Any:
        user = info.context.user
        designer_id = input.get("designer_id")
        if has_permission(user, MANAGE_ALL_PRODUCTS):
            if designer_id is None:
                raise InvalidProduct("Name the designer this product is for.", field="designer_id")
        elif designer_id not in (None, user.id):
            raise PermissionDenied("A designer creates products only for themselves.", field="designer_id")
        else:
            designer_id = user.id
        account = identity.active_designer(designer_id)
        if account is None:
            raise InvalidProduct("No active designer account has this id.", field="designer_id")
        price = input.get("price")
        product_id = catalog().create_product(
            designer_id=designer_id,
            actor_id=user.id,
            name=input.get("name"),
            slug=input.get("slug"),
            description=input.get("description") or "",
            category_id=input.get("category_id"),
            price=None if price is None else parse_price(price),
            materials=input.get("materials") or (),
            care_notes=input.get("care_notes") or "",
            customizable=bool(input.get("customizable")),
            designer_name=account.display_name or None,
        )
        return read_product(product_id)


class ProductUpdateInput(graphene.InputObjectType):
    """Only the fields given change; `categoryId: null` takes the product out of its category."""

    name = graphene.String()
    slug = graphene.String()
    description = graphene.String()
    category_id = graphene.UUID()
    materials = graphene.List(graphene.NonNull(graphene.String))
    care_notes = graphene.String()
    customizable = graphene.Boolean()


class ProductUpdate(ProductMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        input = ProductUpdateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, input: Any) -> Any:
        changes = {name: value for name, value in input.items() if value is not None or name == "category_id"}
        user = info.context.user
        catalog().update_product(id, actor_id=user.id, acting_designer_id=acting_designer_id(user), **changes)
        return read_product(id)


class ProductPriceChange(ProductMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        price = MoneyInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, price: Any) -> Any:
        user = info.context.user
        catalog().change_price(id, parse_price(price), actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_product(id)


class LifecycleStep(ProductMutation):
    """Runs the lifecycle command named `command` on the product."""

    command: ClassVar[str]

    class Meta:
        abstract = True

    class Arguments:
        id = graphene.UUID(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID) -> Any:
        user = info.context.user
        getattr(catalog(), cls.command)(id, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_product(id)


class ProductPublish(LifecycleStep):
    """On sale: needs a price, an image and a variant."""

    command = "publish"


class ProductUnpublish(LifecycleStep):
    """Back to draft: off the storefront."""

    command = "unpublish"


class ProductArchive(LifecycleStep):
    """Kept for its history and its orders; nothing about it changes any more."""

    command = "archive"


class ProductVariantInput(graphene.InputObjectType):
    sku = graphene.String(required=True, description="Unique in the shop, for good; compared upper-case.")
    size = graphene.String()
    colour = graphene.String()


class ProductVariantAdd(ProductMutation):
    """A size and/or colour with its own SKU; its stock starts at zero."""

    class Arguments:
        id = graphene.UUID(required=True)
        input = ProductVariantInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, input: Any) -> Any:
        user = info.context.user
        catalog().add_variant(
            id,
            sku=input.get("sku"),
            size=input.get("size") or "",
            colour=input.get("colour") or "",
            actor_id=user.id,
            acting_designer_id=acting_designer_id(user),
        )
        return read_product(id)


class ProductVariantRemove(ProductMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        sku = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, sku: str) -> Any:
        user = info.context.user
        catalog().remove_variant(id, sku=sku, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_product(id)


# Images.


class ProductImageUploadUrl(CatalogErrorsMixin, DomainMutation):
    """Where to send one image of the product (JPEG, PNG or WebP); then attach its key."""

    permission = MANAGE_PRODUCTS
    result = graphene.Field(UploadTicket)

    class Arguments:
        id = graphene.UUID(required=True)
        content_type = graphene.String(required=True, description="image/jpeg, image/png or image/webp.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, content_type: str) -> Any:
        ticket = catalog().image_upload_ticket(
            id, content_type=content_type, acting_designer_id=acting_designer_id(info.context.user)
        )
        return UploadTicket(
            key=ticket.key,
            method=ticket.method,
            url=ticket.url,
            fields=[UploadField(name=name, value=value) for name, value in ticket.fields.items()],
            headers=[UploadField(name=name, value=value) for name, value in ticket.headers.items()],
            expires_at=datetime.fromtimestamp(ticket.expires_at, tz=UTC),
        )


class ProductImageAttach(ProductMutation):
    """The uploaded object is checked first (its real size and type); it becomes the last image."""

    class Arguments:
        id = graphene.UUID(required=True)
        key = graphene.String(required=True, description="The key productImageUploadUrl gave.")
        alt_text = graphene.String()

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, key: str, alt_text: str | None = None) -> Any:
        user = info.context.user
        catalog().attach_image(
            id, key=key, alt_text=alt_text or "", actor_id=user.id, acting_designer_id=acting_designer_id(user)
        )
        return read_product(id)


class ProductImagesReorder(ProductMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        image_ids = graphene.List(
            graphene.NonNull(graphene.UUID), required=True, description="Every image of the product, in the new order."
        )

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, image_ids: list[UUID]) -> Any:
        user = info.context.user
        catalog().reorder_images(id, image_ids, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_product(id)


class ProductImageRemove(ProductMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        image_id = graphene.UUID(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, image_id: UUID) -> Any:
        user = info.context.user
        catalog().remove_image(id, image_id, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_product(id)


# Categories (staff).


def read_category(category_id: UUID) -> Written:
    return read_your_write(PROJECTION, category_id, lambda i: CategoryView.objects.filter(id=i).first())


class CategoryMutation(CatalogErrorsMixin, AggregateMutation):
    permission = MANAGE_CATEGORIES
    result = graphene.Field(Category)

    class Meta:
        abstract = True


class CategoryCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(description="Default: made from the name.")
    parent_id = graphene.UUID(description="Default: a new root.")


class CategoryCreate(CategoryMutation):
    class Arguments:
        input = CategoryCreateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any) -> Any:
        category_id = catalog().create_category(
            actor_id=info.context.user.id,
            name=input.get("name"),
            slug=input.get("slug"),
            parent_id=input.get("parent_id"),
        )
        return read_category(category_id)


class CategoryUpdateInput(graphene.InputObjectType):
    """Only the fields given change; `parentId: null` moves the category to the root."""

    name = graphene.String()
    slug = graphene.String()
    parent_id = graphene.UUID()


class CategoryUpdate(CategoryMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        input = CategoryUpdateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, input: Any) -> Any:
        move = {"parent_id": input["parent_id"]} if "parent_id" in input else {}
        catalog().update_category(
            id, actor_id=info.context.user.id, name=input.get("name"), slug=input.get("slug"), **move
        )
        return read_category(id)


# Stock.


def read_variant(sku: str) -> Written:
    cleaned = sku.strip().upper()
    return read_your_write(PROJECTION, cleaned, lambda s: VariantView.objects.filter(sku=s, removed=False).first())


class StockMutation(CatalogErrorsMixin, DomainMutation):
    """On a SKU of one's own product (staff: any); answers the variant with its new availability."""

    permission = MANAGE_PRODUCTS
    result = graphene.Field(ProductVariant)

    class Meta:
        abstract = True


class StockReceive(StockMutation):
    class Arguments:
        sku = graphene.String(required=True)
        quantity = graphene.Int(required=True, description="Units received, above zero.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, sku: str, quantity: int) -> Any:
        user = info.context.user
        catalog().receive_stock(sku, quantity, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_variant(sku)


class StockAdjust(StockMutation):
    """A count correction with its reason; it never takes away units reserved for orders."""

    class Arguments:
        sku = graphene.String(required=True)
        delta = graphene.Int(required=True, description="Units to add (positive) or take away (negative).")
        reason = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, sku: str, delta: int, reason: str) -> Any:
        user = info.context.user
        catalog().adjust_stock(sku, delta, reason, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_variant(sku)


class StockThresholdSet(StockMutation):
    """Below or at this many available units, a low-stock event is emitted (once per crossing)."""

    class Arguments:
        sku = graphene.String(required=True)
        threshold = graphene.Int(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, sku: str, threshold: int) -> Any:
        user = info.context.user
        catalog().set_low_stock_threshold(sku, threshold, actor_id=user.id, acting_designer_id=acting_designer_id(user))
        return read_variant(sku)


# Designers' public profiles.


class DesignerProfileInput(graphene.InputObjectType):
    name = graphene.String(description="The public name; required when the profile does not exist yet.")
    bio = graphene.String()


class DesignerProfileUpdate(CatalogErrorsMixin, AggregateMutation):
    """A designer edits their own public profile; staff edit any designer's (`designerId`)."""

    permission = MANAGE_PRODUCTS
    result = graphene.Field(Designer)

    class Arguments:
        input = DesignerProfileInput(required=True)
        designer_id = graphene.UUID(description="Staff: whose profile (required). Designers: their own.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any, designer_id: UUID | None = None) -> Any:
        user = info.context.user
        if has_permission(user, MANAGE_ALL_PRODUCTS):
            if designer_id is None:
                raise InvalidProduct("Name the designer whose profile this is.", field="designer_id")
            if identity.active_designer(designer_id) is None:
                raise InvalidProduct("No active designer account has this id.", field="designer_id")
        elif designer_id not in (None, user.id):
            raise PermissionDenied("A designer edits only their own profile.", field="designer_id")
        else:
            designer_id = user.id
        catalog().update_designer_profile(designer_id, actor_id=user.id, name=input.get("name"), bio=input.get("bio"))
        return read_your_write(PROJECTION, designer_id, lambda i: DesignerView.objects.filter(id=i).first())


class Mutation(graphene.ObjectType):
    product_create = ProductCreate.Field()
    product_update = ProductUpdate.Field()
    product_price_change = ProductPriceChange.Field()
    product_publish = ProductPublish.Field()
    product_unpublish = ProductUnpublish.Field()
    product_archive = ProductArchive.Field()
    product_variant_add = ProductVariantAdd.Field()
    product_variant_remove = ProductVariantRemove.Field()
    product_image_upload_url = ProductImageUploadUrl.Field()
    product_image_attach = ProductImageAttach.Field()
    product_images_reorder = ProductImagesReorder.Field()
    product_image_remove = ProductImageRemove.Field()
    category_create = CategoryCreate.Field()
    category_update = CategoryUpdate.Field()
    stock_receive = StockReceive.Field()
    stock_adjust = StockAdjust.Field()
    stock_threshold_set = StockThresholdSet.Field()
    designer_profile_update = DesignerProfileUpdate.Field()
