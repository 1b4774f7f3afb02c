"""Product images: a ticket to upload one, then attach, reorder and remove."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.mutations.base import (
    CatalogErrorsMixin,
    ProductMutation,
    acting_designer_id,
    catalog,
    read_product,
)
from ocg.catalog.api.graphql.types import UploadField, UploadTicket
from ocg.catalog.permissions import MANAGE_PRODUCTS
from ocg.spine.graphql import DomainMutation


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
