"""Per-request state of the orders' GraphQL: the loader of the orders' timelines.

A page registers its rows; the first timeline asked for loads the timelines of EVERY registered order in one
query, so the SQL per request does not grow with the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import graphene

from ocg.orders import queries
from ocg.orders.models import OrderStatusChange, OrderView

LOADER_ATTRIBUTE = "ocg_orders_loader"


class Loader:
    def __init__(self) -> None:
        self.orders: dict[UUID, OrderView] = {}
        self._timelines: dict[UUID, list[OrderStatusChange]] = {}

    def register(self, rows: Iterable[OrderView]) -> None:
        for row in rows:
            self.orders.setdefault(row.id, row)

    def timeline(self, row: OrderView) -> list[OrderStatusChange]:
        if row.id not in self._timelines:
            self.register([row])
            wanted = [order_id for order_id in self.orders if order_id not in self._timelines]
            found = queries.timelines(wanted)
            self._timelines.update({order_id: found.get(order_id, []) for order_id in wanted})
        return self._timelines[row.id]


def loader(info: graphene.ResolveInfo) -> Loader:
    request = info.context
    found = getattr(request, LOADER_ATTRIBUTE, None)
    if found is None:
        found = Loader()
        setattr(request, LOADER_ATTRIBUTE, found)
    return found


def forget(info: graphene.ResolveInfo) -> None:
    """A mutation changed an order: what this request loaded before is out of date."""
    setattr(info.context, LOADER_ATTRIBUTE, Loader())
