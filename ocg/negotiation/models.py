"""Tables the negotiation context owns.

# Negotiation
`NegotiationView` and `ProposalView` are read models written only by NegotiationProjection. `ProductFloor` is a
plain table the context owns: a designer's private lowest price per product, kept out of the event log (and so
out of Kafka) because nobody but the designer may learn it.

# Chat
`ChatMessage`, `ChatReadReceipt` and `ExpiredChat` hold the chat (ocg/negotiation/chat): chat text is kept only
here, never in the event log or on Kafka, so it can be truly deleted.
"""

from __future__ import annotations

from django.db import models

from ocg.spine.domain.money import Money

# Negotiation


class NegotiationView(models.Model):
    """One row per negotiation (so per order): its state and where its rounds stand."""

    order_id = models.UUIDField(primary_key=True)
    negotiation_id = models.UUIDField(unique=True)
    customer_id = models.UUIDField()
    designer_id = models.UUIDField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12)
    opened_by_role = models.CharField(max_length=12)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    rounds_used = models.PositiveIntegerField(default=0)
    open_proposal_id = models.UUIDField(null=True, blank=True)
    agreed_amount = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["status", "designer_id"], name="negotiations_by_designer")]

    def __str__(self) -> str:
        return f"negotiation of {self.order_id}: {self.status}"

    @property
    def agreed(self) -> Money | None:
        return None if self.agreed_amount is None else Money.restore(self.agreed_amount, self.currency)


class ProposalView(models.Model):
    """One row per proposal, with what became of it: the negotiation's history."""

    id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField()
    round = models.PositiveIntegerField()
    author_role = models.CharField(max_length=12)
    author_id = models.UUIDField(null=True, blank=True)
    amount = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True, default="")
    counter_to = models.UUIDField(null=True, blank=True)
    proposed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=12)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True, default="")
    outcome_by = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "round"]
        indexes = [
            models.Index(fields=["order_id", "round"], name="proposals_by_order"),
            models.Index(fields=["outcome", "expires_at"], name="proposals_due"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} round {self.round}: {self.outcome}"

    @property
    def money(self) -> Money:
        return Money.restore(self.amount, self.currency)


class ProductFloor(models.Model):
    """A designer's private floor for one product, per unit, in the product's currency."""

    product_id = models.UUIDField(primary_key=True)
    designer_id = models.UUIDField()
    amount = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    updated_at = models.DateTimeField()
    updated_by = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"floor of {self.product_id}"

    @property
    def money(self) -> Money:
        return Money.restore(self.amount, self.currency)


# Chat


class ChatMessage(models.Model):
    """One chat message of an order's conversation: a party's text, or a system line written from an event.

    Chat text lives here only (never in the event log or Kafka), so deleting the rows deletes it for good.
    `event_id` is set on system messages: unique, so each event's line is written once.
    """

    class Kind(models.TextChoices):
        USER = "user"
        SYSTEM = "system"

    id = models.BigAutoField(primary_key=True)
    order_id = models.UUIDField()
    author_id = models.UUIDField(null=True, blank=True)
    author_role = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    text = models.TextField()
    created_at = models.DateTimeField()
    event_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["order_id", "id"]
        indexes = [models.Index(fields=["order_id", "id"], name="chat_by_order")]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.id}"


class ChatReadReceipt(models.Model):
    """How far one participant has read an order's conversation (the highest message id seen)."""

    order_id = models.UUIDField()
    user_id = models.UUIDField()
    last_read_id = models.BigIntegerField()
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order_id", "user_id"], name="one_receipt_per_reader")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.order_id} to #{self.last_read_id}"


class ExpiredChat(models.Model):
    """An order whose chat was deleted by the expiry job: when, and how many messages went.

    Kept so a run is idempotent (an order is expired once) and so a rebuilt system-message projection
    does not bring an expired conversation back.
    """

    order_id = models.UUIDField(primary_key=True)
    finished_at = models.DateTimeField()
    expired_at = models.DateTimeField()
    deleted_messages = models.PositiveIntegerField()
    deleted_receipts = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.order_id}: {self.deleted_messages} deleted"
