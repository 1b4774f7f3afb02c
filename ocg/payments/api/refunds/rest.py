"""Payments and refunds over REST, under /api/payments/ (OpenAPI at /api/docs).

An order's payments are seen by its customer, its designer and staff (to anyone else the order has none:
404). The order's customer asks for a refund (an `Idempotency-Key` is required); staff approve or reject it.
Every write is the payments application's command; its answer is the refund as the read model shows it once
the projection has applied the write, or 202 with its id if that takes too long. Domain errors reach clients
through the API's error contract (ocg/spine/rest.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router

from ocg.payments import queries
from ocg.payments.api.refunds import commands, pages
from ocg.payments.api.refunds.access import is_staff, may_see_order_payments, may_see_refund
from ocg.payments.api.refunds.schemas import (
    PaymentOut,
    RefundApproveIn,
    RefundFilters,
    RefundOut,
    RefundPageOut,
    RefundRejectIn,
    RefundRequestIn,
    payment_out,
    refund_out,
)
from ocg.payments.domain import PaymentNotFound
from ocg.payments.permissions import MANAGE_REFUNDS, REQUEST_REFUNDS, SEE_PAYMENTS
from ocg.spine.idempotency import idempotency_required
from ocg.spine.rest import ErrorOut, PendingOut, answered, page_out, require_permission, signed_in

router = Router(tags=["payments"])

WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 503: ErrorOut}


@router.get(
    "/orders/{order_id}/payments",
    auth=signed_in,
    response={200: list[PaymentOut], 403: ErrorOut, 404: ErrorOut},
    summary="The order's payment attempts with their refunds, oldest first (its customer, designer and staff)",
)
def order_payments(request: HttpRequest, order_id: UUID) -> Any:
    user = require_permission(request.auth, SEE_PAYMENTS)
    found = queries.payments_of_order(order_id)
    if not may_see_order_payments(user, order_id, found):
        raise PaymentNotFound(f"No order {order_id}.", field="order_id")
    refunds = queries.refunds_of_payments([row.id for row in found])
    return [payment_out(row, refunds.get(row.id, [])) for row in found]


@router.post(
    "/orders/{order_id}/refunds",
    auth=signed_in,
    response={201: RefundOut, 202: PendingOut, **WRITE},
    summary="Ask for a refund of a paid order, whole or some lines, with a reason (the order's customer, or staff)",
)
@idempotency_required
def refund_request(request: HttpRequest, order_id: UUID, payload: RefundRequestIn) -> Any:
    user = require_permission(request.auth, REQUEST_REFUNDS)
    written = commands.request(user, order_id, amount=payload.amount, skus=payload.skus, reason=payload.reason)
    return answered(written, 201, refund_out)


@router.get(
    "/refunds",
    auth=signed_in,
    response={200: RefundPageOut, 400: ErrorOut, 403: ErrorOut},
    summary="Refunds, newest first: staff see all (filtered by state and SLA state), anyone else their own",
)
def refund_list(request: HttpRequest, filters: Query[RefundFilters]) -> Any:
    user = require_permission(request.auth, REQUEST_REFUNDS)
    if is_staff(user):
        listing = pages.refund_filter("all", states=filters.status, sla_states=filters.sla_state)
    else:
        listing = pages.refund_filter(
            f"customer:{user.id}", states=filters.status, sla_states=filters.sla_state, customer_id=user.id
        )
    found = pages.page(listing, filters.limit, filters.cursor, first_field="limit", after_field="cursor")
    return page_out(found, refund_out)


@router.get(
    "/refunds/{refund_id}",
    auth=signed_in,
    response={200: RefundOut, 403: ErrorOut, 404: ErrorOut},
    summary="One refund (its customer and staff)",
)
def refund_detail(request: HttpRequest, refund_id: UUID) -> Any:
    user = require_permission(request.auth, REQUEST_REFUNDS)
    row = queries.refund(refund_id)
    if row is None or not may_see_refund(user, row):
        raise PaymentNotFound(f"No refund {refund_id}.", field="refund_id")
    return refund_out(row)


@router.post(
    "/refunds/{refund_id}/approve",
    auth=signed_in,
    response={200: RefundOut, 202: PendingOut, **WRITE},
    summary="Approve a requested refund, all or less, with a note; it then goes to the provider (staff)",
)
def refund_approve(request: HttpRequest, refund_id: UUID, payload: RefundApproveIn) -> Any:
    user = require_permission(request.auth, MANAGE_REFUNDS)
    return answered(commands.approve(user, refund_id, amount=payload.amount, note=payload.note), show=refund_out)


@router.post(
    "/refunds/{refund_id}/reject",
    auth=signed_in,
    response={200: RefundOut, 202: PendingOut, **WRITE},
    summary="Reject a requested refund, saying why (staff)",
)
def refund_reject(request: HttpRequest, refund_id: UUID, payload: RefundRejectIn) -> Any:
    user = require_permission(request.auth, MANAGE_REFUNDS)
    return answered(commands.reject(user, refund_id, note=payload.note), show=refund_out)
