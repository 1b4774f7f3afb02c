"""Helpers for the catalog's GraphQL tests: users, requests, and products seeded through the real commands."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID, uuid4

from django.core.cache import cache
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


def isolated_catalog(settings, tmp_path) -> Iterator[None]:
    """For an autouse fixture: uploads under a temporary MEDIA_ROOT, fast password hashing, and an empty
    cache before and after."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def seed_shop(catalog) -> dict:
    """Two designers, a small category tree, seven products on sale, a draft and an archived one."""
    ada = make_user(Role.DESIGNER, "Maison Ada")
    ben = make_user(Role.DESIGNER, "Atelier Ben")
    women = catalog.create_category(actor_id=None, name="Women")
    outerwear = catalog.create_category(actor_id=None, name="Outerwear", parent_id=women)
    coats = catalog.create_category(actor_id=None, name="Coats", parent_id=outerwear)
    men = catalog.create_category(actor_id=None, name="Men")

    def product(name, designer, **fields):
        designer_name = "Maison Ada" if designer is ada else "Atelier Ben"
        return seed_product(catalog, designer.id, name, designer_name=designer_name, **fields)

    ids = {
        "Camel Wool Coat": product(
            "Camel Wool Coat", ada, price="1200.00", category_id=coats, stock=2, description="Double-faced wool."
        ),
        "Silk Evening Gown": product(
            "Silk Evening Gown", ada, price="2400.00", category_id=women, stock=0, customizable=True
        ),
        "Quilted Jacket": product(
            "Quilted Jacket", ben, price="800.00", category_id=outerwear, description="A light coat for spring."
        ),
        "Linen Shirt": product("Linen Shirt", ben, price="150.00", category_id=men, stock=5),
        "Cashmere Scarf": product("Cashmere Scarf", ada, price="300.00", currency="GBP", stock=3),
        "Leather Tote": product("Leather Tote", ben, price="960.00", category_id=women, customizable=True),
        "Wool Trousers": product("Wool Trousers", ben, price="150.00", category_id=men, stock=0),
        "Secret Coat": product("Secret Coat", ada, price="500.00", category_id=coats, publish=False),
        "Old Coat": product("Old Coat", ben, price="700.00", category_id=coats),
    }
    catalog.archive(ids["Old Coat"], actor_id=None, acting_designer_id=None)
    catch_up()
    return {
        "ids": ids,
        "ada": ada,
        "ben": ben,
        "categories": {"women": women, "outerwear": outerwear, "coats": coats, "men": men},
    }


ON_SALE = {
    "Camel Wool Coat",
    "Silk Evening Gown",
    "Quilted Jacket",
    "Linen Shirt",
    "Cashmere Scarf",
    "Leather Tote",
    "Wool Trousers",
}


def error_of(body) -> tuple[str, str | None]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field")


__all__ = [
    "ON_SALE",
    "Role",
    "catch_up",
    "error_of",
    "graphql",
    "isolated_catalog",
    "make_staff",
    "make_user",
    "seed_product",
    "seed_shop",
    "sign_in",
    "upload_image",
]
