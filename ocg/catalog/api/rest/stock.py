"""Stock per SKU for the product's designer and staff: /api/catalog/stock/{sku}/...

Reservations are not made here: orders hold and release units through the catalog's commands (see
ocg/catalog/queries.py). Staff and designers receive stock, correct counts with a reason, and set the
low-stock threshold.
"""

import functools
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router

from ocg.catalog.api.rest.access import answer, as_editor, catalog_write, is_staff, product_editor
from ocg.catalog.api.rest.schemas import SKU_MAX_LENGTH, AdjustIn, ReceiveIn, StockOut, ThresholdIn
from ocg.catalog.domain import NotProductOwner, StockNotFound, stock_id
from ocg.catalog.models import ProductView, VariantView
from ocg.spine.rest import ErrorOut, signed_in

router = Router(tags=["catalog: stock"])
stock_write = functools.partial(catalog_write, router, StockOut)

SKU = Path(..., max_length=SKU_MAX_LENGTH, description="Compared upper-case: sku-1 and SKU-1 are one SKU.")


def stock_view(sku: str, user: Any) -> dict[str, Any]:
    """The SKU's stock as the read model shows it, for its product's designer or staff."""
    row = VariantView.objects.filter(sku=sku.strip().upper()).first()
    if row is None:
        raise StockNotFound(f"No stock for SKU {sku}.", field="sku")
    if not is_staff(user):
        owner = ProductView.objects.filter(id=row.product_id).values_list("designer_id", flat=True).first()
        if owner != user.id:
            raise NotProductOwner("Only the product's designer may see its stock.", field="sku")
    return {
        "sku": row.sku,
        "product_id": row.product_id,
        "size": row.size,
        "colour": row.colour,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.available,
        "threshold": row.low_stock_threshold,
        "removed": row.removed,
    }


def written(request: HttpRequest, sku: str) -> Any:
    return answer(200, stock_id(sku.strip().upper()), lambda: stock_view(sku, request.auth))


@router.get(
    "/stock/{sku}",
    auth=signed_in,
    response={200: StockOut, 403: ErrorOut, 404: ErrorOut},
    summary="A SKU's stock: on hand, reserved for orders, available, low-stock threshold",
)
def stock_detail(request: HttpRequest, sku: str = SKU) -> Any:
    product_editor(request)
    return stock_view(sku, request.auth)


@stock_write("POST", "/stock/{sku}/receive", summary="Receive units into stock")
def stock_receive(request: HttpRequest, payload: ReceiveIn, sku: str = SKU) -> Any:
    as_editor(request, "receive_stock", sku, payload.quantity)
    return written(request, sku)


@stock_write(
    "POST",
    "/stock/{sku}/adjust",
    summary="Correct the count with a reason; units reserved for orders cannot be taken away",
)
def stock_adjust(request: HttpRequest, payload: AdjustIn, sku: str = SKU) -> Any:
    as_editor(request, "adjust_stock", sku, payload.delta, payload.reason)
    return written(request, sku)


@stock_write(
    "PUT",
    "/stock/{sku}/threshold",
    summary="Set the low-stock threshold: a signal once each time available falls to it or below",
)
def stock_threshold(request: HttpRequest, payload: ThresholdIn, sku: str = SKU) -> Any:
    as_editor(request, "set_low_stock_threshold", sku, payload.threshold)
    return written(request, sku)
