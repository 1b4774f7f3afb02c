"""Negotiations in Django admin: to look up, never to edit.

`NegotiationView` and `ProposalView` are read models (the projection writes them); staff find them by the
order's number or id (or a party's account id) and filter them by state. A price is changed only by the
order's parties, or by staff stepping in through the negotiation's own commands, so each change is an event
naming who made it. A designer's floor is private: staff see that a product has one, never its amount.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ocg.negotiation.models import NegotiationView, ProductFloor, ProposalView
from ocg.orders import queries as orders
from ocg.spine.admin import ReadOnlyAdmin


def account_link(user_id: Any) -> str:
    if user_id is None:
        return "system"
    return format_html('<a href="{}">{}</a>', reverse("admin:identity_user_change", args=[user_id]), user_id)


class ByOrderAdmin(ReadOnlyAdmin):
    """Searched by an order's number, or by an id (the order's, or a party's where the row has them); the list
    shows each row's order number, read for the whole page in one query."""

    party_fields: tuple[str, ...] = ()
    search_help_text = "An order number, or an order's or a party's account id."

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            found_id = uuid.UUID(term)
        except ValueError:
            order = orders.order_by_number(term) if term.isprintable() and len(term) <= 40 else None
            return (queryset.filter(order_id=order.id) if order else queryset.none()), False
        matches = Q(order_id=found_id)
        for field in self.party_fields:
            matches |= Q(**{field: found_id})
        return queryset.filter(matches), False

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # evaluated once: the page shows these very rows
        numbers = orders.numbers([row.order_id for row in rows])
        for row in rows:
            row.order_number = numbers.get(row.order_id)
        return changelist

    @admin.display(description="order")
    def order_link(self, row: Any) -> str:
        number = getattr(row, "order_number", None)
        if number is None:
            found = orders.order(row.order_id)
            number = found.number if found else str(row.order_id)
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_orderview_change", args=[row.order_id]), number)


@admin.register(NegotiationView)
class NegotiationViewAdmin(ByOrderAdmin):
    party_fields = ("negotiation_id", "customer_id", "designer_id")
    list_display = ["order_link", "status", "opened_by_role", "rounds_used", "agreed_shown", "opened_at", "closed_at"]
    list_filter = ["status", "opened_by_role", "currency"]
    ordering = ["-opened_at", "order_id"]
    fields = [
        "order_link",
        "negotiation_id",
        "status",
        "opened_by_role",
        "customer_shown",
        "designer_shown",
        "currency",
        "rounds_used",
        "open_proposal_id",
        "agreed_shown",
        "opened_at",
        "closed_at",
        "updated_at",
        "version",
    ]
    readonly_fields = ["order_link", "customer_shown", "designer_shown", "agreed_shown"]

    @admin.display(description="customer")
    def customer_shown(self, row: NegotiationView) -> str:
        return account_link(row.customer_id)

    @admin.display(description="designer")
    def designer_shown(self, row: NegotiationView) -> str:
        return account_link(row.designer_id)

    @admin.display(description="agreed", ordering="agreed_amount")
    def agreed_shown(self, row: NegotiationView) -> str:
        return "" if row.agreed is None else str(row.agreed)


@admin.register(ProposalView)
class ProposalViewAdmin(ByOrderAdmin):
    party_fields = ("id", "author_id")
    list_display = ["order_link", "round", "author_role", "amount_shown", "outcome", "proposed_at", "expires_at"]
    list_filter = ["outcome", "author_role", "currency"]
    ordering = ["-proposed_at", "round"]
    fields = [
        "order_link",
        "id",
        "round",
        "author_role",
        "author_shown",
        "amount_shown",
        "note",
        "counter_to",
        "proposed_at",
        "expires_at",
        "outcome",
        "outcome_at",
        "outcome_note",
        "outcome_shown",
    ]
    readonly_fields = ["order_link", "author_shown", "amount_shown", "outcome_shown"]

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, row: ProposalView) -> str:
        """At the currency's digits, not the column's four."""
        return str(row.money)

    @admin.display(description="author")
    def author_shown(self, row: ProposalView) -> str:
        return account_link(row.author_id)

    @admin.display(description="settled by")
    def outcome_shown(self, row: ProposalView) -> str:
        return account_link(row.outcome_by) if row.outcome_at else ""


@admin.register(ProductFloor)
class ProductFloorAdmin(ReadOnlyAdmin):
    """Which products have a floor, and who set it last; the amount stays the designer's secret."""

    list_display = ["product_id", "designer_shown", "currency", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["=product_id", "=designer_id"]
    fields = ["product_id", "designer_shown", "currency", "updated_at", "updated_by"]
    readonly_fields = ["designer_shown"]

    @admin.display(description="designer")
    def designer_shown(self, row: ProductFloor) -> str:
        return account_link(row.designer_id)
