"""The orders context's aggregate and its state machine. Imports only the standard library,
eventsourcing.domain and the spine's shared domain (errors, text, Money)."""

from ocg.orders.domain.errors import IllegalTransition, InvalidOrder, NotOrderParty, OrderNotFound, OrdersError
from ocg.orders.domain.lines import OrderLine
from ocg.orders.domain.order import STEP_EVENTS, Order
from ocg.orders.domain.states import STATES, TRANSITIONS

__all__ = [
    "STATES",
    "STEP_EVENTS",
    "TRANSITIONS",
    "IllegalTransition",
    "InvalidOrder",
    "NotOrderParty",
    "Order",
    "OrderLine",
    "OrderNotFound",
    "OrdersError",
]
