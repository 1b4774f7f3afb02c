"""Tables the negotiation context owns."""

from __future__ import annotations

from django.db import models

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
