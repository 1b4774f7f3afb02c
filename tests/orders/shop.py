"""Test data for the orders context: published catalog pieces with stock, through the catalog's commands."""

from __future__ import annotations

import io
import threading
import uuid
from decimal import Decimal
from uuid import UUID

from PIL import Image

from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection
from ocg.spine.workers import build_followers

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}
CONTACT = {"email": "ada@example.com", "name": "Ada"}
_JPEG: bytes | None = None


def jpeg() -> bytes:
    global _JPEG
    if _JPEG is None:
        buffer = io.BytesIO()
        Image.new("RGB", (30, 40), (140, 90, 60)).save(buffer, "JPEG")
        _JPEG = buffer.getvalue()
    return _JPEG


def published_piece(
    designer_id: UUID,
    sku: str,
    *,
    stock: int = 10,
    price: str = "100.00",
    currency: str = "EUR",
    customizable: bool = False,
) -> UUID:
    """A published product with one variant (`sku`) holding `stock` units, as staff would make it."""
    catalog = applications.get("catalog")
    product_id = catalog.create_product(
        designer_id=designer_id,
        actor_id=None,
        name=f"Piece {sku}",
        slug=f"piece-{sku.lower()}",
        price=Money(Decimal(price), currency),
        customizable=customizable,
        designer_name=f"Designer {str(designer_id)[:4]}",
    )
    catalog.add_variant(product_id, sku=sku, size="M", actor_id=None, acting_designer_id=None)
    if stock:
        catalog.receive_stock(sku, stock, actor_id=None, acting_designer_id=None)
    ticket = catalog.image_upload_ticket(product_id, content_type="image/jpeg", acting_designer_id=None)
    uploads.save(ticket.key, jpeg(), "image/jpeg")
    catalog.attach_image(product_id, key=ticket.key, actor_id=None, acting_designer_id=None)
    catalog.publish(product_id, actor_id=None, acting_designer_id=None)
    return product_id


def project_catalog() -> None:
    ProjectionRunner(get_projection("catalog")).catch_up()


def settle() -> None:
    """Run every policy and projection until nothing is left to do, as the followers would."""
    runners = build_followers(threading.Event())
    while sum(runner.catch_up() for runner in runners):
        pass


def place(customer_id: UUID | None = None, **lines: int) -> list[UUID]:
    checkout = applications.get("orders").place_checkout(
        customer_id=customer_id or uuid.uuid4(),
        actor_id=None,
        lines=[{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
        contact=CONTACT,
        shipping_address=ADDRESS,
    )
    return checkout.order_ids
