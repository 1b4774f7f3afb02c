"""The order's state machine: every state, and every step with where it may start and where it ends.

This table is the one place the order's lifecycle is written down. The aggregate refuses any step
the table does not allow from the order's current state, naming both.
"""

from __future__ import annotations

from dataclasses import dataclass

PLACED = "placed"
CONFIRMED = "confirmed"
REJECTED = "rejected"
AWAITING_PAYMENT = "awaiting_payment"
NEGOTIATING = "negotiating"
PAID = "paid"
IN_PRODUCTION = "in_production"
SHIPPED = "shipped"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUND_REQUESTED = "refund_requested"
REFUNDED = "refunded"
REFUND_REJECTED = "refund_rejected"

STATES = (
    PLACED,
    CONFIRMED,
    REJECTED,
    AWAITING_PAYMENT,
    NEGOTIATING,
    PAID,
    IN_PRODUCTION,
    SHIPPED,
    DELIVERED,
    COMPLETED,
    CANCELLED,
    REFUND_REQUESTED,
    REFUNDED,
    REFUND_REJECTED,
)
BEFORE_PAYMENT = frozenset({PLACED, CONFIRMED, AWAITING_PAYMENT, NEGOTIATING})
# States in which the order holds a stock reservation.
HOLDING_STOCK = frozenset({CONFIRMED, AWAITING_PAYMENT, NEGOTIATING})
FINAL = frozenset({REJECTED, COMPLETED, CANCELLED, REFUNDED, REFUND_REJECTED})


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str


def _step(name: str, sources: set[str] | frozenset[str], target: str) -> Step:
    return Step(name, frozenset(sources), target)


# step                          from                                                    to
TRANSITIONS: dict[str, Step] = {
    step.name: step
    for step in (
        _step("confirm", {PLACED}, CONFIRMED),
        _step("reject", {PLACED}, REJECTED),
        _step("request_payment", {CONFIRMED}, AWAITING_PAYMENT),
        _step("open_negotiation", {CONFIRMED, AWAITING_PAYMENT}, NEGOTIATING),
        _step("close_negotiation", {NEGOTIATING}, AWAITING_PAYMENT),
        _step("pay", {AWAITING_PAYMENT}, PAID),
        _step("start_production", {PAID}, IN_PRODUCTION),
        _step("ship", {PAID, IN_PRODUCTION}, SHIPPED),
        _step("deliver", {SHIPPED}, DELIVERED),
        _step("complete", {DELIVERED}, COMPLETED),
        _step("cancel", BEFORE_PAYMENT, CANCELLED),
        _step("expire", {CONFIRMED, AWAITING_PAYMENT}, CANCELLED),
        _step("request_refund", {PAID, IN_PRODUCTION, SHIPPED, DELIVERED}, REFUND_REQUESTED),
        _step("refund", {REFUND_REQUESTED}, REFUNDED),
        _step("reject_refund", {REFUND_REQUESTED}, REFUND_REJECTED),
    )
}


def allowed_steps(state: str) -> list[str]:
    return [step.name for step in TRANSITIONS.values() if state in step.sources]
