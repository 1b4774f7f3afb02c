"""A designer's private floor per product: the least a customer's proposal may come to, per unit.

A plain table (`ProductFloor`), not events: a floor never reaches the event log or Kafka, and only the product's
designer and staff set it. No API reads it back to anyone but them.
"""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from ocg.catalog import queries as catalog
from ocg.negotiation.domain import InvalidProposal, NegotiationNotFound
from ocg.negotiation.models import ProductFloor
from ocg.spine.domain.money import Money


def set_floor(product_id: UUID, amount: str | None, *, actor_id: UUID | None, is_staff: bool) -> Money | None:
    """Sets (or, with no amount, clears) the floor, in the product's currency; returns it."""
    product = catalog.product(product_id)
    if product is None or not (is_staff or product.designer_id == actor_id):
        raise NegotiationNotFound(f"No product {product_id} of yours.", field="productId")
    if amount is None:
        ProductFloor.objects.filter(product_id=product_id).delete()
        return None
    if not product.currency:
        raise InvalidProposal("Price the product before setting its floor.", field="productId")
    money = Money.parse(amount, product.currency, error=InvalidProposal)
    if money.amount <= 0:
        raise InvalidProposal("A floor is above zero.", field="amount")
    ProductFloor.objects.update_or_create(
        product_id=product_id,
        defaults={
            "designer_id": product.designer_id,
            "amount": money.amount,
            "currency": money.currency,
            "updated_at": timezone.now(),
            "updated_by": actor_id,
        },
    )
    return money
