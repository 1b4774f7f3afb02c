"""Orders in Django admin: the read model to search and filter, changed only through the orders' commands.

`OrderView` is read-only here, as everywhere (the projection writes it). Cancelling, marking shipped or
delivered, and completing are admin actions that call OrdersApplication with the staff member as actor and
as staff (`acting_customer_id` / `acting_designer_id` None), so each step is an event saying who took it. A
refused step is shown as a message naming the order and changes nothing. The status timeline is shown on
the order's page (its rows are keyed by order id, not a foreign key an inline could follow).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ocg.orders import queries
from ocg.orders.api.access import orders
from ocg.orders.domain.order import CARRIER_MAX_LENGTH, REASON_MAX_LENGTH, TRACKING_MAX_LENGTH
from ocg.orders.models import OrderView
from ocg.orders.permissions import MANAGE_ALL_ORDERS
from ocg.orders.projections import OrdersProjection
from ocg.spine import admin_actions
from ocg.spine.admin import ReadOnlyAdmin
from ocg.spine.permissions import has_permission

# Each action waits for the projection, so the list it returns to shows the change.
run_each = functools.partial(admin_actions.run_each, projection=OrdersProjection.name)
form_action = functools.partial(admin_actions.form_action, projection=OrdersProjection.name)


def user_link(user_id: Any, text: str | None = None) -> str:
    """The account in the identity admin."""
    return format_html('<a href="{}">{}</a>', reverse("admin:identity_user_change", args=[user_id]), text or user_id)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the order's timeline.",
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=CARRIER_MAX_LENGTH)
    tracking_number = forms.CharField(max_length=TRACKING_MAX_LENGTH)


@admin.register(OrderView)
class OrderViewAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "status",
        "customer_link",
        "designer_link",
        "total_shown",
        "item_count",
        "made_to_order",
        "pay_by",
        "placed_at",
    ]
    list_filter = ["status", "made_to_order", "currency"]
    search_fields = ["number", "contact__email"]
    search_help_text = "An order number, the customer's email, or a customer's or designer's account id."
    ordering = ["-placed_at", "-id"]
    actions = ["cancel", "mark_shipped", "mark_delivered", "complete"]
    fields = [
        "number",
        "status",
        "checkout_id",
        "customer_link",
        "designer_link",
        "total_shown",
        "lines_shown",
        "contact_shown",
        "address_shown",
        "tracking",
        "shortages",
        "pay_by",
        "placed_at",
        "updated_at",
        "version",
        "timeline_shown",
    ]
    readonly_fields = [
        "customer_link",
        "designer_link",
        "total_shown",
        "lines_shown",
        "contact_shown",
        "address_shown",
        "timeline_shown",
    ]

    def has_orders_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, MANAGE_ALL_ORDERS)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """An account id finds the orders it placed or designed, by the indexes on them."""
        try:
            account_id = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(customer_id=account_id) | Q(designer_id=account_id) | Q(id=account_id)), False

    @admin.display(description="customer")
    def customer_link(self, order: OrderView) -> str:
        return user_link(order.customer_id, order.contact.get("email"))

    @admin.display(description="designer")
    def designer_link(self, order: OrderView) -> str:
        return user_link(order.designer_id)

    @admin.display(description="total", ordering="total")
    def total_shown(self, order: OrderView) -> str:
        """At the currency's digits (2400.00 EUR, 125000 JPY), not the column's four."""
        return str(order.money)

    @admin.display(description="lines")
    def lines_shown(self, order: OrderView) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{} {}</td></tr>",
            (
                (
                    line["sku"],
                    line["product_name"],
                    " / ".join(part for part in (line["size"], line["colour"]) if part),
                    line["quantity"],
                    line["unit_price"],
                    order.currency,
                    line["line_total"],
                    order.currency,
                )
                for line in order.lines
            ),
        )
        head = "<th>SKU</th><th>piece</th><th>variant</th><th>qty</th><th>unit price</th><th>total</th>"
        return format_html("<table><tr>" + head + "</tr>{}</table>", rows)

    @admin.display(description="contact")
    def contact_shown(self, order: OrderView) -> str:
        return ", ".join(value for value in (order.contact.get(k, "") for k in ("name", "email", "phone")) if value)

    @admin.display(description="shipping address")
    def address_shown(self, order: OrderView) -> str:
        parts = ("name", "line1", "line2", "postal_code", "city", "region", "country")
        return ", ".join(value for value in (order.shipping_address.get(k, "") for k in parts) if value)

    @admin.display(description="timeline")
    def timeline_shown(self, order: OrderView) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    change.at.strftime("%Y-%m-%d %H:%M:%S"),
                    change.step,
                    change.status,
                    user_link(change.actor_id) if change.actor_id else "system",
                    ", ".join(f"{key}: {value}" for key, value in change.details.items()),
                )
                for change in queries.timeline(order.id)
            ),
        )
        head = "<th>at</th><th>step</th><th>status</th><th>by</th><th>details</th>"
        return format_html("<table><tr>" + head + "</tr>{}</table>", rows)

    @admin.action(description="Cancel the selected orders…", permissions=["orders"])
    def cancel(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return form_action(
            self,
            request,
            rows,
            CancelForm,
            title="Cancel orders",
            submit="Cancel them",
            apply=lambda row, data: orders().cancel(
                row.id, reason=data["reason"], actor_id=request.user.id, acting_customer_id=None
            ),
            done="Cancelled",
        )

    @admin.action(description="Mark the selected orders shipped…", permissions=["orders"])
    def mark_shipped(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return form_action(
            self,
            request,
            rows,
            ShipForm,
            title="Mark shipped",
            submit="Mark shipped",
            apply=lambda row, data: orders().mark_shipped(
                row.id,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                actor_id=request.user.id,
                acting_designer_id=None,
            ),
            done="Marked shipped",
        )

    @admin.action(description="Mark the selected orders delivered", permissions=["orders"])
    def mark_delivered(self, request: HttpRequest, rows: QuerySet) -> None:
        run_each(
            self,
            request,
            rows,
            lambda row: orders().mark_delivered(row.id, actor_id=request.user.id, acting_designer_id=None),
            "Marked delivered",
        )

    @admin.action(description="Complete the selected orders", permissions=["orders"])
    def complete(self, request: HttpRequest, rows: QuerySet) -> None:
        run_each(self, request, rows, lambda row: orders().complete(row.id, actor_id=request.user.id), "Completed")
