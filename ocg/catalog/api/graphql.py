"""The catalog's part of the storefront GraphQL schema."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene
from graphene_federation import key
from graphql import GraphQLError

from ocg.catalog import queries
from ocg.catalog.models import ProductView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_PRODUCTS
from ocg.catalog.projections import ProductProjection
from ocg.identity import queries as identity_queries
from ocg.spine.eventstore import applications
from ocg.spine.graphql import AggregateMutation, Written, read_your_write
from ocg.spine.permissions import has_permission

MAX_PAGE_SIZE = 100


class Money(graphene.ObjectType):
    amount = graphene.String(required=True, description="A decimal amount, as a string to keep it exact.")
    currency = graphene.String(required=True, description="ISO 4217 code.")


class Designer(graphene.ObjectType):
    """The public profile of a product's designer: nothing private (no email)."""

    id = graphene.UUID(required=True)
    display_name = graphene.String(required=True)


class DesignerProfiles:
    """Per-request batch loader: a page registers its designers, and the first lookup loads them all at once.

    So a page of products costs one profile query, whatever its size.
    """

    def __init__(self) -> None:
        self.wanted: set[UUID] = set()
        self.loaded: dict[UUID, Any] = {}

    def want(self, ids: Any) -> None:
        self.wanted.update(i for i in ids if i is not None and i not in self.loaded)

    def get(self, designer_id: UUID | None) -> Any:
        if designer_id is None:
            return None
        if designer_id not in self.loaded:
            self.wanted.add(designer_id)
            found = identity_queries.public_profiles(self.wanted)
            self.loaded.update({i: found.get(i) for i in self.wanted})
            self.wanted.clear()
        return self.loaded[designer_id]


def designer_profiles(info: graphene.ResolveInfo) -> DesignerProfiles:
    request = info.context
    loader = getattr(request, "ocg_designer_profiles", None)
    if loader is None:
        loader = DesignerProfiles()
        request.ocg_designer_profiles = loader
    return loader


@key("id")
class Product(graphene.ObjectType):
    id = graphene.UUID(required=True)
    name = graphene.String(required=True)
    price = graphene.Field(Money, required=True)
    designer_id = graphene.UUID()
    designer = graphene.Field(Designer, description="Null when the product has none or the account is disabled.")
    version = graphene.Int(required=True)
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_price(row: Any, info: graphene.ResolveInfo) -> Money:
        money = row.money
        return Money(amount=str(money.amount), currency=money.currency)

    @staticmethod
    def resolve_designer(row: Any, info: graphene.ResolveInfo) -> Any:
        return designer_profiles(info).get(row.designer_id)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        """Resolvers hand back read-model rows; `_entities` must still tell they are products."""
        return isinstance(root, (cls, ProductView))

    def __resolve_reference(self, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        """Federation: another subgraph's `{__typename: "Product", id}` becomes the product, or null."""
        return queries.product(self.id)


class Query(graphene.ObjectType):
    product = graphene.Field(Product, id=graphene.UUID(required=True))
    products = graphene.List(
        graphene.NonNull(Product),
        required=True,
        first=graphene.Int(default_value=20),
        offset=graphene.Int(default_value=0),
    )
    product_count = graphene.Int(required=True)

    @staticmethod
    def resolve_product(root: Any, info: graphene.ResolveInfo, id: Any) -> Any:
        return queries.product(id)

    @staticmethod
    def resolve_products(root: Any, info: graphene.ResolveInfo, first: int, offset: int) -> list[Any]:
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise graphene_error(f"first must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise graphene_error("offset must not be negative")
        rows = queries.products(first=first, offset=offset)
        designer_profiles(info).want(row.designer_id for row in rows)
        return rows

    @staticmethod
    def resolve_product_count(root: Any, info: graphene.ResolveInfo) -> int:
        return queries.product_count()


def graphene_error(message: str) -> Exception:
    return GraphQLError(message, extensions={"code": "invalid"})


def read_product(product_id: Any) -> Written:
    return read_your_write(ProductProjection.name, product_id, queries.product)


class ProductCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    price = graphene.String(required=True, description='Decimal amount, e.g. "1250.00".')
    currency = graphene.String(required=True)


class ProductCreate(AggregateMutation):
    permission = MANAGE_PRODUCTS
    result = graphene.Field(Product)

    class Arguments:
        input = ProductCreateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any) -> Any:
        product_id = applications.get("catalog").create_product(
            name=input.name,
            price=input.price,
            currency=input.currency,
            designer_id=acting_designer_id(info.context.user),
        )
        return read_product(product_id)


class ProductRename(AggregateMutation):
    permission = MANAGE_PRODUCTS
    result = graphene.Field(Product)

    class Arguments:
        id = graphene.UUID(required=True)
        name = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: Any, name: str) -> Any:
        applications.get("catalog").rename_product(id, name, acting_designer_id(info.context.user))
        return read_product(id)


def acting_designer_id(user: Any) -> Any:
    """Designers act on their own products; staff (None) act on any."""
    return None if has_permission(user, MANAGE_ALL_PRODUCTS) else user.id


class Mutation(graphene.ObjectType):
    product_create = ProductCreate.Field()
    product_rename = ProductRename.Field()
