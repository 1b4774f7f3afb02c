"""Mutations on a product: create, update, price, lifecycle and variants."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.mutations.base import (
    MoneyInput,
    ProductMutation,
    acting_designer_id,
    catalog,
    parse_price,
    read_product,
)
from ocg.catalog.domain import InvalidProduct
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS
from ocg.identity import queries as identity
from ocg.spine.errors import PermissionDenied
from ocg.spine.permissions import has_permission


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
