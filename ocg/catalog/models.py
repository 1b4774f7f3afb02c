from django.db import models

from ocg.spine.domain.money import Money


class ProductView(models.Model):
    """The catalog's read model of a product; written only by ProductProjection."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    # Exact, with room for every currency's minor units (BHD has 3, CLF 4); `money` trims to the currency's.
    price = models.DecimalField(max_digits=19, decimal_places=4)
    currency = models.CharField(max_length=3)
    designer_id = models.UUIDField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def money(self) -> Money:
        """The price at its currency's digits: the column keeps four, so 2400.00 EUR reads 2400.0000."""
        return Money.restore(self.price, self.currency)
