"""The order's state machine and rules: given events, when a step, then an event or a refusal. No database."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.orders.domain import (
    STATES,
    STEP_EVENTS,
    TRANSITIONS,
    IllegalTransition,
    InvalidOrder,
    NotOrderParty,
    Order,
    OrderLine,
)
from ocg.orders.domain import states as s
from ocg.spine.domain.money import Money

STAFF = None
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "fr",
}
CONTACT = {"email": "Ada@Example.com", "name": "Ada"}


def line(sku: str = "GOWN-S", price: str = "100.00", currency: str = "EUR", quantity: int = 1, custom: bool = False):
    return OrderLine(
        sku=sku,
        product_id=uuid4(),
        product_name="Silk Gown",
        size="S",
        colour="Ivory",
        unit_price=Money(Decimal(price), currency),
        quantity=quantity,
        customizable=custom,
    )


def placed(*lines: OrderLine, **overrides) -> Order:
    fields = {
        "order_id": uuid4(),
        "actor_id": uuid4(),
        "checkout_id": uuid4(),
        "number": "OCG-2026-000001",
        "customer_id": uuid4(),
        "designer_id": uuid4(),
        "lines": list(lines) or [line(custom=True)],
        "contact": CONTACT,
        "shipping_address": ADDRESS,
    }
    fields.update(overrides)
    return Order.place(**fields)


STEPS = {
    "confirm": lambda o: o.confirm(),
    "reject": lambda o: o.reject({"GOWN-S": 1}),
    "request_payment": lambda o: o.request_payment(None, STAFF),
    "open_negotiation": lambda o: o.open_negotiation(None),
    "close_negotiation": lambda o: o.close_negotiation(None, None),
    "pay": lambda o: o.pay(uuid4(), o.total),
    "start_production": lambda o: o.start_production(None, STAFF),
    "ship": lambda o: o.ship("DHL", "JD0001", None, STAFF),
    "deliver": lambda o: o.deliver(None, STAFF),
    "complete": lambda o: o.complete(None),
    "cancel": lambda o: o.cancel("changed my mind", None, STAFF),
    "expire": lambda o: o.expire(),
    "request_refund": lambda o: o.request_refund("damaged", None, STAFF),
    "refund": lambda o: o.refund(o.total, None),
    "reject_refund": lambda o: o.reject_refund("worn", None),
}
PATHS = {
    s.PLACED: [],
    s.CONFIRMED: ["confirm"],
    s.REJECTED: ["reject"],
    s.AWAITING_PAYMENT: ["confirm", "request_payment"],
    s.NEGOTIATING: ["confirm", "open_negotiation"],
    s.PAID: ["confirm", "request_payment", "pay"],
    s.IN_PRODUCTION: ["confirm", "request_payment", "pay", "start_production"],
    s.SHIPPED: ["confirm", "request_payment", "pay", "ship"],
    s.DELIVERED: ["confirm", "request_payment", "pay", "ship", "deliver"],
    s.COMPLETED: ["confirm", "request_payment", "pay", "ship", "deliver", "complete"],
    s.CANCELLED: ["cancel"],
    s.REFUND_REQUESTED: ["confirm", "request_payment", "pay", "request_refund"],
    s.REFUNDED: ["confirm", "request_payment", "pay", "request_refund", "refund"],
    s.REFUND_REJECTED: ["confirm", "request_payment", "pay", "request_refund", "reject_refund"],
}


def order_in(state: str) -> Order:
    order = placed()
    for step in PATHS[state]:
        STEPS[step](order)
    assert order.status == state
    order.collect_events()
    return order


def test_the_tables_cover_every_state_and_step():
    assert set(PATHS) == set(STATES)
    assert set(STEPS) == set(TRANSITIONS) == set(STEP_EVENTS)


ALLOWED = [(step, state) for step in TRANSITIONS for state in STATES if state in TRANSITIONS[step].sources]
REFUSED = [(step, state) for step in TRANSITIONS for state in STATES if state not in TRANSITIONS[step].sources]


@pytest.mark.parametrize(("step", "state"), ALLOWED)
def test_every_allowed_step_emits_its_event_and_reaches_its_target(step, state):
    order = order_in(state)
    STEPS[step](order)
    [emitted] = order.collect_events()
    assert isinstance(emitted, STEP_EVENTS[step])
    assert order.status == TRANSITIONS[step].target


@pytest.mark.parametrize(("step", "state"), REFUSED)
def test_every_illegal_step_is_refused_naming_the_state_and_the_step(step, state):
    order = order_in(state)
    with pytest.raises(IllegalTransition) as refused:
        STEPS[step](order)
    assert (refused.value.state, refused.value.step, refused.value.code) == (state, step, "illegal_transition")
    assert state in refused.value.message and step.replace("_", " ") in refused.value.message
    assert order.collect_events() == [] and order.status == state


def test_placing_snapshots_the_lines_and_totals_them_in_one_currency():
    order = placed(line("A-1", "100.00", quantity=2), line("B-2", "49.50"))
    assert order.total == Money(Decimal("249.50"), "EUR")
    assert order.contact["email"] == "ada@example.com"
    assert order.shipping_address["country"] == "FR"
    assert order.reservation_lines() == {"A-1": 2, "B-2": 1}


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([line("A-1", currency="EUR"), line("B-2", currency="GBP")], "lines"),
        ([line("A-1"), line("A-1")], "lines"),
        ([line(quantity=0)], "lines.0.quantity"),
        ([line(quantity=100)], "lines.0.quantity"),
        ([line(f"S-{i}") for i in range(51)], "lines"),
    ],
)
def test_bad_lines_are_refused(lines, field):
    with pytest.raises(InvalidOrder) as refused:
        Order.place(
            order_id=uuid4(),
            actor_id=None,
            checkout_id=uuid4(),
            number="OCG-2026-000002",
            customer_id=uuid4(),
            designer_id=uuid4(),
            lines=lines,
            contact=CONTACT,
            shipping_address=ADDRESS,
        )
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"shipping_address": {**ADDRESS, "line1": ""}}, "shipping_address.line1"),
        ({"shipping_address": {**ADDRESS, "country": "XX"}}, "shipping_address.country"),
        ({"shipping_address": {**ADDRESS, "country": "EU"}}, "shipping_address.country"),
        ({"shipping_address": {**ADDRESS, "city": "Pa\x00ris"}}, "shipping_address.city"),
        ({"shipping_address": "Paris"}, "shipping_address"),
        ({"contact": {"email": "not-an-email"}}, "contact.email"),
        ({"contact": {"email": "a@b.co", "phone": "call me"}}, "contact.phone"),
    ],
)
def test_bad_contact_or_address_is_refused(overrides, field):
    with pytest.raises(InvalidOrder) as refused:
        placed(**overrides)
    assert refused.value.field == field


def test_only_the_parties_act_on_their_steps():
    order = order_in(s.PAID)
    with pytest.raises(NotOrderParty):
        order.ship("DHL", "1", None, uuid4())
    order.ship("DHL", "JD1", None, order.designer_id)
    fresh = order_in(s.CONFIRMED)
    with pytest.raises(NotOrderParty):
        fresh.cancel("", None, uuid4())
    fresh.cancel("", None, fresh.customer_id)
    assert fresh.status == s.CANCELLED


def test_a_cancel_says_whether_stock_was_held():
    for state, held in ((s.PLACED, False), (s.CONFIRMED, True), (s.NEGOTIATING, True)):
        order = order_in(state)
        order.cancel("", None, STAFF)
        [cancelled] = order.collect_events()
        assert cancelled.held_stock is held


def test_only_made_to_order_pieces_go_into_production():
    order = placed(line(custom=False))
    for step in PATHS[s.PAID]:
        STEPS[step](order)
    with pytest.raises(InvalidOrder):
        order.start_production(None, STAFF)


def test_payment_must_match_the_total_and_an_agreed_price_replaces_it():
    order = order_in(s.NEGOTIATING)
    with pytest.raises(InvalidOrder):
        order.close_negotiation(None, Money(Decimal("90"), "GBP"))
    order.close_negotiation(None, Money(Decimal("90"), "EUR"))
    assert order.status == s.AWAITING_PAYMENT and order.total == Money(Decimal("90.00"), "EUR")
    with pytest.raises(InvalidOrder):
        order.pay(uuid4(), Money(Decimal("100"), "EUR"))
    order.pay(uuid4(), Money(Decimal("90"), "EUR"))
    assert order.status == s.PAID


def test_replay_rebuilds_the_order():
    order = order_in(s.SHIPPED)
    fresh = placed()
    for step in PATHS[s.SHIPPED]:
        STEPS[step](fresh)
    events = fresh.collect_events()
    replayed = None
    for domain_event in events:
        replayed = domain_event.mutate(replayed)
    assert (replayed.status, replayed.tracking, replayed.total) == (s.SHIPPED, fresh.tracking, fresh.total)
    assert order.status == s.SHIPPED
