"""The demo negotiation `manage.py seed_demo` creates: an order of the demo customer's for one of the demo
designer's pieces, in negotiation with the designer's proposal on the table, so `make run` shows one from the start.

It goes through the real commands and sagas. A customizable piece (preferred) is ordered with a custom price
requested; any other piece is ordered at its price and, once confirmed, the customer opens the negotiation. The
followers are run until they rest after each step (the stock is held, the negotiation opens, the order is
`negotiating`), then the designer proposes. Identity and the catalog seed first (INSTALLED_APPS order). Running it
again adds nothing: the demo customer's negotiation is there already.
"""

from __future__ import annotations

import threading

from ocg.catalog import queries as catalog
from ocg.identity import queries as identity
from ocg.negotiation.models import NegotiationView
from ocg.orders import queries as orders
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.workers import build_followers

DEMO_CUSTOMER = "customer@demo.ocg"
DEMO_DESIGNER = "designer@demo.ocg"
# The designer's answer: the listed price plus this share, for the fitting and the hand finishing.
SURCHARGE_PERCENT = 15
NOTE = "Cut to your measurements with a hand-finished lining and one fitting in the atelier: 15% over the list."
SETTLE_ROUNDS = 20
ADDRESS = {
    "name": "Demo Customer",
    "line1": "12 Rue du Faubourg Saint-Honoré",
    "city": "Paris",
    "postal_code": "75008",
    "country": "FR",
}


def seed() -> list[str]:
    customer_id = identity.user_id_by_email(DEMO_CUSTOMER)
    designer_id = identity.user_id_by_email(DEMO_DESIGNER)
    if customer_id is None or designer_id is None:
        return [f"demo negotiation: not seeded, there is no account {DEMO_CUSTOMER} or {DEMO_DESIGNER}"]
    settle()  # the catalog's read models, which the order is priced from
    if NegotiationView.objects.filter(customer_id=customer_id, designer_id=designer_id).exists():
        return ["demo negotiation: already there"]
    skus = catalog.designer_skus_in_stock(designer_id, limit=1)
    if not skus:
        return ["demo negotiation: not seeded, the demo designer has no piece in stock"]
    sku = skus[0]
    custom = catalog.sellable_skus([sku])[sku].customizable
    checkout = applications.get("orders").place_checkout(
        customer_id=customer_id,
        actor_id=customer_id,
        lines=[{"sku": sku, "quantity": 1}],
        contact={"email": DEMO_CUSTOMER, "name": "Demo Customer"},
        shipping_address=ADDRESS,
        request_custom_price=custom,
    )
    [order_id] = checkout.order_ids
    settle()
    if not custom:  # a piece at its listed price: the customer opens the negotiation on the confirmed order
        confirmed = orders.order(order_id)
        if confirmed is not None and confirmed.status == "confirmed":
            applications.get("negotiation").open_negotiation(order_id, actor_id=customer_id, is_staff=False)
            settle()
    order = orders.order(order_id)
    if order is None or order.status != "negotiating":
        status = order.status if order else "not projected"
        return [f"demo negotiation: order {order.number if order else order_id} is {status}, no proposal made"]
    listed = order.money
    amount = Money.from_minor_units(listed.minor_units * (100 + SURCHARGE_PERCENT) // 100, listed.currency)
    applications.get("negotiation").propose(
        order_id, actor_id=designer_id, is_staff=False, amount=amount, currency=amount.currency, note=NOTE
    )
    settle()
    how = "a custom price requested" if custom else "opened by the customer"
    return [f"demo negotiation: order {order.number} ({sku}, {how}) in negotiation, the designer proposes {amount}"]


def settle() -> None:
    """Every policy and projection, run until none has anything left to do (as `manage.py serve` would)."""
    runners = build_followers(threading.Event())
    for _ in range(SETTLE_ROUNDS):
        if not sum(runner.catch_up() for runner in runners):
            return
