"""The payments context's read models, written only by PaymentsProjection (ocg/payments/projections.py).

`PaymentView` is a payment attempt as an order's page shows it, `RefundView` one refund with its deadline,
and `PaymentAuditEntry` one row per payment event: the event stream is the audit trail, this table is its
read model, to list, filter and export. Every row can be rebuilt from the events
(`manage.py rebuild_projection payments`).
"""

from __future__ import annotations

from django.db import models

from ocg.spine.domain.money import Money


def money_or_none(amount: object, currency: str) -> Money | None:
    return None if amount is None else Money.restore(amount, currency)


class PaymentView(models.Model):
    """One row per payment attempt; an order's payments are its rows, oldest first."""

    id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField()
    customer_id = models.UUIDField()
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    captured = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    # What the provider confirmed it sent back; what is approved but not yet confirmed is not counted.
    refunded = models.DecimalField(max_digits=19, decimal_places=4, default=0)
    provider_payment_id = models.CharField(max_length=255, blank=True, default="")
    failure = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order_id", "created_at"], name="payments_by_order"),
            models.Index(fields=["status", "updated_at"], name="payments_by_status"),
            models.Index(fields=["provider", "provider_payment_id"], name="payments_by_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount_money} ({self.status})"

    @property
    def amount_money(self) -> Money:
        return Money.restore(self.amount, self.currency)

    @property
    def captured_money(self) -> Money | None:
        return money_or_none(self.captured, self.currency)

    @property
    def refunded_money(self) -> Money:
        return Money.restore(self.refunded, self.currency)


class RefundView(models.Model):
    """One refund: what was asked, what staff decided, where the provider is, and its deadline."""

    class SlaState(models.TextChoices):
        ON_TIME = "on_time", "On time"
        AT_RISK = "at_risk", "At risk"
        BREACHED = "breached", "Breached"

    id = models.UUIDField(primary_key=True)
    payment_id = models.UUIDField()
    order_id = models.UUIDField()
    customer_id = models.UUIDField()
    provider = models.CharField(max_length=20)
    state = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    requested = models.DecimalField(max_digits=19, decimal_places=4)
    approved = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    reason = models.TextField()
    # The staff member's note on approving or rejecting; the provider's reason when it failed.
    note = models.TextField(blank=True, default="")
    failure = models.CharField(max_length=500, blank=True, default="")
    skus = models.JSONField(default=list)
    # Some refunded piece is made to order or customised: exempt from the statutory withdrawal right
    # (2011/83/EU Art. 16(c)); staff decide case by case.
    made_to_order = models.BooleanField(default=False)
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.ON_TIME)
    requested_by = models.UUIDField(null=True, blank=True)
    decided_by = models.UUIDField(null=True, blank=True)
    provider_refund_id = models.CharField(max_length=255, blank=True, default="")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-requested_at", "-id"], name="refunds_by_customer"),
            models.Index(fields=["state", "-requested_at", "-id"], name="refunds_by_state"),
            models.Index(fields=["sla_state", "-requested_at", "-id"], name="refunds_by_sla"),
            models.Index(fields=["payment_id"], name="refunds_by_payment"),
            models.Index(fields=["due_at"], condition=models.Q(closed_at__isnull=True), name="refunds_pending_due"),
        ]

    def __str__(self) -> str:
        return f"refund of {self.requested_money} ({self.state})"

    @property
    def requested_money(self) -> Money:
        return Money.restore(self.requested, self.currency)

    @property
    def approved_money(self) -> Money | None:
        return money_or_none(self.approved, self.currency)

    @property
    def pending(self) -> bool:
        return self.closed_at is None


class PaymentAuditEntry(models.Model):
    """One payment event: what happened, who or what caused it, the amounts and the provider's ids."""

    payment_id = models.UUIDField()
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    actor_id = models.UUIDField(null=True, blank=True)
    order_id = models.UUIDField()
    customer_id = models.UUIDField()
    provider = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3)
    refund_id = models.UUIDField(null=True, blank=True)
    provider_payment_id = models.CharField(max_length=255, blank=True, default="")
    provider_refund_id = models.CharField(max_length=255, blank=True, default="")
    provider_event_id = models.CharField(max_length=255, blank=True, default="")
    details = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "payment audit entry"
        verbose_name_plural = "payment audit trail"
        constraints = [
            models.UniqueConstraint(fields=["payment_id", "version"], name="one_audit_entry_per_payment_version")
        ]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_by_time"),
            models.Index(fields=["order_id", "-at"], name="audit_by_order"),
            models.Index(fields=["customer_id", "-at"], name="audit_by_customer"),
            models.Index(fields=["kind", "-at"], name="audit_by_kind"),
            models.Index(fields=["provider", "-at"], name="audit_by_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of payment {self.payment_id} v{self.version}"

    @property
    def amount_money(self) -> Money | None:
        return money_or_none(self.amount, self.currency)
