"""The domain layer every context shares: errors, the client-text rule (text.py) and Money (money.py).

Only the standard library (and babel's currency data, for money) is imported here, so a
context's domain.py may use these and still depend on nothing but eventsourcing.domain.
"""

from ocg.spine.domain.errors import DomainError

__all__ = ["DomainError"]
