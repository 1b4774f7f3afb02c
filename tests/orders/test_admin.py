"""Orders in Django admin, as a superuser uses them: the read model to search and filter, the timeline on the
order's page, and actions that run the orders' commands with the staff member as actor. A refused step is a
message naming the order, and changes nothing."""

from __future__ import annotations

import uuid

import pytest

from ocg.orders.models import OrderStatusChange, OrderView
from ocg.spine.eventstore import applications
from tests.orders import api_support
from tests.orders.api_support import paid, place, wait_for_status
from tests.orders.shop import ADDRESS

shop = api_support.shop
followers = api_support.followers
ORDERS = "/admin/orders/orderview/"


@pytest.fixture
def orders(shop, followers) -> dict:
    coat = place(shop.cleo, **{"COAT-M": 1})[0]
    gown = place(shop.dan, **{"GOWN-M": 1})[0]
    shirt = (
        applications.get("orders")
        .place_checkout(
            customer_id=shop.dan.id,
            actor_id=shop.dan.id,
            lines=[{"sku": "SHIRT-M", "quantity": 1}],
            contact={"email": "dan.buys@example.com", "name": "Dan"},
            shipping_address=ADDRESS,
        )
        .order_ids[0]
    )
    for order_id in (coat, gown, shirt):
        wait_for_status(order_id, "confirmed")
    return {"coat": coat, "gown": gown, "shirt": shirt}


def numbers(response) -> set[str]:
    assert response.status_code == 200
    shown = {row.number for row in response.context["cl"].result_list}
    return shown


def number(order_id) -> str:
    return OrderView.objects.get(id=order_id).number


def act(admin_client, action: str, *order_ids, **fields):
    """Selects orders on the list and runs an action, as the action bar posts it; follows to the page shown."""
    data = {"action": action, "_selected_action": [str(i) for i in order_ids], "index": "0", **fields}
    return admin_client.post(ORDERS, data, follow=True)


def apply(admin_client, action: str, *order_ids, **fields):
    """Submits an action's form page."""
    data = {"action": action, "_selected_action": [str(i) for i in order_ids], "apply": "yes", **fields}
    return admin_client.post(ORDERS, data, follow=True)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def test_orders_are_searched_by_number_email_and_account_and_filtered(admin_client, shop, orders):
    coat, gown, shirt = (number(orders[name]) for name in ("coat", "gown", "shirt"))
    assert numbers(admin_client.get(ORDERS)) == {coat, gown, shirt}
    for query, expected in (
        (f"q={coat}", {coat}),
        (f"q={coat[-6:]}", {coat}),
        ("q=dan.buys@example", {shirt}),
        (f"q={shop.dan.id}", {gown, shirt}),
        (f"q={shop.ada.id}", {coat, gown}),
        (f"q={shop.ben.id}", {shirt}),
        ("made_to_order__exact=1", {gown}),
        ("status=confirmed", {coat, gown, shirt}),
        ("status=cancelled", set()),
        ("currency=EUR", {coat, gown, shirt}),
    ):
        assert numbers(admin_client.get(f"{ORDERS}?{query}")) == expected, query
    for odd in ("%00", "OCG%00", "%ED%A0%80"):
        assert admin_client.get(f"{ORDERS}?q={odd}").status_code == 200, odd


def test_an_orders_page_shows_its_lines_timeline_and_links_to_the_accounts(admin_client, shop, orders):
    page = admin_client.get(f"{ORDERS}{orders['coat']}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/admin/identity/user/{shop.cleo.id}/change/" in text
    assert f"/admin/identity/user/{shop.ada.id}/change/" in text
    assert "COAT-M" in text and "1200.00 EUR" in text and "Rue de la Paix" in text
    assert "<td>place</td>" in text and "<td>confirm</td>" in text and "system" in text


def test_staff_cancel_with_a_reason_as_themselves(admin_client, admin_user, shop, orders):
    form = act(admin_client, "cancel", orders["coat"])
    assert form.status_code == 200 and "Cancel them" in form.content.decode()
    assert OrderView.objects.get(id=orders["coat"]).status == "confirmed", "the form first, nothing done yet"
    done = apply(admin_client, "cancel", orders["coat"], reason="Customer called to cancel")
    assert ("success", "Cancelled: 1 of 1.") in messages_of(done)
    row = OrderView.objects.get(id=orders["coat"])
    assert row.status == "cancelled"
    last = OrderStatusChange.objects.filter(order_id=row.id).order_by("version").last()
    assert (last.step, last.actor_id, last.details) == (
        "cancel",
        admin_user.id,
        {"reason": "Customer called to cancel"},
    )


def test_shipping_delivering_and_completing_from_the_list(admin_client, admin_user, shop, orders):
    paid(orders["gown"])
    paid(orders["shirt"])
    wait_for_status(orders["shirt"], "paid")
    invalid = apply(admin_client, "mark_shipped", orders["gown"], orders["shirt"], carrier="", tracking_number="1Z")
    assert invalid.status_code == 200 and "This field is required" in invalid.content.decode()
    done = apply(admin_client, "mark_shipped", orders["gown"], orders["shirt"], carrier="DHL", tracking_number="JD01")
    assert ("success", "Marked shipped: 2 of 2.") in messages_of(done)
    assert OrderView.objects.get(id=orders["shirt"]).tracking == {"carrier": "DHL", "tracking_number": "JD01"}
    assert ("success", "Marked delivered: 1 of 1.") in messages_of(act(admin_client, "mark_delivered", orders["gown"]))
    assert ("success", "Completed: 1 of 1.") in messages_of(act(admin_client, "complete", orders["gown"]))
    assert OrderView.objects.get(id=orders["gown"]).status == "completed"
    steps = OrderStatusChange.objects.filter(order_id=orders["gown"], step__in=["ship", "deliver", "complete"])
    assert {change.actor_id for change in steps} == {admin_user.id}


def test_a_refused_step_is_a_message_and_changes_nothing(admin_client, shop, orders):
    paid(orders["shirt"])
    apply(admin_client, "mark_shipped", orders["shirt"], carrier="UPS", tracking_number="1Z")
    wait_for_status(orders["shirt"], "shipped")
    before = {i: OrderView.objects.get(id=i).version for i in orders.values()}
    response = apply(admin_client, "cancel", orders["shirt"], orders["coat"], reason="Both, please")
    shown = messages_of(response)
    assert response.status_code == 200
    assert any(level == "error" and number(orders["shirt"]) in text and "shipped" in text for level, text in shown)
    assert ("success", "Cancelled: 1 of 2.") in shown
    assert OrderView.objects.get(id=orders["shirt"]).version == before[orders["shirt"]]
    assert OrderView.objects.get(id=orders["coat"]).status == "cancelled"

    refused = act(admin_client, "complete", orders["gown"])
    assert [level for level, _ in messages_of(refused)] == ["error"]
    assert OrderView.objects.get(id=orders["gown"]).version == before[orders["gown"]]
    assert admin_client.get(f"{ORDERS}{uuid.uuid4()}/change/", follow=True).status_code == 200


def test_the_read_model_cannot_be_edited_by_hand(admin_client, orders):
    assert admin_client.get(f"{ORDERS}add/").status_code == 403
    change = admin_client.post(f"{ORDERS}{orders['coat']}/change/", {"status": "completed"})
    assert change.status_code == 403
    assert OrderView.objects.get(id=orders["coat"]).status == "confirmed"
