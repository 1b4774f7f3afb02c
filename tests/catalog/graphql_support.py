"""Helpers for the catalog's GraphQL tests: users, requests, and products seeded through the real commands."""

from __future__ import annotations

import io
from decimal import Decimal
from uuid import UUID, uuid4

from PIL import Image

from ocg.identity import tokens
from ocg.identity.models import Role, User
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.projections import ProjectionRunner, get_projection


def graphql(client, query: str, **variables):
    response = client.post("/graphql", {"query": query, "variables": variables}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def sign_in(client, user: User | None) -> None:
    """As the storefront does: a Bearer access token on every request (None signs out)."""
    if user is None:
        client.defaults.pop("HTTP_AUTHORIZATION", None)
        return
    access = tokens.issue_token_pair(user, "password")["access"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"


def make_user(role: str, display_name: str = "") -> User:
    return User.objects.create_user(
        f"{role}-{uuid4().hex[:8]}@example.com", "a-long-password", role=role, display_name=display_name
    )


def make_staff() -> User:
    return User.objects.create_superuser(f"staff-{uuid4().hex[:8]}@example.com", "a-long-password")


def catch_up() -> int:
    return ProjectionRunner(get_projection("catalog")).catch_up()


def jpeg(width: int = 8, height: int = 6) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload_image(catalog, product_id: UUID, *, actor: UUID | None = None, width: int = 8, height: int = 6) -> UUID:
    """An image stored where a ticket says, as a client's upload would be, then attached."""
    ticket = catalog.image_upload_ticket(product_id, content_type="image/jpeg", acting_designer_id=None)
    uploads.save(ticket.key, jpeg(width, height), "image/jpeg")
    return catalog.attach_image(product_id, key=ticket.key, alt_text="front", actor_id=actor, acting_designer_id=None)


def seed_product(
    catalog,
    designer_id: UUID,
    name: str,
    *,
    price: str | None = "100.00",
    currency: str = "EUR",
    category_id: UUID | None = None,
    description: str = "",
    customizable: bool = False,
    publish: bool = True,
    stock: int = 1,
    skus: tuple[str, ...] | None = None,
    image: bool = True,
    designer_name: str | None = None,
) -> UUID:
    product_id = catalog.create_product(
        designer_id=designer_id,
        actor_id=designer_id,
        name=name,
        description=description,
        category_id=category_id,
        price=None if price is None else Money(Decimal(price), currency),
        customizable=customizable,
        designer_name=designer_name,
    )
    for number, sku in enumerate(skus or (f"SKU-{product_id.hex[:10].upper()}",)):
        catalog.add_variant(
            product_id, sku=sku, size=f"S{number}", actor_id=designer_id, acting_designer_id=designer_id
        )
        if stock:
            catalog.receive_stock(sku, stock, actor_id=designer_id, acting_designer_id=designer_id)
    if image:
        upload_image(catalog, product_id, actor=designer_id)
    if publish:
        catalog.publish(product_id, actor_id=designer_id, acting_designer_id=designer_id)
    return product_id


__all__ = ["Role", "catch_up", "graphql", "make_staff", "make_user", "seed_product", "sign_in", "upload_image"]
