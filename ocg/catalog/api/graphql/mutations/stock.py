"""Stock per SKU: receive, adjust, low-stock threshold."""

from __future__ import annotations

from typing import Any

import graphene

from ocg.catalog.api.graphql.mutations.base import (
    PROJECTION,
    CatalogErrorsMixin,
    acting_designer_id,
    catalog,
)
from ocg.catalog.api.graphql.types import ProductVariant
from ocg.catalog.models import VariantView
from ocg.catalog.permissions import MANAGE_PRODUCTS
from ocg.spine.graphql import DomainMutation, Written, read_your_write


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
