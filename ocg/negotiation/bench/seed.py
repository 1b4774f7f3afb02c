"""The chat benchmark's world: designers with one published piece each, customers, a staff account, and one
fresh order per chat (placed through the orders' commands, projected so the chat can find its parties).

Accounts and pieces are made once and kept (their ids derive from a number); orders are placed each run.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from PIL import Image

from ocg.catalog import queries as catalog_queries
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection

NAMESPACE = UUID("6a1d9c57-3f0e-4b8a-9d2c-71e5a0b4c8f3")
PASSWORD = "chat-bench-password-1"  # noqa: S105 - throwaway accounts in the benchmark database
DESIGNERS = 10
UNITS = 1_000_000
CONTACT = {"email": "chat-bench@example.com", "name": "Chat Bench"}
ADDRESS = {"name": "Chat Bench", "line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}


@dataclass(frozen=True)
class Chat:
    order_id: UUID
    customer: str
    designer: str


def account(email: str, role: str) -> Any:
    users = get_user_model().objects
    return users.filter(email=email).first() or users.create_user(email, PASSWORD, role=role)


def sku_of(number: int) -> str:
    return f"CHATB-{number:03d}"


def piece(number: int, designer_id: UUID) -> None:
    """A published product with one SKU and plenty of stock, as staff would make it."""
    catalog = applications.get("catalog")
    sku = sku_of(number)
    product_id = catalog.create_product(
        designer_id=designer_id,
        actor_id=None,
        name=f"Chat bench piece {number}",
        slug=f"chat-bench-piece-{number}",
        price=Money(Decimal("100.00"), "EUR"),
        designer_name=f"Chat bench designer {number}",
    )
    catalog.add_variant(product_id, sku=sku, size="M", actor_id=None, acting_designer_id=None)
    catalog.receive_stock(sku, UNITS, actor_id=None, acting_designer_id=None)
    ticket = catalog.image_upload_ticket(product_id, content_type="image/jpeg", acting_designer_id=None)
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (90, 60, 140)).save(buffer, "JPEG")
    uploads.save(ticket.key, buffer.getvalue(), "image/jpeg")
    catalog.attach_image(product_id, key=ticket.key, actor_id=None, acting_designer_id=None)
    catalog.publish(product_id, actor_id=None, acting_designer_id=None)


def world(chats: int) -> tuple[list[Chat], str]:
    """`chats` new orders (customer n buys from designer n % DESIGNERS) and the staff account's email."""
    designers = [account(f"chat-bench-designer-{n}@example.com", "designer") for n in range(DESIGNERS)]
    staff = account("chat-bench-staff@example.com", "admin")
    # Another benchmark may have emptied the read models but kept the catalog's events: read them back first,
    # or pieces made by an earlier run look missing and making them again is refused (their slugs are taken).
    ProjectionRunner(get_projection("catalog")).catch_up()
    known = catalog_queries.sellable_skus([sku_of(n) for n in range(DESIGNERS)])
    for number, designer in enumerate(designers):
        if sku_of(number) not in known:
            piece(number, designer.id)
    ProjectionRunner(get_projection("catalog")).catch_up()
    orders = applications.get("orders")
    made = []
    for number in range(chats):
        customer = account(f"chat-bench-customer-{number}@example.com", "customer")
        designer_number = number % DESIGNERS
        checkout = orders.place_checkout(
            customer_id=customer.id,
            actor_id=customer.id,
            lines=[{"sku": sku_of(designer_number), "quantity": 1}],
            contact=CONTACT,
            shipping_address=ADDRESS,
            checkout_id=uuid.uuid4(),
        )
        made.append(Chat(checkout.order_ids[0], customer.email, designers[designer_number].email))
    ProjectionRunner(get_projection("orders")).catch_up()
    return made, staff.email


def cancel(order_ids: list[UUID]) -> None:
    """The run's orders, cancelled: nothing of them waits for payment or holds stock afterwards."""
    orders = applications.get("orders")
    for order_id in order_ids:
        orders.cancel(order_id, reason="Chat benchmark", actor_id=None, acting_customer_id=None)
    ProjectionRunner(get_projection("orders")).catch_up()
