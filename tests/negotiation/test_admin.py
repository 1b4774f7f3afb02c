"""Negotiations in Django admin, as a superuser uses them: found by the order's number or an id, filtered by state,
every page read-only; a product's floor shows that it exists, never its amount."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ocg.negotiation.models import NegotiationView, ProductFloor, ProposalView
from ocg.orders.models import OrderView
from tests.negotiation.support import SET_FLOOR, answer, call, negotiating_order, product_id, propose
from tests.orders import api_support
from tests.orders.api_support import eventually

shop = api_support.shop
followers = api_support.followers
NEGOTIATIONS = "/admin/negotiation/negotiationview/"
PROPOSALS = "/admin/negotiation/proposalview/"
FLOORS = "/admin/negotiation/productfloor/"


@pytest.fixture
def negotiations(client, shop, followers) -> dict:
    """Cleo's coat: agreed after a counter. Dan's gown: a proposal still open."""
    coat = negotiating_order(client, shop.cleo)
    first = propose(client, shop.cleo, coat, "1000.00")
    counter = propose(client, shop.ada, coat, "1100.00", note="Meet me halfway.")
    assert answer(client, shop.cleo, "Accept", coat, counter["proposalId"])["errors"] == []
    gown = negotiating_order(client, shop.dan, **{"GOWN-M": 1})
    assert propose(client, shop.dan, gown, "2000.00")["errors"] == []
    eventually(lambda: ProposalView.objects.filter(order_id=gown).exists(), "the gown's proposal")
    return {"coat": coat, "gown": gown, "first": first["proposalId"]}


def number(order_id) -> str:
    return OrderView.objects.get(id=order_id).number


def shown(response) -> set:
    assert response.status_code == 200
    return {(row.order_id, getattr(row, "round", None)) for row in response.context["cl"].result_list}


def test_negotiations_are_found_by_order_and_filtered_by_state(admin_client, shop, negotiations):
    coat, gown = negotiations["coat"], negotiations["gown"]
    listed = admin_client.get(NEGOTIATIONS)
    assert {order for order, _ in shown(listed)} == {coat, gown}
    text = listed.content.decode()
    assert number(coat) in text and number(gown) in text, "rows name their order by number"
    for query, expected in (
        (f"q={number(coat)}", {coat}),
        (f"q={number(gown).lower()}", {gown}),
        (f"q={coat}", {coat}),
        (f"q={shop.dan.id}", {gown}),
        (f"q={shop.ada.id}", {coat, gown}),
        (f"q={uuid4()}", set()),
        ("q=OCG-0000-999999", set()),
        ("status=agreed", {coat}),
        ("status=open", {gown}),
        ("status=abandoned", set()),
        ("opened_by_role=customer", {coat, gown}),
    ):
        assert {order for order, _ in shown(admin_client.get(f"{NEGOTIATIONS}?{query}"))} == expected, query
    for odd in ("%00", "OCG%00", "%ED%A0%80"):
        assert admin_client.get(f"{NEGOTIATIONS}?q={odd}").status_code == 200, odd


def test_proposals_are_found_by_order_and_filtered_by_outcome(admin_client, shop, negotiations):
    coat, gown = negotiations["coat"], negotiations["gown"]
    assert shown(admin_client.get(PROPOSALS)) == {(coat, 1), (coat, 2), (gown, 1)}
    assert shown(admin_client.get(f"{PROPOSALS}?q={number(coat)}")) == {(coat, 1), (coat, 2)}
    assert shown(admin_client.get(f"{PROPOSALS}?q={shop.ada.id}")) == {(coat, 2)}, "by its author"
    assert shown(admin_client.get(f"{PROPOSALS}?outcome=open")) == {(gown, 1)}
    assert shown(admin_client.get(f"{PROPOSALS}?outcome=countered")) == {(coat, 1)}
    assert shown(admin_client.get(f"{PROPOSALS}?outcome=accepted&author_role=designer")) == {(coat, 2)}
    page = admin_client.get(f"{PROPOSALS}{negotiations['first']}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1000.00 EUR" in text and f"/admin/identity/user/{shop.cleo.id}/change/" in text


def test_every_negotiation_page_is_read_only(admin_client, shop, negotiations):
    coat = negotiations["coat"]
    before = NegotiationView.objects.get(order_id=coat)
    page = admin_client.get(f"{NEGOTIATIONS}{coat}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1100.00 EUR" in text and number(coat) in text and 'name="_save"' not in text
    posted = admin_client.post(f"{NEGOTIATIONS}{coat}/change/", {"status": "abandoned", "rounds_used": 0})
    assert posted.status_code == 403
    assert admin_client.get(f"{NEGOTIATIONS}add/").status_code == 403
    assert admin_client.post(f"{NEGOTIATIONS}{coat}/delete/", {"post": "yes"}).status_code == 403
    assert NegotiationView.objects.get(order_id=coat).version == before.version
    assert ProposalView.objects.filter(order_id=coat).count() == 2


def test_staff_see_that_a_floor_exists_but_not_its_amount(client, admin_client, shop, followers):
    product = product_id("GOWN-M")
    set_floor = call(client, shop.ada, SET_FLOOR, "negotiationSetFloor", product=str(product), amount="1987.65")
    assert set_floor["errors"] == [], set_floor
    listed = admin_client.get(FLOORS)
    assert listed.status_code == 200
    assert [row.product_id for row in listed.context["cl"].result_list] == [product]
    page = admin_client.get(f"{FLOORS}{product}/change/")
    assert page.status_code == 200
    for text in (listed.content.decode(), page.content.decode()):
        assert "1987.65" not in text and "1987,65" not in text, "the floor's amount is the designer's secret"
    assert f"/admin/identity/user/{shop.ada.id}/change/" in page.content.decode()
    assert admin_client.post(f"{FLOORS}{product}/delete/", {"post": "yes"}).status_code == 403
    assert ProductFloor.objects.filter(product_id=product).exists()


def test_the_orders_parties_do_not_reach_the_negotiation_admin(client, shop, negotiations):
    for user in (shop.cleo, shop.ada):
        client.force_login(user)
        for page in (NEGOTIATIONS, PROPOSALS, FLOORS, f"{NEGOTIATIONS}{negotiations['coat']}/change/"):
            response = client.get(page)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (user.email, page)
        client.logout()
