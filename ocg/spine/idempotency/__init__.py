"""Idempotency keys: a retried write answers what its first attempt answered, and its work runs once.

Stripe's semantics and the IETF draft "The Idempotency-Key HTTP Header Field". A client sends a key it made
(a UUID) with a write, and the same key with each retry of that write. REST writes (POST, PUT, PATCH, DELETE
under /api/) read the `Idempotency-Key` header; GraphQL reads it for a request running ONE mutation, and
mutations declared `idempotent` also take an `idempotencyKey` argument. A key is 1 to 255 printable ASCII
characters, sent bare (`Idempotency-Key: 5f0c...`) or as the draft's structured-field string (`"5f0c..."`).

Keys belong to the signed-in account. An anonymous request carrying one is refused: an IP address is no
identity to keep answers under, as shared addresses mix callers, and a retry after a network change (the
case keys exist for) comes from another address.

The first request claims the key by inserting a row that commits on its own before the work starts; a second
INSERT of the key conflicts at once, so concurrent copies never both run. Its whole answer (status, body,
content type) is then kept in PostgreSQL and replayed, marked `Idempotent-Replayed: true`, to any request
with the key and the same fingerprint (method, path, canonical body). Otherwise: another fingerprint gets 422,
the key still in flight gets 409, a missing key where the operation requires one gets 400. A claim older than
IDEMPOTENCY["IN_FLIGHT_TIMEOUT_SECONDS"] is presumed dead (its process crashed) and may be taken over.
Answers are kept at least IDEMPOTENCY["TTL_SECONDS"], then purged by a beat job (ocg/spine/tasks.py).
"""

from ocg.spine.idempotency.graphql import IdempotentAnswer, hold_graphql_key, note_error_codes, settle_graphql
from ocg.spine.idempotency.rest import document_key, idempotency_required, idempotent_operation
from ocg.spine.idempotency.store import (
    HEADER,
    REPLAYED_HEADER,
    STATUSES,
    WRITE_METHODS,
    IdempotencyRefusal,
    purge_expired,
)

__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "STATUSES",
    "WRITE_METHODS",
    "IdempotencyRefusal",
    "IdempotentAnswer",
    "document_key",
    "hold_graphql_key",
    "idempotency_required",
    "idempotent_operation",
    "note_error_codes",
    "purge_expired",
    "settle_graphql",
]
