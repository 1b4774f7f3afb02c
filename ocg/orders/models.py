"""The orders context's read models (written only by OrdersProjection) and the tables it owns."""

from __future__ import annotations

from django.db import models

from ocg.spine.domain.money import Money


class OrderView(models.Model):
    """One row per order: every list (a customer's, a designer's, staff's) and the order page read it."""

    id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=32, unique=True)
    checkout_id = models.UUIDField(db_index=True)
    customer_id = models.UUIDField()
    designer_id = models.UUIDField()
    status = models.CharField(max_length=20)
    total = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    item_count = models.PositiveIntegerField()
    lines = models.JSONField(default=list)
    contact = models.JSONField(default=dict)
    shipping_address = models.JSONField(default=dict)
    tracking = models.JSONField(default=dict)
    shortages = models.JSONField(default=dict)
    made_to_order = models.BooleanField(default=False)
    pay_by = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-placed_at", "-id"], name="orders_by_customer"),
            models.Index(fields=["designer_id", "-placed_at", "-id"], name="orders_by_designer"),
            models.Index(fields=["status", "-placed_at", "-id"], name="orders_by_status"),
            models.Index(fields=["status", "pay_by"], name="orders_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def money(self) -> Money:
        return Money.restore(self.total, self.currency)


class OrderStatusChange(models.Model):
    """The order's timeline: one row per step, with who took it and when."""

    order_id = models.UUIDField()
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=20)
    step = models.CharField(max_length=40)
    actor_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField()
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["order_id", "version"]
        constraints = [models.UniqueConstraint(fields=["order_id", "version"], name="one_change_per_order_version")]

    def __str__(self) -> str:
        return f"{self.order_id} v{self.version}: {self.status}"


class IssuedOrderNumber(models.Model):
    """Embedded mode's order-number sequence (PostgreSQL uses a real sequence): one row per number issued."""

    id = models.BigAutoField(primary_key=True)

    def __str__(self) -> str:
        return str(self.id)
