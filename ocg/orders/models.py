"""Tables the orders context owns.

The read models (`OrderView`, `OrderStatusChange`) are written only by OrdersProjection. The
notification consumer's tables (`Notification*`) are written only by it, each in the same
transaction as the Kafka envelope id that caused the write (spine.consumer.handle_once).
"""

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


class NotificationOrder(models.Model):
    """What the mail consumer keeps of an order from its `Order.Placed`, for the mails of its later steps,
    which carry only their own fields."""

    order_id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=40)
    customer_email = models.CharField(max_length=254)
    customer_name = models.CharField(max_length=120, blank=True)
    designer_id = models.UUIDField()
    # [{sku, product_name, size, colour, quantity, unit_price: {amount, currency}}]
    lines = models.JSONField()
    total_amount = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    placed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.number


class NotificationStock(models.Model):
    """A SKU's stock aggregate as the mail consumer learnt it from `Stock.Created`: low-stock events name
    only the stock aggregate."""

    stock_id = models.UUIDField(primary_key=True)
    sku = models.CharField(max_length=64)
    product_id = models.UUIDField()

    def __str__(self) -> str:
        return self.sku


class Notification(models.Model):
    """One mail to one recipient, rendered when its event was consumed, then delivered by the protocol in
    ocg/orders/notifications/delivery.py: pending -> sending -> sent | failed | unconfirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Claimed for sending and never marked sent: the server may or may not have it. Not sent again.
        UNCONFIRMED = "unconfirmed", "Unconfirmed"

    event_id = models.UUIDField()
    kind = models.CharField(max_length=40)
    order_id = models.UUIDField(null=True, blank=True, db_index=True)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "kind"], name="unique_notification_per_event")]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="notification_due",
            ),
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="notification_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.status}"
