"""The negotiation's rules: given a negotiation, when a party acts, then these events or this refusal. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.negotiation.domain import (
    InvalidProposal,
    Negotiation,
    NoOpenProposal,
    NotAuthor,
    NotNegotiable,
    NotNegotiationParty,
    OwnProposal,
    ProposalAlreadyOpen,
    TooManyRounds,
    WrongCurrency,
    negotiation_id,
    roles,
)
from ocg.spine.domain.money import Money

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LIFETIME = timedelta(hours=48)
MAX_ROUNDS = 3
CUSTOMER, DESIGNER, STAFF = roles.CUSTOMER, roles.DESIGNER, roles.STAFF


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def opened(role: str = CUSTOMER) -> Negotiation:
    negotiation = Negotiation.start(
        order_id=uuid4(), customer_id=uuid4(), designer_id=uuid4(), currency="EUR", role=role, actor_id=None
    )
    negotiation.collect_events()
    return negotiation


def propose(negotiation: Negotiation, role: str, amount: str = "900.00", *, now=NOW, floor=None, **kw):
    proposal_id = kw.pop("proposal_id", uuid4())
    declined = negotiation.propose(
        proposal_id=proposal_id,
        role=role,
        actor_id=None,
        amount=kw.pop("money", None) or eur(amount),
        note=kw.pop("note", ""),
        now=now,
        expires_at=now + LIFETIME,
        max_rounds=kw.pop("max_rounds", MAX_ROUNDS),
        floor=floor,
    )
    return proposal_id, declined


def kinds(negotiation: Negotiation) -> list[str]:
    return [type(e).__qualname__ for e in negotiation.collect_events()]


def test_one_negotiation_per_order_with_every_event_naming_the_order():
    order_id = uuid4()
    negotiation = Negotiation.start(
        order_id=order_id, customer_id=uuid4(), designer_id=uuid4(), currency="EUR", role=DESIGNER, actor_id=None
    )
    assert negotiation.id == negotiation_id(order_id)
    propose(negotiation, CUSTOMER)
    events = negotiation.collect_events()
    assert [type(e).__qualname__ for e in events] == ["Negotiation.Opened", "Negotiation.Proposed"]
    assert all(e.order_id == order_id for e in events)
    assert events[0].opened_by_role == DESIGNER


def test_a_counter_supersedes_the_open_proposal_and_acceptance_sets_the_price():
    negotiation = opened()
    first, _ = propose(negotiation, CUSTOMER, "800.00")
    counter, _ = propose(negotiation, DESIGNER, "950.00")
    events = negotiation.collect_events()
    assert events[-1].counter_to == first and events[-1].round == 2
    assert events[-1].expires_at == NOW + LIFETIME
    assert negotiation.accept(proposal_id=counter, role=CUSTOMER, actor_id=None, now=NOW) == eur("950.00")
    assert kinds(negotiation) == ["Negotiation.PriceAgreed", "Negotiation.Closed"]
    assert negotiation.status == roles.AGREED and negotiation.agreed == eur("950.00")


def staff_open() -> tuple[Negotiation, object]:
    negotiation = opened()
    return negotiation, propose(negotiation, STAFF)[0]


# (who proposed, who answers, the answer, the refusal or None for the event)
ANSWERS = [
    (CUSTOMER, DESIGNER, "accept", None),
    (CUSTOMER, STAFF, "accept", None),
    (CUSTOMER, CUSTOMER, "accept", OwnProposal),
    (DESIGNER, DESIGNER, "accept", OwnProposal),
    (STAFF, STAFF, "accept", OwnProposal),
    (STAFF, CUSTOMER, "accept", None),
    (DESIGNER, CUSTOMER, "reject", None),
    (DESIGNER, DESIGNER, "reject", OwnProposal),
    (CUSTOMER, CUSTOMER, "withdraw", None),
    (CUSTOMER, DESIGNER, "withdraw", NotAuthor),
    (DESIGNER, STAFF, "withdraw", None),
    (CUSTOMER, CUSTOMER, "counter", ProposalAlreadyOpen),
    (CUSTOMER, DESIGNER, "counter", None),
    (STAFF, DESIGNER, "counter", None),
]
EVENT_OF = {
    "accept": ["Negotiation.PriceAgreed", "Negotiation.Closed"],
    "reject": ["Negotiation.Rejected"],
    "withdraw": ["Negotiation.Withdrawn"],
    "counter": ["Negotiation.Proposed"],
}


@pytest.mark.parametrize(("author", "answerer", "answer", "refusal"), ANSWERS)
def test_who_may_answer_a_proposal(author, answerer, answer, refusal):
    negotiation = opened()
    proposal_id, _ = propose(negotiation, author)
    negotiation.collect_events()

    def act():
        if answer == "accept":
            negotiation.accept(proposal_id=proposal_id, role=answerer, actor_id=None, now=NOW)
        elif answer == "reject":
            negotiation.reject(proposal_id=proposal_id, role=answerer, actor_id=None, note="Too low", now=NOW)
        elif answer == "withdraw":
            negotiation.withdraw(proposal_id=proposal_id, role=answerer, actor_id=None, now=NOW)
        else:
            propose(negotiation, answerer, "1000.00")

    if refusal is None:
        act()
        assert kinds(negotiation) == EVENT_OF[answer]
    else:
        with pytest.raises(refusal):
            act()
        assert negotiation.collect_events() == [], "a refusal records nothing"
        assert negotiation.proposal is not None and negotiation.proposal.id == proposal_id


# (amount, currency, the refusal and its field)
BAD_AMOUNTS = [
    ("0.00", "EUR", InvalidProposal, "amount"),
    ("-5.00", "EUR", InvalidProposal, "amount"),
    ("900.00", "GBP", WrongCurrency, "currency"),
]


@pytest.mark.parametrize(("amount", "currency", "refusal", "field"), BAD_AMOUNTS)
def test_amounts_are_positive_money_in_the_orders_currency(amount, currency, refusal, field):
    negotiation = opened()
    with pytest.raises(refusal) as raised:
        propose(negotiation, CUSTOMER, money=Money(Decimal(amount), currency))
    assert raised.value.field == field
    assert negotiation.collect_events() == [] and negotiation.rounds_used == 0


@pytest.mark.parametrize("note", ["\x00", "x" * 1001])
def test_a_note_is_clean_text(note):
    negotiation = opened()
    with pytest.raises(InvalidProposal) as raised:
        propose(negotiation, CUSTOMER, note=note)
    assert raised.value.field == "note"


def test_rounds_run_out_declined_ones_included():
    negotiation = opened()
    propose(negotiation, CUSTOMER, "100.00", floor=eur("500.00"))
    propose(negotiation, CUSTOMER, "600.00")
    propose(negotiation, DESIGNER, "700.00")
    negotiation.collect_events()
    with pytest.raises(TooManyRounds) as raised:
        propose(negotiation, CUSTOMER, "650.00")
    assert raised.value.code == "too_many_rounds"
    assert negotiation.collect_events() == []


# (who proposes, amount, floor, declined?)
FLOORS = [
    (CUSTOMER, "499.99", "500.00", True),
    (CUSTOMER, "500.00", "500.00", False),
    (CUSTOMER, "499.99", None, False),
    (DESIGNER, "100.00", "500.00", False),
    (STAFF, "100.00", "500.00", False),
]


@pytest.mark.parametrize(("role", "amount", "floor", "declined"), FLOORS)
def test_a_customer_proposal_under_the_floor_is_declined_at_once_naming_no_amount(role, amount, floor, declined):
    negotiation = opened()
    _, was_declined = propose(negotiation, role, amount, floor=eur(floor) if floor else None)
    events = negotiation.collect_events()
    assert was_declined is declined
    assert [type(e).__qualname__ for e in events] == ["Negotiation.Proposed"] + (
        ["Negotiation.Declined"] if declined else []
    )
    if declined:
        assert set(vars(events[-1])) - {"originator_id", "originator_version", "timestamp"} == {
            "order_id",
            "proposal_id",
            "actor_id",
        }, "the decline carries no amount"
        assert events[-1].actor_id is None and negotiation.proposal is None


def test_a_proposal_expires_once_and_cannot_be_answered_after_its_time():
    negotiation = opened()
    proposal_id, _ = propose(negotiation, DESIGNER)
    negotiation.collect_events()
    assert negotiation.expire(NOW + LIFETIME - timedelta(seconds=1)) is False
    later = NOW + LIFETIME
    with pytest.raises(NoOpenProposal, match="expired"):
        negotiation.accept(proposal_id=proposal_id, role=CUSTOMER, actor_id=None, now=later)
    assert negotiation.expire(later) is True
    assert negotiation.expire(later) is False
    assert kinds(negotiation) == ["Negotiation.Expired"]


def test_proposing_after_the_open_one_lapsed_records_its_expiry_first_and_is_no_counter():
    negotiation = opened()
    lapsed, _ = propose(negotiation, DESIGNER)
    negotiation.collect_events()
    propose(negotiation, CUSTOMER, now=NOW + LIFETIME + timedelta(minutes=1))
    events = negotiation.collect_events()
    assert [type(e).__qualname__ for e in events] == ["Negotiation.Expired", "Negotiation.Proposed"]
    assert events[0].proposal_id == lapsed and events[1].counter_to is None


def test_answers_name_the_open_proposal():
    negotiation = opened()
    with pytest.raises(NoOpenProposal, match="no open proposal"):
        negotiation.accept(proposal_id=uuid4(), role=DESIGNER, actor_id=None, now=NOW)
    first, _ = propose(negotiation, CUSTOMER)
    propose(negotiation, DESIGNER, "1000.00")
    with pytest.raises(NoOpenProposal, match="no longer"):
        negotiation.accept(proposal_id=first, role=CUSTOMER, actor_id=None, now=NOW)


def test_an_ended_negotiation_takes_nothing_more():
    negotiation = opened()
    assert negotiation.end(actor_id=None) is True
    assert negotiation.end(actor_id=None) is False
    assert kinds(negotiation) == ["Negotiation.Closed"]
    assert negotiation.status == roles.ABANDONED
    with pytest.raises(NotNegotiable):
        propose(negotiation, CUSTOMER)


def test_only_the_orders_parties_and_staff_take_part():
    negotiation = opened()
    assert negotiation.role_of(negotiation.customer_id, is_staff=False) == CUSTOMER
    assert negotiation.role_of(negotiation.designer_id, is_staff=True) == DESIGNER
    assert negotiation.role_of(uuid4(), is_staff=True) == STAFF
    with pytest.raises(NotNegotiationParty):
        negotiation.role_of(uuid4(), is_staff=False)


def test_replay_gives_the_same_negotiation():
    negotiation = Negotiation.start(
        order_id=uuid4(), customer_id=uuid4(), designer_id=uuid4(), currency="EUR", role=CUSTOMER, actor_id=None
    )
    propose(negotiation, CUSTOMER, "800.00")
    counter, _ = propose(negotiation, DESIGNER, "900.00")
    rebuilt = None
    for e in negotiation.collect_events():
        rebuilt = e.mutate(rebuilt)
    assert (rebuilt.proposal, rebuilt.rounds_used, rebuilt.status) == (negotiation.proposal, 2, roles.OPEN)
    assert rebuilt.proposal.id == counter
