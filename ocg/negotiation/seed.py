"""The demo negotiation `manage.py seed_demo` creates: the demo customer asked for a custom price on one of the
demo designer's customizable pieces, and the designer answered with a proposal, so `make run` shows an order in
negotiation from the start.

It goes through the real commands and sagas: the order is placed with `request_custom_price`, the followers are
run until they rest (the stock is held, the negotiation opens, the order is `negotiating`), then the designer
proposes. Identity and the catalog seed first (INSTALLED_APPS order). Running it again adds nothing: the demo
customer's negotiation is there already.
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
    skus = catalog.customizable_skus(designer_id, limit=1)
    if not skus:
        return ["demo negotiation: not seeded, the demo designer has no customizable piece in stock"]
    checkout = applications.get("orders").place_checkout(
        customer_id=customer_id,
        actor_id=customer_id,
        lines=[{"sku": skus[0], "quantity": 1}],
        contact={"email": DEMO_CUSTOMER, "name": "Demo Customer"},
        shipping_address=ADDRESS,
        request_custom_price=True,
    )
    [order_id] = checkout.order_ids
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
    return [f"demo negotiation: order {order.number} ({skus[0]}) in negotiation, the designer proposes {amount}"]


def settle() -> None:
    """Every policy and projection, run until none has anything left to do (as `manage.py serve` would)."""
    runners = build_followers(threading.Event())
    for _ in range(SETTLE_ROUNDS):
        if not sum(runner.catch_up() for runner in runners):
            return
