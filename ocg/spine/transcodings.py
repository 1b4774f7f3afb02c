"""How shared domain values are stored in events: registered on every context application (eventstore.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.persistence import Transcoding

from ocg.spine.domain.money import Money


class MoneyAsDict(Transcoding):
    """Money as `{"amount": "10.50", "currency": "EUR"}`: the amount as a string, so it is stored exactly."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> dict[str, str]:
        return {"amount": str(obj.amount), "currency": obj.currency}

    def decode(self, data: Any) -> Money:
        return Money.restore(Decimal(data["amount"]), data["currency"])


TRANSCODINGS: tuple[Transcoding, ...] = (MoneyAsDict(),)
