"""The Order aggregate: one customer's order of one designer's pieces, from placing to its end.

Every step goes through `_advance`, which checks the transition table (states.py) and names the
current state and the step when it refuses. Every step is an event carrying its actor and time.
Lines snapshot the product (name, variant, unit price) when the order is placed, so later catalog
changes never alter an order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.orders.domain import states
from ocg.orders.domain.address import clean_address, clean_contact
from ocg.orders.domain.errors import IllegalTransition, InvalidOrder, NotOrderParty
from ocg.orders.domain.lines import MAX_LINES, OrderLine, check_custom_price, clean_quantity, order_total
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

CARRIER_MAX_LENGTH = 60
TRACKING_MAX_LENGTH = 80
REASON_MAX_LENGTH = 500


class Order(Aggregate):
    """`status` is one of states.STATES; `total` is the lines' sum until a negotiated price replaces it."""

    class Placed(Aggregate.Created):
        actor_id: UUID | None
        checkout_id: UUID
        number: str
        customer_id: UUID
        designer_id: UUID
        lines: list[dict[str, Any]]
        total: Money
        contact: dict[str, str]
        shipping_address: dict[str, str]
        # Added later: events stored before it read as False.
        custom_price_requested: bool = False

    @event(Placed)
    def __init__(
        self,
        actor_id: UUID | None,
        checkout_id: UUID,
        number: str,
        customer_id: UUID,
        designer_id: UUID,
        lines: list[dict[str, Any]],
        total: Money,
        contact: dict[str, str],
        shipping_address: dict[str, str],
        custom_price_requested: bool = False,
    ) -> None:
        self.checkout_id = checkout_id
        self.number = number
        self.customer_id = customer_id
        self.designer_id = designer_id
        self.lines = [OrderLine.from_event_data(line) for line in lines]
        self.total = total
        self.contact = dict(contact)
        self.shipping_address = dict(shipping_address)
        # The customer asked to negotiate the price: the negotiation opens once the stock is held.
        self.custom_price_requested = custom_price_requested
        self.status = states.PLACED
        self.shortages: dict[str, int] = {}
        self.tracking: dict[str, str] = {}
        self.pay_by: datetime | None = None
        # The payment that paid it: only that payment's refunds move the order.
        self.paid_by: UUID | None = None

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        actor_id: UUID | None,
        checkout_id: UUID,
        number: str,
        customer_id: UUID,
        designer_id: UUID,
        lines: list[OrderLine],
        contact: Any,
        shipping_address: Any,
        custom_price_requested: bool = False,
    ) -> Order:
        """Lines come priced from the catalog's snapshot; they must all be the designer's, in one currency."""
        if not lines:
            raise InvalidOrder("An order needs at least one line.", field="lines")
        if len(lines) > MAX_LINES:
            raise InvalidOrder(f"An order has at most {MAX_LINES} lines.", field="lines")
        if len({line.sku for line in lines}) != len(lines):
            raise InvalidOrder("Each SKU appears once; give its whole quantity on one line.", field="lines")
        for index, line in enumerate(lines):
            clean_quantity(line.quantity, index)
        if custom_price_requested:
            check_custom_price(lines)
        return cls._create(
            cls.Placed,
            id=order_id,
            actor_id=actor_id,
            checkout_id=checkout_id,
            number=number,
            customer_id=customer_id,
            designer_id=designer_id,
            lines=[line.as_event_data() for line in lines],
            total=order_total(lines),
            contact=clean_contact(contact),
            shipping_address=clean_address(shipping_address),
            custom_price_requested=bool(custom_price_requested),
        )

    @property
    def skus(self) -> list[str]:
        return [line.sku for line in self.lines]

    @property
    def is_made_to_order(self) -> bool:
        return any(line.customizable for line in self.lines)

    def reservation_lines(self) -> dict[str, int]:
        return {line.sku: line.quantity for line in self.lines}

    # Who may act.

    def check_customer(self, acting_customer_id: UUID | None) -> None:
        """None means staff."""
        if acting_customer_id is not None and acting_customer_id != self.customer_id:
            raise NotOrderParty("Only the order's customer or staff may do this.", order_id=self.id)

    def check_designer(self, acting_designer_id: UUID | None) -> None:
        """None means staff."""
        if acting_designer_id is not None and acting_designer_id != self.designer_id:
            raise NotOrderParty("Only the order's designer or staff may do this.", order_id=self.id)

    # The state machine.

    def can(self, step: str) -> bool:
        return self.status in states.TRANSITIONS[step].sources

    def _check_step(self, step: str) -> None:
        if not self.can(step):
            allowed = ", ".join(states.allowed_steps(self.status)) or "none"
            raise IllegalTransition(
                f"Order {self.number} is {self.status}: it cannot {step.replace('_', ' ')} "
                f"(steps allowed now: {allowed}).",
                state=self.status,
                step=step,
                order_id=self.id,
            )

    def _move(self, step: str) -> None:
        """State only (runs on replay): the target of the step."""
        self.status = states.TRANSITIONS[step].target

    def confirm(self, pay_by: datetime) -> None:
        """Stock is held for the order until `pay_by`; unpaid by then, it expires."""
        self._check_step("confirm")
        requested = getattr(self, "custom_price_requested", False)  # snapshots taken before the field
        self._confirmed(actor_id=None, pay_by=pay_by, custom_price_requested=requested)

    class Confirmed(Aggregate.Event):
        actor_id: UUID | None
        pay_by: datetime
        # Repeated from Placed, so the negotiation's policy knows which confirmations open a negotiation.
        custom_price_requested: bool = False

    @event(Confirmed)
    def _confirmed(self, actor_id: UUID | None, pay_by: datetime, custom_price_requested: bool = False) -> None:
        self.pay_by = pay_by
        self._move("confirm")

    def reject(self, shortages: dict[str, int]) -> None:
        self._check_step("reject")
        self._rejected(actor_id=None, shortages=dict(shortages))

    class Rejected(Aggregate.Event):
        actor_id: UUID | None
        shortages: dict[str, int]

    @event(Rejected)
    def _rejected(self, actor_id: UUID | None, shortages: dict[str, int]) -> None:
        self.shortages = dict(shortages)
        self._move("reject")

    def request_payment(self, actor_id: UUID | None, acting_customer_id: UUID | None) -> None:
        self.check_customer(acting_customer_id)
        self._check_step("request_payment")
        self._payment_requested(actor_id=actor_id)

    class PaymentRequested(Aggregate.Event):
        actor_id: UUID | None

    @event(PaymentRequested)
    def _payment_requested(self, actor_id: UUID | None) -> None:
        self._move("request_payment")

    def open_negotiation(self, actor_id: UUID | None) -> None:
        """The negotiation context checks who may open one; the order only records that one is open."""
        self._check_step("open_negotiation")
        self._negotiation_opened(actor_id=actor_id)

    class NegotiationOpened(Aggregate.Event):
        actor_id: UUID | None

    @event(NegotiationOpened)
    def _negotiation_opened(self, actor_id: UUID | None) -> None:
        self._move("open_negotiation")

    def close_negotiation(self, actor_id: UUID | None, agreed_total: Money | None, pay_by: datetime) -> None:
        """An agreed total replaces the order's; without one the order keeps its price. The payment
        window starts again: the reservation was kept while the negotiation was open."""
        self._check_step("close_negotiation")
        if agreed_total is not None:
            if agreed_total.currency != self.total.currency:
                raise InvalidOrder("An agreed total is in the order's currency.", field="total", order_id=self.id)
            if agreed_total.amount <= 0:
                raise InvalidOrder("An agreed total is above zero.", field="total", order_id=self.id)
        self._negotiation_closed(actor_id=actor_id, agreed_total=agreed_total, pay_by=pay_by)

    class NegotiationClosed(Aggregate.Event):
        actor_id: UUID | None
        agreed_total: Money | None
        pay_by: datetime

    @event(NegotiationClosed)
    def _negotiation_closed(self, actor_id: UUID | None, agreed_total: Money | None, pay_by: datetime) -> None:
        if agreed_total is not None:
            self.total = agreed_total
        self.pay_by = pay_by
        self._move("close_negotiation")

    def pay(self, payment_id: UUID, amount: Money) -> None:
        """Payment is taken for the order's total, by then final (a negotiation cannot be open)."""
        self._check_step("pay")
        if amount != self.total:
            raise InvalidOrder(
                f"The payment of {amount.amount} {amount.currency} does not match the order's total.",
                field="amount",
                order_id=self.id,
            )
        self._paid(actor_id=None, payment_id=payment_id, amount=amount)

    class Paid(Aggregate.Event):
        actor_id: UUID | None
        payment_id: UUID
        amount: Money

    @event(Paid)
    def _paid(self, actor_id: UUID | None, payment_id: UUID, amount: Money) -> None:
        self.paid_by = payment_id
        self._move("pay")

    def can_take(self, payment_id: UUID, amount: Money) -> bool:
        """Whether a payment that succeeded at the provider pays this order now."""
        return self.can("pay") and amount == self.total

    def refuse_payment(self, payment_id: UUID, amount: Money, reason: str) -> None:
        """A payment the provider took that this order cannot take (cancelled, expired, negotiating, paid by
        another, or for another total since): recorded so the payments context gives the money back. The
        order's state does not change."""
        self._payment_refused(actor_id=None, payment_id=payment_id, amount=amount, reason=reason[:REASON_MAX_LENGTH])

    class PaymentRefused(Aggregate.Event):
        actor_id: UUID | None
        payment_id: UUID
        amount: Money
        reason: str

    @event(PaymentRefused)
    def _payment_refused(self, actor_id: UUID | None, payment_id: UUID, amount: Money, reason: str) -> None:
        pass

    def start_production(self, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_designer(acting_designer_id)
        self._check_step("start_production")
        if not self.is_made_to_order:
            raise InvalidOrder(
                "Only an order of made-to-order pieces goes into production.", field="status", order_id=self.id
            )
        self._production_started(actor_id=actor_id)

    class ProductionStarted(Aggregate.Event):
        actor_id: UUID | None

    @event(ProductionStarted)
    def _production_started(self, actor_id: UUID | None) -> None:
        self._move("start_production")

    def ship(self, carrier: str, tracking_number: str, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_designer(acting_designer_id)
        self._check_step("ship")
        carrier = clean_text(carrier, field="carrier", max_length=CARRIER_MAX_LENGTH, error=InvalidOrder)
        tracking_number = clean_text(
            tracking_number, field="tracking_number", max_length=TRACKING_MAX_LENGTH, error=InvalidOrder
        )
        self._shipped(actor_id=actor_id, carrier=carrier, tracking_number=tracking_number)

    class Shipped(Aggregate.Event):
        actor_id: UUID | None
        carrier: str
        tracking_number: str

    @event(Shipped)
    def _shipped(self, actor_id: UUID | None, carrier: str, tracking_number: str) -> None:
        self.tracking = {"carrier": carrier, "tracking_number": tracking_number}
        self._move("ship")

    def deliver(self, actor_id: UUID | None, acting_designer_id: UUID | None) -> None:
        self.check_designer(acting_designer_id)
        self._check_step("deliver")
        self._delivered(actor_id=actor_id)

    class Delivered(Aggregate.Event):
        actor_id: UUID | None

    @event(Delivered)
    def _delivered(self, actor_id: UUID | None) -> None:
        self._move("deliver")

    def complete(self, actor_id: UUID | None) -> None:
        """Staff close a delivered order."""
        self._check_step("complete")
        self._completed(actor_id=actor_id)

    class Completed(Aggregate.Event):
        actor_id: UUID | None

    @event(Completed)
    def _completed(self, actor_id: UUID | None) -> None:
        self._move("complete")

    def cancel(self, reason: str, actor_id: UUID | None, acting_customer_id: UUID | None) -> None:
        self.check_customer(acting_customer_id)
        self._check_step("cancel")
        reason = clean_text(
            reason, field="reason", max_length=REASON_MAX_LENGTH, multiline=True, required=False, error=InvalidOrder
        )
        self._cancelled(actor_id=actor_id, reason=reason, held_stock=self.status in states.HOLDING_STOCK)

    class Cancelled(Aggregate.Event):
        """`held_stock` tells the inventory policy whether there is a reservation to release."""

        actor_id: UUID | None
        reason: str
        held_stock: bool

    @event(Cancelled)
    def _cancelled(self, actor_id: UUID | None, reason: str, held_stock: bool) -> None:
        self._move("cancel")

    def is_overdue(self, now: datetime) -> bool:
        return self.can("expire") and self.pay_by is not None and now >= self.pay_by

    def expire(self, now: datetime) -> None:
        """Unpaid past `pay_by`: the reservation goes back. A negotiating order keeps it."""
        self._check_step("expire")
        if not self.is_overdue(now):
            raise InvalidOrder(
                f"Order {self.number} may be paid until {self.pay_by}.", field="status", order_id=self.id
            )
        self._expired(actor_id=None)

    class Expired(Aggregate.Event):
        actor_id: UUID | None

    @event(Expired)
    def _expired(self, actor_id: UUID | None) -> None:
        self._move("expire")

    def request_refund(self, reason: str, actor_id: UUID | None, acting_customer_id: UUID | None) -> None:
        self.check_customer(acting_customer_id)
        self._check_step("request_refund")
        reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, multiline=True, error=InvalidOrder)
        self._refund_requested(actor_id=actor_id, reason=reason)

    class RefundRequested(Aggregate.Event):
        actor_id: UUID | None
        reason: str

    @event(RefundRequested)
    def _refund_requested(self, actor_id: UUID | None, reason: str) -> None:
        self._move("request_refund")

    def refund(self, amount: Money, actor_id: UUID | None) -> None:
        self._check_step("refund")
        if amount.currency != self.total.currency or not 0 < amount.amount <= self.total.amount:
            raise InvalidOrder("A refund is above zero and at most the order's total.", field="amount")
        self._refunded(actor_id=actor_id, amount=amount)

    class Refunded(Aggregate.Event):
        actor_id: UUID | None
        amount: Money

    @event(Refunded)
    def _refunded(self, actor_id: UUID | None, amount: Money) -> None:
        self._move("refund")

    def reject_refund(self, reason: str, actor_id: UUID | None) -> None:
        self._check_step("reject_refund")
        reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, multiline=True, error=InvalidOrder)
        self._refund_rejected(actor_id=actor_id, reason=reason)

    class RefundRejected(Aggregate.Event):
        actor_id: UUID | None
        reason: str

    @event(RefundRejected)
    def _refund_rejected(self, actor_id: UUID | None, reason: str) -> None:
        self._move("reject_refund")


# Which event each step emits, for the status timeline and the table-driven tests.
STEP_EVENTS = {
    "confirm": Order.Confirmed,
    "reject": Order.Rejected,
    "request_payment": Order.PaymentRequested,
    "open_negotiation": Order.NegotiationOpened,
    "close_negotiation": Order.NegotiationClosed,
    "pay": Order.Paid,
    "start_production": Order.ProductionStarted,
    "ship": Order.Shipped,
    "deliver": Order.Delivered,
    "complete": Order.Completed,
    "cancel": Order.Cancelled,
    "expire": Order.Expired,
    "request_refund": Order.RefundRequested,
    "refund": Order.Refunded,
    "reject_refund": Order.RefundRejected,
}
