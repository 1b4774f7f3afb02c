"""Orders for staff tools (and any signed-in party): /api/orders/...

Staff see and act on every order; anyone else sees the orders they placed or whose pieces they designed (to
them another's order does not exist: 404), and takes only their own party's steps (403 otherwise). Every
write is one application command; its answer is the order as the read model shows it once the projection
has applied the write, or 202 with its id if that takes too long. Placing requires an `Idempotency-Key`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from ocg.identity import queries as identity
from ocg.orders import queries
from ocg.orders.api import pages
from ocg.orders.api.access import acting_party, is_staff, orders, viewer_of
from ocg.orders.api.rest.schemas import (
    CancelIn,
    CheckoutOut,
    CheckoutPendingOut,
    OrderDetailOut,
    OrderFilters,
    OrderPageOut,
    OrderPlaceIn,
    ShipIn,
    detail_out,
    order_out,
)
from ocg.orders.domain import InvalidOrder, OrderNotFound, OrdersError
from ocg.orders.models import OrderView
from ocg.orders.permissions import MANAGE_ALL_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from ocg.orders.projections import OrdersProjection
from ocg.spine.errors import PermissionDenied
from ocg.spine.eventstore import tracking_written_positions
from ocg.spine.graphql import read_your_write
from ocg.spine.idempotency import idempotency_required
from ocg.spine.projections import wait_for_projection
from ocg.spine.rest import PENDING, ErrorOut, answered, page_out, require_permission, signed_in

router = Router(tags=["orders"])

WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
STEP = {200: OrderDetailOut, **PENDING, **WRITE}


def calls_orders(view: Callable[..., Any]) -> Callable[..., Any]:
    """Read-your-writes scoped to the request; the order the application calls `id` is the path's `order_id`."""

    @functools.wraps(view)
    def tracked(*args: Any, **kwargs: Any) -> Any:
        with tracking_written_positions():
            try:
                return view(*args, **kwargs)
            except OrdersError as error:
                if error.field == "id" or (error.field is None and error.code == "permission_denied"):
                    error.field = "order_id"
                raise

    return tracked


def visible_detail(order_id: UUID, user: Any) -> dict[str, Any]:
    row = OrderView.objects.filter(id=order_id).first()
    if row is None or not viewer_of(user).may_see(row):
        raise OrderNotFound(f"No order {order_id}.", field="order_id", order_id=order_id)
    return detail_out(row, queries.timeline(order_id))


def written(request: HttpRequest, order_id: UUID) -> Any:
    return answered(read_your_write(OrdersProjection.name, order_id, lambda i: visible_detail(i, request.auth)))


@router.get(
    "",
    auth=signed_in,
    response={200: OrderPageOut, 400: ErrorOut, 403: ErrorOut},
    summary="List orders, newest first: staff see all, anyone else the orders they placed or designed",
)
def order_list(request: HttpRequest, filters: Query[OrderFilters]) -> Any:
    user = require_permission(request.auth, PLACE_ORDERS)
    unknown = sorted(set(request.GET) - set(OrderFilters.model_fields))
    if unknown:  # a misspelt filter would otherwise list every order as if it were applied
        raise InvalidOrder(f"Unknown query parameter {unknown[0]!r}.", field=unknown[0] or None)
    scope = "all" if is_staff(user) else f"party:{user.id}"
    listing = pages.order_filter(
        scope,
        statuses=filters.status,
        customer_id=filters.customer_id,
        designer_id=filters.designer_id,
        number=filters.number,
        party_id=None if is_staff(user) else user.id,
    )
    found = pages.page(
        listing, pages.page_request(listing, filters.limit, filters.cursor, first_field="limit", after_field="cursor")
    )
    return page_out(found, order_out)


@router.post(
    "",
    auth=signed_in,
    response={201: CheckoutOut, 202: CheckoutPendingOut, **WRITE},
    summary="Place a checkout: one order per designer of the lines, each `placed` until its stock is reserved",
)
@idempotency_required
@calls_orders
def order_place(request: HttpRequest, payload: OrderPlaceIn) -> Any:
    user = require_permission(request.auth, PLACE_ORDERS)
    customer_id = payload.customer_id or user.id
    if customer_id != user.id:
        if not is_staff(user):
            raise PermissionDenied("Staff only place orders for another account.", field="customer_id")
        if identity.contact_email(customer_id) is None:
            raise InvalidOrder("No active account has this id.", field="customer_id")
    body = payload.dict()
    checkout = orders().place_checkout(
        customer_id=customer_id,
        actor_id=user.id,
        lines=body["lines"],
        contact=body["contact"],
        shipping_address=body["shipping_address"],
        request_custom_price=payload.request_custom_price,
    )
    if not wait_for_projection(OrdersProjection.name):
        return Status(202, {"checkout_id": checkout.checkout_id, "order_ids": checkout.order_ids})
    rows = OrderView.objects.filter(id__in=checkout.order_ids).order_by("number")
    timelines = queries.timelines(checkout.order_ids)
    placed = [detail_out(row, timelines.get(row.id, [])) for row in rows]
    return Status(201, {"checkout_id": checkout.checkout_id, "orders": placed})


@router.get(
    "/{order_id}",
    auth=signed_in,
    response={200: OrderDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="An order with its status timeline (for its customer, its designer and staff)",
)
def order_detail(request: HttpRequest, order_id: UUID) -> Any:
    return visible_detail(order_id, require_permission(request.auth, PLACE_ORDERS))


def step(path: str, summary: str, permission: str, command: str, acting: str | None) -> Callable[..., Any]:
    """A step without a body: `command` on the order as the caller, acting as their party (`acting`)."""

    @router.post(
        f"/{{order_id}}/{path}", auth=signed_in, response=STEP, summary=summary, operation_id=f"order_{command}"
    )
    @calls_orders
    def take(request: HttpRequest, order_id: UUID) -> Any:
        user = require_permission(request.auth, permission)
        party = {acting: acting_party(user)} if acting else {}
        getattr(orders(), command)(order_id, actor_id=user.id, **party)
        return written(request, order_id)

    return take


@router.post(
    "/{order_id}/cancel",
    auth=signed_in,
    response=STEP,
    summary="Cancel before payment (the order's customer or staff); held stock is released",
)
@calls_orders
def order_cancel(request: HttpRequest, order_id: UUID, payload: CancelIn) -> Any:
    user = require_permission(request.auth, PLACE_ORDERS)
    orders().cancel(order_id, reason=payload.reason, actor_id=user.id, acting_customer_id=acting_party(user))
    return written(request, order_id)


step(
    "request-payment",
    "Ask to pay a confirmed order (the order's customer or staff)",
    PLACE_ORDERS,
    "request_payment",
    "acting_customer_id",
)
step(
    "mark-in-production",
    "A paid made-to-order order is being made (the order's designer or staff)",
    SHIP_ORDERS,
    "mark_in_production",
    "acting_designer_id",
)


@router.post(
    "/{order_id}/ship",
    auth=signed_in,
    response=STEP,
    summary="Mark a paid (or made) order shipped, with carrier and tracking number (the order's designer or staff)",
)
@calls_orders
def order_ship(request: HttpRequest, order_id: UUID, payload: ShipIn) -> Any:
    user = require_permission(request.auth, SHIP_ORDERS)
    orders().mark_shipped(
        order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        actor_id=user.id,
        acting_designer_id=acting_party(user),
    )
    return written(request, order_id)


step(
    "deliver",
    "Mark a shipped order delivered (the order's designer or staff)",
    SHIP_ORDERS,
    "mark_delivered",
    "acting_designer_id",
)
step("complete", "Close a delivered order (staff)", MANAGE_ALL_ORDERS, "complete", None)
