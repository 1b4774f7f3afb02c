"""Who takes part in a negotiation, by role: the order's customer, its designer, staff, or the system."""

from __future__ import annotations

CUSTOMER = "customer"
DESIGNER = "designer"
STAFF = "staff"
SYSTEM = "system"
ROLES = (CUSTOMER, DESIGNER, STAFF)

# A proposal's outcome, as the read side tells its history.
OPEN = "open"
ACCEPTED = "accepted"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
DECLINED = "declined"
COUNTERED = "countered"
ABANDONED = "abandoned"
OUTCOMES = (OPEN, ACCEPTED, REJECTED, WITHDRAWN, EXPIRED, DECLINED, COUNTERED, ABANDONED)

# The negotiation's own status; Closed's outcomes are the last two.
AGREED = "agreed"
STATUSES = (OPEN, AGREED, ABANDONED)
