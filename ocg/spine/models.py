from django.db import models


class ProjectionPosition(models.Model):
    """How far a follower (a projection, or the Kafka relay) has got in one context's notification log.

    Written in the same transaction as the follower's own effects, so each event takes effect once.
    """

    follower = models.CharField(max_length=100)
    source = models.CharField(max_length=50)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "source"], name="unique_follower_source")]

    def __str__(self) -> str:
        return f"{self.follower} @ {self.source}: {self.position}"


class ConsumedEvent(models.Model):
    """Kafka envelopes a consumer has already handled, so redeliveries are dropped."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    consumed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="unique_consumer_event")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"
