"""The orders' queries: a customer's orders, a designer's, staff's list with filters, and one order.

Lists are Relay connections, newest first, paged by keyset (pages.py). Refused arguments are GraphQL errors
whose `extensions` carry `code` and `field` (`first`, `after`, `filter.number`, ...); a query its caller may
not run is `unauthenticated` or `permission_denied`. An order the caller may not see is null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import graphene

from ocg.orders.api import pages
from ocg.orders.api.access import viewer_of
from ocg.orders.api.graphql.context import loader
from ocg.orders.api.graphql.types import Order, OrderEdge, OrderStatus, PageInfo
from ocg.orders.domain import InvalidOrder
from ocg.orders.models import OrderView
from ocg.orders.permissions import MANAGE_ALL_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from ocg.spine.graphql_common import client_errors, requires


class OrderConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(OrderEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True, description="Orders in the whole list, every page together.")

    @staticmethod
    def resolve_edges(root: pages.Page, info: graphene.ResolveInfo) -> list[OrderEdge]:
        return [OrderEdge(cursor=c, node=row) for c, row in zip(root.cursors, root.rows, strict=True)]

    @staticmethod
    def resolve_page_info(root: pages.Page, info: graphene.ResolveInfo) -> PageInfo:
        return PageInfo(
            has_next_page=root.has_next,
            has_previous_page=root.has_previous,
            start_cursor=root.cursors[0] if root.cursors else None,
            end_cursor=root.cursors[-1] if root.cursors else None,
        )

    @staticmethod
    def resolve_total_count(root: pages.Page, info: graphene.ResolveInfo) -> int:
        return root.count()


class OrderFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(OrderStatus), description="Any of these statuses.")
    customer = graphene.UUID(description="The customer's account id.")
    designer = graphene.UUID(description="The designer's account id.")
    number = graphene.String(description="An order number, e.g. OCG-2026-000123 (any case).")


def statuses_of(values: Iterable[Any] | None) -> list[str]:
    """graphene hands enum arguments over as members; the listing takes plain values."""
    return [getattr(value, "value", value) for value in values or ()]


def paged(info: graphene.ResolveInfo, listing: pages.OrderFilter, first: int | None, after: str | None) -> pages.Page:
    found = pages.page(listing, pages.page_request(listing, first, after))
    loader(info).register(found.rows)
    return found


def page_arguments() -> dict[str, Any]:
    return {
        "first": graphene.Int(description=f"1 to {pages.PAGE_MAX}; default {pages.DEFAULT_PAGE}."),
        "after": graphene.String(description="The `endCursor` of the page before."),
    }


def own_orders(party: str, permission: str, description: str) -> graphene.Field:
    """The signed-in user's orders as the order's `party` (customer or designer), by status, newest first."""

    @client_errors
    @requires(permission)
    def resolve(
        root: Any,
        info: graphene.ResolveInfo,
        status: list | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> pages.Page:
        user_id = info.context.user.id
        listing = pages.order_filter(f"{party}:{user_id}", statuses=statuses_of(status), **{f"{party}_id": user_id})
        return paged(info, listing, first, after)

    return graphene.Field(
        OrderConnection,
        required=True,
        status=graphene.List(graphene.NonNull(OrderStatus), description="Any of these statuses."),
        **page_arguments(),
        description=description,
        resolver=resolve,
    )


class Query(graphene.ObjectType):
    my_orders = own_orders("customer", PLACE_ORDERS, "The signed-in customer's orders, newest first.")
    designer_orders = own_orders("designer", SHIP_ORDERS, "Designers: the orders of their pieces, newest first.")
    orders = graphene.Field(
        OrderConnection,
        required=True,
        filter=OrderFilterInput(),
        **page_arguments(),
        description="Staff: every order, filtered, newest first.",
    )
    order = graphene.Field(
        Order,
        id=graphene.UUID(),
        number=graphene.String(),
        description="One order by id or number (give exactly one): for its customer, its designer and staff; "
        "null for anyone else and for an order that does not exist.",
    )

    @staticmethod
    @client_errors
    @requires(MANAGE_ALL_ORDERS)
    def resolve_orders(
        root: Any,
        info: graphene.ResolveInfo,
        filter: dict | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> pages.Page:
        wanted = dict(filter or {})
        listing = pages.order_filter(
            "all",
            statuses=statuses_of(wanted.get("status")),
            customer_id=wanted.get("customer"),
            designer_id=wanted.get("designer"),
            number=wanted.get("number"),
            field_prefix="filter.",
        )
        return paged(info, listing, first, after)

    @staticmethod
    @client_errors
    @requires(PLACE_ORDERS)
    def resolve_order(
        root: Any, info: graphene.ResolveInfo, id: UUID | None = None, number: str | None = None
    ) -> OrderView | None:
        if (id is None) == (number is None):
            raise InvalidOrder("Give the order's id or its number (one of them).", field="id")
        if id is not None:
            row = OrderView.objects.filter(id=id).first()
        else:
            listing = pages.order_filter("all", number=number)
            row = listing.rows().first()
        if row is None or not viewer_of(info.context.user).may_see(row):
            return None
        loader(info).register([row])
        return row
