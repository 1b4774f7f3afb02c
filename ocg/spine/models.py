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


class FollowerStall(models.Model):
    """A follower that keeps failing, one row per follower, read by /readyz from any process.

    Written in a short transaction of its own (the failed work has rolled back) and deleted as
    soon as the follower moves on. `event_*` is empty when the failure names no event (say the
    broker is away before anything was produced).
    """

    follower = models.CharField(max_length=100, unique=True)
    source = models.CharField(max_length=50, blank=True)
    position = models.BigIntegerField(null=True, help_text="The follower's position in `source` (last applied).")
    event_position = models.BigIntegerField(null=True, help_text="The notification id of the failing event.")
    event_topic = models.CharField(max_length=300, blank=True)
    originator_id = models.UUIDField(null=True)
    originator_version = models.BigIntegerField(null=True)
    error = models.TextField(help_text="The error's message text, bounded; never a stack trace.")
    attempts = models.PositiveIntegerField(default=1)
    since = models.DateTimeField(help_text="First failure at this event.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.follower} stalled at {self.source} {self.event_position}"


class SkippedEvent(models.Model):
    """An event an operator told a projection to pass over (`manage.py skip_event`); its effect is missing."""

    follower = models.CharField(max_length=100)
    source = models.CharField(max_length=50)
    position = models.BigIntegerField()
    topic = models.CharField(max_length=300)
    originator_id = models.UUIDField()
    originator_version = models.BigIntegerField()
    reason = models.TextField()
    operator = models.CharField(max_length=150)
    skipped_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "source", "position"], name="unique_skipped_event")]

    def __str__(self) -> str:
        return f"{self.follower} skipped {self.source} {self.position}"


class IdempotencyRecord(models.Model):
    """One caller's idempotency key: claimed while its first request runs, then that request's whole answer.

    The claim is a row inserted and committed on its own before the work starts, so the unique (scope, key)
    makes any other request's INSERT of the key fail rather than run the work too. `claim` names the request
    holding the key; only that request may complete or release it, even after a takeover.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        COMPLETED = "completed"

    scope = models.CharField(max_length=100, help_text="Whose key this is (`user:<id>`).")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request's method, path and body.")
    state = models.CharField(max_length=20, choices=State.choices)
    claim = models.UUIDField()
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(help_text="When the request now holding the key took it.")
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="unique_idempotency_scope_key")]
        indexes = [models.Index(fields=["claimed_at"], name="idempotency_claimed_at")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.state}"
