"""Tables the negotiation context owns.

# Negotiation
`NegotiationView` and `ProposalView` are read models written only by NegotiationProjection. `ProductFloor` is a
plain table the context owns: a designer's private lowest price per product, kept out of the event log (and so
out of Kafka) because nobody but the designer may learn it.
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
