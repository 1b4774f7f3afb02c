"""The provider's id of a payment -> ours: one uuid5 index aggregate per (provider, provider payment id).

It is saved with the payment's IntentCreated, in the same save, so a webhook names its payment through the
event store alone: a read model could still be catching up when the provider's notification arrives.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

INDEX_NAMESPACE = UUID("5b0e3d6a-8f41-4c2e-a7d9-3e6f1b2c4d5e")


def provider_payment_index_id(provider: str, provider_payment_id: str) -> UUID:
    return uuid5(INDEX_NAMESPACE, f"{provider}:{provider_payment_id}")


class ProviderPaymentIndex(Aggregate):
    class Recorded(Aggregate.Created):
        provider: str
        provider_payment_id: str
        payment_id: UUID

    @event(Recorded)
    def __init__(self, provider: str, provider_payment_id: str, payment_id: UUID) -> None:
        self.provider = provider
        self.provider_payment_id = provider_payment_id
        self.payment_id = payment_id

    @classmethod
    def record(cls, provider: str, provider_payment_id: str, payment_id: UUID) -> ProviderPaymentIndex:
        return cls._create(
            cls.Recorded,
            id=provider_payment_index_id(provider, provider_payment_id),
            provider=provider,
            provider_payment_id=provider_payment_id,
            payment_id=payment_id,
        )
