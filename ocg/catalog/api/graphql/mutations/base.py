"""What the catalog's mutations share: error fields in camelCase, the acting designer, prices, read-your-writes."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.context import forget
from ocg.catalog.api.graphql.types import Product
from ocg.catalog.domain import InvalidProduct
from ocg.catalog.models import ProductView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_PRODUCTS
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import applications
from ocg.spine.graphql import AggregateMutation, Written, read_your_write
from ocg.spine.permissions import has_permission

PROJECTION = "catalog"
# Domain fields whose GraphQL input is named otherwise.
FIELD_ALIASES = {"price": "price.amount"}
_SNAKE_PART = re.compile(r"_([a-z0-9])")


def client_field(field: str | None) -> str | None:
    if field is None:
        return None
    field = FIELD_ALIASES.get(field, field)
    return ".".join(_SNAKE_PART.sub(lambda match: match.group(1).upper(), part) for part in field.split("."))


class CatalogErrorsMixin:
    """What the catalog's mutations share: a fresh loader for their result, and camelCase field errors."""

    # A domain field this mutation's input names otherwise (category_id for a category's parent, say).
    field_aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        forget(info)
        payload = super().mutate(root, info, **arguments)  # type: ignore[misc]
        payload.errors = [
            {**error, "field": client_field(cls.field_aliases.get(error.get("field"), error.get("field")))}
            for error in payload.errors
        ]
        return payload


class ProductMutation(CatalogErrorsMixin, AggregateMutation):
    permission = MANAGE_PRODUCTS
    result = graphene.Field(Product)

    class Meta:
        abstract = True


def catalog() -> Any:
    return applications.get("catalog")


def acting_designer_id(user: Any) -> UUID | None:
    """Designers act on their own products; staff (None) act on any."""
    return None if has_permission(user, MANAGE_ALL_PRODUCTS) else user.id


def read_product(product_id: UUID) -> Written:
    return read_your_write(PROJECTION, product_id, lambda i: ProductView.objects.filter(id=i).first())


def parse_price(price: Any) -> Money:
    return Money.parse(
        price.get("amount"),
        price.get("currency"),
        amount_field="price.amount",
        currency_field="price.currency",
        error=InvalidProduct,
    )


class MoneyInput(graphene.InputObjectType):
    amount = graphene.String(required=True, description='A decimal amount as text, e.g. "1250.00".')
    currency = graphene.String(required=True, description="ISO 4217 code.")
