"""GraphQL parts every context's schema shares: the Money and PageInfo types, and the query-field decorators.

One schema holds every context's types, and it takes one type per name: a context that needs money or a
Relay page uses these rather than declaring its own `Money` or `PageInfo`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import graphene
from graphql import GraphQLError

from ocg.spine.domain import DomainError
from ocg.spine.domain.money import Money as MoneyValue
from ocg.spine.errors import PermissionDenied, Unauthenticated
from ocg.spine.permissions import has_permission


class Money(graphene.ObjectType):
    amount = graphene.String(required=True, description="Exact, at the currency's digits (2400.00 EUR, 125000 JPY).")
    currency = graphene.String(required=True, description="ISO 4217 code.")

    @staticmethod
    def of(money: MoneyValue | None) -> Money | None:
        return None if money is None else Money(amount=str(money.amount), currency=money.currency)


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


def client_errors(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """A refused query is a GraphQL error with its code and, when one input is at fault, that field."""

    @functools.wraps(resolver)
    def resolve(*arguments: Any, **keywords: Any) -> Any:
        try:
            return resolver(*arguments, **keywords)
        except DomainError as error:
            extensions = {"code": error.code}
            if error.field:
                extensions["field"] = error.field
            raise GraphQLError(error.message, extensions=extensions) from None

    return resolve


def requires(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares the permission a query field needs; checked before its resolver runs."""

    def declare(resolver: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(resolver)
        def resolve(root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
            user = info.context.user
            if not user.is_authenticated:
                raise Unauthenticated("Sign in to do this.")
            if not has_permission(user, permission):
                raise PermissionDenied(f"You need the {permission} permission.")
            return resolver(root, info, **arguments)

        return resolve

    return declare


def add_fields(object_type: type[graphene.ObjectType], **fields: graphene.Field) -> None:
    """Adds fields to another context's type, at the composition root (ocg/schema.py), before the schema is built.

    A context shows its side of another's entity on that entity (payments on `Order.payments`) while neither
    imports the other: each field carries its own resolver, which gets the entity's row as `root`.
    """
    for name, field in fields.items():
        if name in object_type._meta.fields:
            raise ValueError(f"{object_type.__name__} already has a field {name!r}")
        if field.resolver is None:
            raise ValueError(f"{object_type.__name__}.{name} needs its own resolver")
        object_type._meta.fields[name] = field
