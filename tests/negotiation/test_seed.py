"""The demo negotiation: the demo customer's custom-price order of a customizable piece, in negotiation with the
designer's proposal on the table, made through the real commands and sagas; a second run adds nothing."""

from __future__ import annotations

from ocg.identity.models import Role, User
from ocg.negotiation import seed
from ocg.negotiation.models import NegotiationView, ProposalView
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications
from tests.orders.shop import project_catalog, published_piece


def test_the_demo_order_is_in_negotiation_with_the_designers_proposal(event_store, local_storage):
    assert seed.seed() == [
        f"demo negotiation: not seeded, there is no account {seed.DEMO_CUSTOMER} or {seed.DEMO_DESIGNER}"
    ]
    customer = User.objects.create_user(seed.DEMO_CUSTOMER, "demo-password-123", role=Role.CUSTOMER)
    designer = User.objects.create_user(seed.DEMO_DESIGNER, "demo-password-123", role=Role.DESIGNER)
    published_piece(designer.id, "COAT-SOLD", price="1200.00", stock=0)
    project_catalog()
    assert seed.seed() == ["demo negotiation: not seeded, the demo designer has no piece in stock"]
    published_piece(designer.id, "COAT-DEMO", price="1200.00")
    published_piece(designer.id, "GOWN-SOLD", price="900.00", customizable=True, stock=0)
    published_piece(designer.id, "GOWN-DEMO", price="2400.00", customizable=True)

    [line] = seed.seed()

    order = OrderView.objects.get(customer_id=customer.id)
    assert (order.status, order.designer_id, order.lines[0]["sku"]) == ("negotiating", designer.id, "GOWN-DEMO")
    proposes = "in negotiation, the designer proposes 2760.00 EUR"
    assert line == f"demo negotiation: order {order.number} (GOWN-DEMO, a custom price requested) {proposes}"
    negotiation = NegotiationView.objects.get(order_id=order.id)
    assert (negotiation.status, negotiation.opened_by_role, negotiation.rounds_used) == ("open", "customer", 1)
    [proposal] = ProposalView.objects.filter(order_id=order.id)
    assert (proposal.author_role, proposal.author_id, str(proposal.money)) == ("designer", designer.id, "2760.00 EUR")
    assert proposal.outcome == "open" and negotiation.open_proposal_id == proposal.id

    events = applications.get("negotiation").recorder.max_notification_id()
    assert seed.seed() == ["demo negotiation: already there"]
    assert OrderView.objects.filter(customer_id=customer.id).count() == 1
    assert applications.get("negotiation").recorder.max_notification_id() == events


def test_without_a_customizable_piece_the_customer_opens_the_negotiation_on_the_confirmed_order(
    event_store, local_storage
):
    customer = User.objects.create_user(seed.DEMO_CUSTOMER, "demo-password-123", role=Role.CUSTOMER)
    designer = User.objects.create_user(seed.DEMO_DESIGNER, "demo-password-123", role=Role.DESIGNER)
    published_piece(designer.id, "COAT-DEMO", price="1200.00")
    project_catalog()

    [line] = seed.seed()

    order = OrderView.objects.get(customer_id=customer.id)
    assert order.status == "negotiating"
    proposes = "in negotiation, the designer proposes 1380.00 EUR"
    assert line == f"demo negotiation: order {order.number} (COAT-DEMO, opened by the customer) {proposes}"
    negotiation = NegotiationView.objects.get(order_id=order.id)
    assert (negotiation.opened_by_role, negotiation.status, negotiation.rounds_used) == ("customer", "open", 1)
