"""Proposal expiry with a controlled clock: the beat job records `Expired` once a proposal is past its time, and
only then; a second run records nothing more. The followers run in the test's thread (settle)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ocg.negotiation.models import ProposalView
from ocg.negotiation.tasks import expire_proposals
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications
from tests.orders.shop import place, project_catalog, published_piece, settle


@pytest.fixture
def order(event_store, settings, tmp_path):
    """An order in negotiation, its customer's proposal made at a known time."""
    settings.MEDIA_ROOT = tmp_path
    designer, customer = uuid.uuid4(), uuid.uuid4()
    published_piece(designer, "CAPE-M", stock=2, price="500.00")
    project_catalog()
    [order_id] = place(customer, **{"CAPE-M": 1})
    settle()
    negotiation = applications.get("negotiation")
    negotiation.open_negotiation(order_id, actor_id=customer, is_staff=False)
    settle()
    assert OrderView.objects.get(id=order_id).status == "negotiating"
    return order_id, customer


def outcome(order_id) -> str:
    return ProposalView.objects.get(order_id=order_id).outcome


def test_a_proposal_is_kept_until_its_48_hours_are_up_then_expires_once(order, settings):
    order_id, customer = order
    assert settings.NEGOTIATION_PROPOSAL_HOURS == 48
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        made = applications.get("negotiation").propose(
            order_id, actor_id=customer, is_staff=False, amount="450.00", currency="EUR"
        )
    settle()
    assert ProposalView.objects.get(id=made.proposal_id).expires_at == start + timedelta(hours=48)

    with time_machine.travel(start + timedelta(hours=47, minutes=59), tick=False):
        assert expire_proposals() == 0
    settle()
    assert outcome(order_id) == "open"

    with time_machine.travel(start + timedelta(hours=48, minutes=1), tick=False):
        assert expire_proposals() == 1
        assert applications.get("negotiation").expire(order_id, now=timezone.now()) is False
    settle()
    assert outcome(order_id) == "expired"
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        assert expire_proposals() == 0, "nothing left to expire"
    assert OrderView.objects.get(id=order_id).status == "negotiating", "the negotiation stays open, nothing on it"
