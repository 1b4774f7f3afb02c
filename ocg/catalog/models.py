from django.db import models


class ProductView(models.Model):
    """The catalog's read model of a product; written only by ProductProjection."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    designer_id = models.UUIDField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name
