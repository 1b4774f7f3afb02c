"""Chat expiry with a controlled clock: 47 h 59 min after an order is cancelled its chat stays; 48 h 01 min
after, it is deleted, counted, and the order's open sockets are closed. Running the job again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asgiref.sync import async_to_sync, sync_to_async

from ocg.identity import tokens
from ocg.negotiation.chat.consumer import CLOSE_EXPIRED
from ocg.negotiation.chat.tasks import expire_chats
from ocg.negotiation.models import ChatMessage, ChatReadReceipt, ExpiredChat
from ocg.orders import queries as orders
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection, rebuild
from tests.negotiation.conftest import DESIGNER_SKU
from tests.negotiation.sockets import close_code, communicator, next_of
from tests.orders.shop import place


def project_orders() -> None:
    ProjectionRunner(get_projection("orders")).catch_up()
    ProjectionRunner(get_projection("chat_system_messages")).catch_up()


def say(order_id, user, text: str) -> None:
    ChatMessage.objects.create(
        order_id=order_id, author_id=user.id, author_role="customer", text=text, created_at=datetime.now(UTC)
    )


def test_a_finished_orders_chat_is_kept_for_48_hours_then_deleted_once_and_its_sockets_closed(chat_world):
    cancelled, users = chat_world["order"], chat_world["users"]
    customer = users["customer"]
    [open_order] = place(customer.id, **{DESIGNER_SKU: 1})
    say(cancelled, customer, "Never mind")
    say(open_order, customer, "This one goes ahead")
    applications.get("orders").cancel(
        cancelled, reason="Changed my mind", actor_id=customer.id, acting_customer_id=customer.id
    )
    project_orders()
    finished_at = orders.order(cancelled).updated_at
    message = ChatMessage.objects.filter(order_id=cancelled, kind="user").get()
    ChatReadReceipt.objects.create(
        order_id=cancelled, user_id=users["designer"].id, last_read_id=message.id, read_at=finished_at
    )
    in_cancelled = ChatMessage.objects.filter(order_id=cancelled).count()
    in_open = ChatMessage.objects.filter(order_id=open_order).count()
    assert in_cancelled == 3  # placed, the customer's line, cancelled

    assert expire_chats(now=finished_at + timedelta(hours=47, minutes=59)) == 0
    assert ChatMessage.objects.filter(order_id=cancelled).count() == in_cancelled
    assert not ExpiredChat.objects.exists()

    async def expire_with_a_socket_open():
        token = await sync_to_async(lambda: tokens.issue_token_pair(users["designer"], "password")["access"])()
        socket = communicator(cancelled, token)
        await socket.connect(timeout=5)
        await next_of(socket, "history")
        deleted = await sync_to_async(expire_chats)(now=finished_at + timedelta(hours=48, minutes=1))
        notice = await next_of(socket, "expired")
        return deleted, notice, await close_code(socket)

    deleted, notice, code = async_to_sync(expire_with_a_socket_open)()
    assert deleted == in_cancelled
    assert notice["type"] == "expired" and code == CLOSE_EXPIRED
    assert not ChatMessage.objects.filter(order_id=cancelled).exists()
    assert not ChatReadReceipt.objects.filter(order_id=cancelled).exists()
    assert ChatMessage.objects.filter(order_id=open_order).count() == in_open
    record = ExpiredChat.objects.get()
    assert (record.order_id, record.deleted_messages, record.deleted_receipts) == (cancelled, in_cancelled, 1)
    assert record.finished_at == finished_at

    assert expire_chats(now=finished_at + timedelta(hours=72)) == 0
    assert ExpiredChat.objects.get().deleted_messages == in_cancelled
    rebuild(get_projection("chat_system_messages"))  # the deleted conversation's lines do not come back
    assert not ChatMessage.objects.filter(order_id=cancelled).exists()
    assert ChatMessage.objects.filter(order_id=open_order).count() == in_open
