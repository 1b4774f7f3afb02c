"""The catalog's REST router (admin CRUD grows here with the catalog capability)."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Router, Schema

from ocg.catalog import queries
from ocg.catalog.domain import ProductNotFound
from ocg.catalog.models import ProductView
from ocg.spine.rest import ErrorOut

router = Router(tags=["catalog"])


class ProductOut(Schema):
    id: UUID
    name: str
    price: Decimal
    currency: str
    designer_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_price(product: ProductView) -> Decimal:
        return product.money.amount


@router.get("/products/{product_id}", response={200: ProductOut, 404: ErrorOut})
def product_detail(request, product_id: UUID):
    product = queries.product(product_id)
    if product is None:
        raise ProductNotFound(f"No product {product_id}.", product_id=product_id)
    return product
