"""Payments in Django admin: the audit trail to filter and export, payments, and refunds to decide on.

Everything here is a read model (the projection writes it). The audit trail filters by order (id or number),
customer, provider, date and kind, and exports what the filters select as CSV, streamed. Refunds are approved
(all or less, with a note) or rejected (with a note) through admin actions that run the payments' commands
with the staff member as actor; an approved refund goes to the provider at once. A refund of a made-to-order
or customised piece is flagged: 2011/83/EU Art. 16 exempts such goods from the statutory withdrawal right,
so whether to refund is the staff member's decision, and the form says so. Refunds past their deadline are
announced at the top of the list.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from ocg.orders import queries as orders_queries
from ocg.payments import audit_csv, queries
from ocg.payments.api.refunds import commands
from ocg.payments.domain.payment import NOTE_MAX_LENGTH
from ocg.payments.models import PaymentAuditEntry, PaymentView, RefundView
from ocg.payments.permissions import MANAGE_REFUNDS
from ocg.spine import admin_actions
from ocg.spine.admin import ReadOnlyAdmin
from ocg.spine.permissions import has_permission

ART_16 = "Made to order or customised: exempt from the statutory withdrawal right (2011/83/EU Art. 16). Staff decide."


def user_link(user_id: Any) -> str:
    if user_id is None:
        return "system"
    return format_html('<a href="{}">{}</a>', reverse("admin:identity_user_change", args=[user_id]), user_id)


def order_link(order_id: Any) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:orders_orderview_change", args=[order_id]), order_id)


class IdFilter(admin.ListFilter):
    """A text box filtering one id column; `resolve` may turn other text (an order number) into the id."""

    template = "admin/payments/id_filter.html"
    parameter_name: str
    placeholder = "an id"

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        given = params.pop(self.parameter_name, None)
        self.text = (given[-1] if isinstance(given, list) else given or "").strip()
        if self.text:
            self.used_parameters[self.parameter_name] = self.text

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return [self.parameter_name]

    def resolve(self, text: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(text)
        except ValueError:
            return None

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.text:
            return queryset
        wanted = self.resolve(self.text)
        return queryset.none() if wanted is None else queryset.filter(**{self.parameter_name: wanted})

    def choices(self, changelist: Any) -> Any:
        others = [
            (name, value)
            for name, values in changelist.get_filters_params().items()
            if name != self.parameter_name
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "value": self.text,
            "parameter": self.parameter_name,
            "placeholder": self.placeholder,
            "others": others,
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }


class OrderFilter(IdFilter):
    title = "order"
    parameter_name = "order_id"
    placeholder = "an order id or number"

    def resolve(self, text: str) -> uuid.UUID | None:
        found = super().resolve(text)
        if found is not None:
            return found
        if len(text) > 32 or not text.isprintable():
            return None
        order = orders_queries.order_by_number(text)
        return order.id if order is not None else None


class CustomerFilter(IdFilter):
    title = "customer"
    parameter_name = "customer_id"
    placeholder = "a customer's account id"


class PaymentsAdmin(ReadOnlyAdmin):
    """Staff who manage refunds see the payments' pages (a superuser always does)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_permission(request.user, MANAGE_REFUNDS) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, MANAGE_REFUNDS) or super().has_module_permission(request)


@admin.register(PaymentAuditEntry)
class PaymentAuditEntryAdmin(PaymentsAdmin):
    list_display = [
        "at",
        "kind",
        "order_shown",
        "customer_shown",
        "actor_shown",
        "provider",
        "amount_shown",
        "provider_payment_id",
        "provider_refund_id",
        "provider_event_id",
    ]
    list_filter = [OrderFilter, CustomerFilter, "provider", "kind", ("at", admin.DateFieldListFilter)]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    search_fields = ["provider_payment_id", "provider_refund_id", "provider_event_id"]
    search_help_text = "A provider's payment, refund or event id, or any id (payment, refund, order, customer)."
    list_select_related = False
    show_full_result_count = False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        try:
            wanted = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        any_id = Q(payment_id=wanted) | Q(refund_id=wanted) | Q(order_id=wanted) | Q(customer_id=wanted)
        return queryset.filter(any_id | Q(actor_id=wanted)), False

    def get_urls(self) -> list[Any]:
        export = path("export.csv", self.admin_site.admin_view(self.export_view), name="payments_audit_export")
        return [export, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        query = request.GET.urlencode()
        export_url = reverse("admin:payments_audit_export") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "export_url": export_url})

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """What the list's filters and search select, every page, oldest first."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request).order_by("at", "id")
        return audit_csv.streamed(entries, f"payment-audit-{timezone.now():%Y%m%d-%H%M%S}.csv")

    @admin.display(description="order")
    def order_shown(self, entry: PaymentAuditEntry) -> str:
        return order_link(entry.order_id)

    @admin.display(description="customer")
    def customer_shown(self, entry: PaymentAuditEntry) -> str:
        return user_link(entry.customer_id)

    @admin.display(description="by")
    def actor_shown(self, entry: PaymentAuditEntry) -> str:
        return user_link(entry.actor_id)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, entry: PaymentAuditEntry) -> str:
        money = entry.amount_money
        return str(money) if money is not None else "-"


@admin.register(PaymentView)
class PaymentViewAdmin(PaymentsAdmin):
    list_display = ["created_at", "order_shown", "provider", "status", "amount_shown", "captured", "refunded"]
    list_filter = [OrderFilter, CustomerFilter, "provider", "status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["provider_payment_id"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="order")
    def order_shown(self, row: PaymentView) -> str:
        return order_link(row.order_id)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, row: PaymentView) -> str:
        return str(row.amount_money)


class ApproveForm(forms.Form):
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=4,
        max_digits=19,
        help_text="Leave empty to approve what was asked; a smaller amount approves part of it (one refund at a time).",
    )
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the refund and the audit trail; the customer sees it.",
    )

    def __init__(self, *args: Any, selected: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected = selected

    def clean_amount(self) -> Any:
        amount = self.cleaned_data.get("amount")
        if amount is not None and self.selected != 1:
            raise forms.ValidationError("An amount applies to one refund: select only that one.")
        return amount


class RejectForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why; kept on the refund and the audit trail, and the customer sees it.",
    )

    def __init__(self, *args: Any, selected: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


@admin.register(RefundView)
class RefundViewAdmin(PaymentsAdmin):
    list_display = [
        "requested_at",
        "order_shown",
        "customer_shown",
        "requested_shown",
        "approved_shown",
        "state",
        "sla_shown",
        "due_at",
        "made_to_order_shown",
    ]
    list_filter = ["state", "sla_state", "made_to_order", "provider", OrderFilter, CustomerFilter]
    ordering = ["-requested_at", "-id"]
    actions = ["approve", "reject"]
    fields = [
        "made_to_order_notice",
        "state",
        "sla_state",
        "order_shown",
        "customer_shown",
        "provider",
        "requested_shown",
        "approved_shown",
        "reason",
        "skus",
        "note",
        "failure",
        "requested_at",
        "due_at",
        "decided_at",
        "decided_by_shown",
        "closed_at",
        "provider_refund_id",
        "payment_id",
    ]
    readonly_fields = [
        "made_to_order_notice",
        "order_shown",
        "customer_shown",
        "requested_shown",
        "approved_shown",
        "decided_by_shown",
    ]

    def has_refunds_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, MANAGE_REFUNDS)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET":
            summary = queries.refund_sla_summary()
            if summary.breached:
                self.message_user(
                    request,
                    f"{summary.breached} pending refund(s) past their deadline (the oldest due "
                    f"{summary.oldest_breached_due_at:%Y-%m-%d %H:%M} UTC): filter by SLA state: Breached.",
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    @admin.display(description="order")
    def order_shown(self, row: RefundView) -> str:
        return order_link(row.order_id)

    @admin.display(description="customer")
    def customer_shown(self, row: RefundView) -> str:
        return user_link(row.customer_id)

    @admin.display(description="decided by")
    def decided_by_shown(self, row: RefundView) -> str:
        return user_link(row.decided_by) if row.decided_by else "-"

    @admin.display(description="asked", ordering="requested")
    def requested_shown(self, row: RefundView) -> str:
        return str(row.requested_money)

    @admin.display(description="approved", ordering="approved")
    def approved_shown(self, row: RefundView) -> str:
        return str(row.approved_money) if row.approved is not None else "-"

    @admin.display(description="SLA", ordering="sla_state")
    def sla_shown(self, row: RefundView) -> str:
        colour = {"on_time": "#2e7d32", "at_risk": "#b26a00", "breached": "#c62828"}[row.sla_state]
        return format_html('<strong style="color:{}">{}</strong>', colour, row.get_sla_state_display())

    @admin.display(description="made to order", boolean=False, ordering="made_to_order")
    def made_to_order_shown(self, row: RefundView) -> str:
        if not row.made_to_order:
            return "-"
        return format_html('<strong title="{}">Art. 16</strong>', ART_16)

    @admin.display(description="withdrawal right")
    def made_to_order_notice(self, row: RefundView) -> str:
        if not row.made_to_order:
            return "Standard goods: the statutory withdrawal right applies (2011/83/EU Art. 9-16)."
        return format_html('<strong class="made-to-order">{}</strong>', ART_16)

    @admin.action(description="Approve the selected refunds…", permissions=["refunds"])
    def approve(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return self.form_action(
            request,
            rows,
            ApproveForm,
            title="Approve refunds",
            submit="Approve and send to the provider",
            apply=lambda row, data: commands.approve(
                request.user,
                row.id,
                amount=None if data["amount"] is None else str(data["amount"]),
                note=data["note"],
            ),
            done="Approved",
        )

    @admin.action(description="Reject the selected refunds…", permissions=["refunds"])
    def reject(self, request: HttpRequest, rows: QuerySet) -> TemplateResponse | None:
        return self.form_action(
            request,
            rows,
            RejectForm,
            title="Reject refunds",
            submit="Reject them",
            apply=lambda row, data: commands.reject(request.user, row.id, note=data["note"]),
            done="Rejected",
        )

    def form_action(
        self,
        request: HttpRequest,
        rows: QuerySet,
        form_class: type[forms.Form],
        **options: Any,
    ) -> TemplateResponse | None:
        """The form (showing each refund's SLA and Art. 16 standing) first, then the command for each refund."""
        selected = list(rows)
        return admin_actions.form_action(
            self,
            request,
            selected,
            form_class,
            form_kwargs={"selected": len(selected)},
            label=lambda row: f"Refund {row.id}",
            template="admin/payments/refund_action_form.html",
            **options,
        )
