"""The catalog in Django admin: its read models to search and filter, changed only through the catalog's commands.

The read models are read-only here, as everywhere (the projection writes them). Publishing, unpublishing,
archiving, a new price and stock received or corrected are admin actions that call CatalogApplication with
the staff member as actor (`acting_designer_id=None`: staff act on any product), so each change is an event
saying who made it. A refused command is shown as a message and changes nothing. After the commands the
page waits, bounded, for the projection, so the list it returns to shows the change.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ocg.catalog.domain.stock import QUANTITY_MAX, REASON_MAX_LENGTH
from ocg.catalog.models import CategoryView, DesignerView, ProductView, VariantView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS
from ocg.catalog.projections import CatalogProjection
from ocg.spine import admin_actions
from ocg.spine.admin import ReadOnlyAdmin
from ocg.spine.domain.money import InvalidMoney, Money
from ocg.spine.eventstore import applications
from ocg.spine.permissions import has_permission


def catalog() -> Any:
    return applications.get("catalog")


def as_staff(request: HttpRequest, command: str, *arguments: Any) -> Any:
    """The catalog's `command` by the signed-in staff member, who acts on any product (no acting designer)."""
    return getattr(catalog(), command)(*arguments, actor_id=request.user.id, acting_designer_id=None)


# Each action waits for the projection, so the list it returns to shows the change.
run_each = functools.partial(admin_actions.run_each, projection=CatalogProjection.name)
form_action = functools.partial(admin_actions.form_action, projection=CatalogProjection.name)


class CatalogStaffAdmin(ReadOnlyAdmin):
    """Actions with `permissions=["catalog"]` are offered to staff holding the catalog's staff permission."""

    def has_catalog_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, MANAGE_ALL_PRODUCTS)


def user_link(user_id: Any, text: str) -> str:
    """The designer's account in the identity admin."""
    return format_html('<a href="{}">{}</a>', reverse("admin:identity_user_change", args=[user_id]), text or user_id)


def change_link(model: type, pk: Any, text: str) -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text)


# Products.


class CategoryFilter(admin.SimpleListFilter):
    """A category and everything under it."""

    title = "category"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(c.id), "\u2003" * c.depth + c.name) for c in CategoryView.objects.order_by("path")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        category = CategoryView.objects.filter(id=self.value()).first()
        if category is None:
            return queryset.none()
        return queryset.filter(category_path__startswith=category.path)


class PriceForm(forms.Form):
    price = forms.CharField(max_length=40, help_text="A decimal amount, e.g. 2400.00.")
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["money"] = Money.parse(
                    cleaned["price"], cleaned["currency"], amount_field="price", currency_field="currency"
                )
            except InvalidMoney as error:
                self.add_error(error.field, error.message)
        return cleaned


@admin.register(ProductView)
class ProductViewAdmin(CatalogStaffAdmin):
    list_display = [
        "name",
        "status",
        "price_shown",
        "designer_link",
        "category_link",
        "available",
        "in_stock",
        "customizable",
        "updated_at",
    ]
    list_filter = ["status", CategoryFilter, "in_stock", "customizable", "currency"]
    search_fields = ["name", "slug", "designer_name"]
    ordering = ["-updated_at", "id"]
    actions = ["publish", "unpublish", "archive", "change_price"]
    fields = [
        "name",
        "slug",
        "status",
        "price_shown",
        "designer_link",
        "category_link",
        "description",
        "materials",
        "care_notes",
        "customizable",
        "variants_shown",
        "available",
        "in_stock",
        "created_at",
        "listed_at",
        "updated_at",
        "version",
    ]
    readonly_fields = ["price_shown", "designer_link", "category_link", "variants_shown"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        category_name = CategoryView.objects.filter(id=OuterRef("category_id")).values("name")[:1]
        return super().get_queryset(request).annotate(category_name=Subquery(category_name))

    @admin.display(description="price", ordering="price")
    def price_shown(self, product: ProductView) -> str:
        """At the currency's digits (2400.00 EUR, 125000 JPY), not the column's four."""
        return str(product.money) if product.money is not None else "-"

    @admin.display(description="designer", ordering="designer_name")
    def designer_link(self, product: ProductView) -> str:
        return user_link(product.designer_id, product.designer_name)

    @admin.display(description="category", ordering="category_path")
    def category_link(self, product: ProductView) -> str:
        if product.category_id is None:
            return "-"
        return change_link(CategoryView, product.category_id, getattr(product, "category_name", None) or "?")

    @admin.display(description="variants and stock")
    def variants_shown(self, product: ProductView) -> str:
        variants = VariantView.objects.filter(product_id=product.id, removed=False).order_by("position")
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> {}: {} on hand, {} reserved, {} available</li>',
            (
                (
                    reverse("admin:catalog_variantview_change", args=[v.sku]),
                    v.sku,
                    " / ".join(part for part in (v.size, v.colour) if part),
                    v.on_hand,
                    v.reserved,
                    v.available,
                )
                for v in variants
            ),
        )
        return format_html("<ul>{}</ul>", rows) if variants else "-"

    def _lifecycle(self, request: HttpRequest, rows: QuerySet, step: str, done: str) -> None:
        run_each(self, request, rows, lambda row: as_staff(request, step, row.id), done)

    @admin.action(description="Publish the selected products", permissions=["catalog"])
    def publish(self, request: HttpRequest, rows: QuerySet) -> None:
        self._lifecycle(request, rows, "publish", "Published")

    @admin.action(description="Unpublish the selected products (back to draft)", permissions=["catalog"])
    def unpublish(self, request: HttpRequest, rows: QuerySet) -> None:
        self._lifecycle(request, rows, "unpublish", "Unpublished")

    @admin.action(description="Archive the selected products (for good)", permissions=["catalog"])
    def archive(self, request: HttpRequest, rows: QuerySet) -> None:
        self._lifecycle(request, rows, "archive", "Archived")

    @admin.action(description="Change the price of the selected products…", permissions=["catalog"])
    def change_price(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        first = rows.first()
        return form_action(
            self,
            request,
            rows,
            PriceForm,
            title="Change price",
            submit="Change the price",
            apply=lambda row, data: as_staff(request, "change_price", row.id, data["money"]),
            done="Price changed",
            initial={"currency": first.currency} if first is not None and first.currency else None,
        )


# Variants and their stock.


class ReceiveForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=QUANTITY_MAX, help_text="Units received into stock.")


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        min_value=-QUANTITY_MAX, max_value=QUANTITY_MAX, help_text="Units to add, or to take away (negative)."
    )
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, help_text="Why: a stock-take, damage, a return...")


@admin.register(VariantView)
class VariantViewAdmin(CatalogStaffAdmin):
    list_display = [
        "sku",
        "product_link",
        "size",
        "colour",
        "on_hand",
        "reserved",
        "available",
        "low_stock_threshold",
        "removed",
    ]
    list_filter = ["removed"]
    search_fields = ["sku"]
    actions = ["receive_stock", "adjust_stock"]
    readonly_fields = ["product_link"]
    fields = [
        "sku",
        "product_link",
        "size",
        "colour",
        "on_hand",
        "reserved",
        "available",
        "low_stock_threshold",
        "removed",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        product_name = ProductView.objects.filter(id=OuterRef("product_id")).values("name")[:1]
        return super().get_queryset(request).annotate(product_name=Subquery(product_name))

    @admin.display(description="product", ordering="product_name")
    def product_link(self, variant: VariantView) -> str:
        return change_link(ProductView, variant.product_id, getattr(variant, "product_name", None) or "?")

    @admin.action(description="Receive stock for the selected SKUs…", permissions=["catalog"])
    def receive_stock(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return form_action(
            self,
            request,
            rows,
            ReceiveForm,
            title="Receive stock",
            submit="Receive",
            apply=lambda row, data: as_staff(request, "receive_stock", row.sku, data["quantity"]),
            done="Stock received",
        )

    @admin.action(description="Adjust the stock of the selected SKUs…", permissions=["catalog"])
    def adjust_stock(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return form_action(
            self,
            request,
            rows,
            AdjustForm,
            title="Adjust stock",
            submit="Adjust",
            apply=lambda row, data: as_staff(request, "adjust_stock", row.sku, data["delta"], data["reason"]),
            done="Stock adjusted",
        )


# Categories and designers.


@admin.register(CategoryView)
class CategoryViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "parent_link", "depth"]
    search_fields = ["name", "slug"]
    ordering = ["path"]
    readonly_fields = ["parent_link"]
    fields = ["name", "slug", "parent_link", "depth", "path", "version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        parent_name = CategoryView.objects.filter(id=OuterRef("parent_id")).values("name")[:1]
        return super().get_queryset(request).annotate(parent_name=Subquery(parent_name))

    @admin.display(description="parent", ordering="parent_name")
    def parent_link(self, category: CategoryView) -> str:
        if category.parent_id is None:
            return "-"
        return change_link(CategoryView, category.parent_id, getattr(category, "parent_name", None) or "?")


@admin.register(DesignerView)
class DesignerViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "product_count", "account_link"]
    search_fields = ["name", "slug"]
    readonly_fields = ["account_link"]
    fields = ["name", "slug", "bio", "product_count", "account_link", "version"]

    @admin.display(description="account")
    def account_link(self, designer: DesignerView) -> str:
        return user_link(designer.id, "account")
