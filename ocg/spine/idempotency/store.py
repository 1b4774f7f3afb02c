"""Keys, the claim, keeping and replaying answers, and the purge: what both surfaces share."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import http_sf
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ocg.spine.errors import STATUS_BY_CODE, graphql_error_body, register_error_statuses, rest_error_body
from ocg.spine.models import IdempotencyRecord

logger = logging.getLogger("ocg.spine.idempotency")

HEADER = "Idempotency-Key"
META_HEADER = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
ARGUMENT = "idempotencyKey"
MAX_KEY_LENGTH = 255
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Set by `idempotency_required` on a REST view, and by a DomainMutation's declaration on its class.
REQUIRED_MARK = "idempotency_required"
CLAIM_ATTEMPTS = 3
IN_FLIGHT_RETRY_AFTER_SECONDS = 1
PURGE_BATCH = 5000

INVALID = "idempotency_key_invalid"
REQUIRED = "idempotency_key_required"
MISMATCH = "idempotency_key_mismatch"
SEVERAL_MUTATIONS = "idempotency_key_several_mutations"
ANONYMOUS = "idempotency_key_anonymous"
REUSED = "idempotency_key_reused"
IN_FLIGHT = "idempotency_key_in_flight"
STATUSES = {
    INVALID: 400,
    REQUIRED: 400,
    MISMATCH: 400,
    SEVERAL_MUTATIONS: 400,
    ANONYMOUS: 400,
    REUSED: 422,
    IN_FLIGHT: 409,
}
register_error_statuses(STATUSES)

# The one rule for what is kept. An answer that says nothing was done (the input was not valid, the caller
# may not do it, or it should simply come back later) is not kept: the key is released so that the fixed
# request can be sent again with it. Every other answer is kept, success, domain refusal or failure alike.
# An outage (503 `unavailable`) met after the request wrote an event is kept too: sending it again must not
# repeat the write. (A context's own "come back later", such as `payments_unavailable`, is released: its
# command resumes what it started.)
RELEASED_STATUSES = frozenset({400, 401, 403, 422, 429, 503})
# Codes with another status that still mean "nothing happened, send it again": an optimistic-concurrency loss.
RELEASED_CODES = frozenset({"conflict"})


def is_released_code(code: Any) -> bool:
    """Whether an error code means nothing was done; an unregistered code is an input error (400)."""
    return code in RELEASED_CODES or STATUS_BY_CODE.get(code, 400) in RELEASED_STATUSES


class IdempotencyRefusal(Exception):
    """The request is refused for its key before any work: answered in the shape of its surface."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUSES[code]

    def with_retry_after(self, response: HttpResponse) -> HttpResponse:
        if self.code == IN_FLIGHT:
            response["Retry-After"] = str(IN_FLIGHT_RETRY_AFTER_SECONDS)
        return response

    def rest_response(self) -> HttpResponse:
        fields = [{"field": HEADER}] if self.code in (INVALID, REQUIRED, ANONYMOUS, REUSED, IN_FLIGHT) else []
        return self.with_retry_after(JsonResponse(rest_error_body(self.code, self.message, fields), status=self.status))

    def graphql_response(self) -> HttpResponse:
        return self.with_retry_after(JsonResponse(graphql_error_body(self.code, self.message), status=self.status))


def invalid_key(source: str) -> IdempotencyRefusal:
    return IdempotencyRefusal(
        INVALID, f"The {source} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters; a UUID is a good choice."
    )


def checked_key(value: Any, source: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_KEY_LENGTH or not value.isascii():
        raise invalid_key(source)
    if not value.isprintable():
        raise invalid_key(source)
    return value


def header_key(request: HttpRequest) -> str | None:
    """The header's key: bare (Stripe's form) or a structured-field string (the draft's); None when absent."""
    raw = request.META.get(META_HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.startswith('"'):
        try:
            value, _parameters = http_sf.parse(raw.encode("latin-1"), tltype="item")
        except (http_sf.StructuredFieldError, UnicodeEncodeError):
            raise invalid_key(f"{HEADER} header") from None
        if type(value) is not str:
            raise invalid_key(f"{HEADER} header")
        raw = value
    return checked_key(raw, f"{HEADER} header")


def caller_scope(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else None


def settled_scope(request: HttpRequest, key: str | None, required: bool, needs_sign_in: bool) -> str | None:
    """The scope to keep the key under; None when the request runs without one. Refuses what cannot run.

    An anonymous caller of an operation that needs a signed-in one gets the operation's own answer, 401,
    rather than a complaint about the key it sent.
    """
    scope = caller_scope(request)
    if scope is None and (required or (key is not None and needs_sign_in)):
        raise IdempotencyRefusal("unauthenticated", "Sign in to do this: send an access token.", status=401)
    if key is None:
        if required:
            raise IdempotencyRefusal(
                REQUIRED,
                f"This operation needs an idempotency key: send the {HEADER} header with a new unique value "
                "(a UUID) for each operation, and the same value when retrying it.",
            )
        return None
    if scope is None:
        raise IdempotencyRefusal(
            ANONYMOUS, "Idempotency keys are kept per account: sign in to use one, or send the request without it."
        )
    return scope


def digest(parts: dict[str, Any]) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # A lone surrogate ("\ud800" in JSON) has no UTF-8 form; the request is still fingerprinted, then refused.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def canonical_body(body: bytes) -> Any:
    """The JSON body as a value (key order and whitespace do not count); other bodies by their hash."""
    if not body:
        return None
    try:
        return {"json": json.loads(body)}
    except (ValueError, RecursionError):
        return {"sha256": hashlib.sha256(body).hexdigest()}


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it alone may complete or release the record."""

    record_id: int
    token: UUID
    # GraphQL: where the mutation's payload sits in `data`.
    response_key: str | None = None


def in_flight_timeout() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY["IN_FLIGHT_TIMEOUT_SECONDS"])


# The statements every keyed request runs, written once: building them through the ORM cost several times what
# running them does (a replay is meant to be the cheapest answer there is).
CLAIM_COLUMNS = ("scope", "key", "fingerprint", "state", "claim", "content_type", "created_at", "claimed_at")
RECORD_COLUMNS = ("id", "fingerprint", "state", "claim", "status", "body", "content_type", "created_at", "claimed_at")
KEPT_COLUMNS = ("state", "status", "body", "content_type", "completed_at")


class ClaimStatements(NamedTuple):
    insert: str  # a new claim; its id, or nothing when the key is taken
    select: str  # a kept record, by scope and key
    keep: str  # the answer, into the record this request holds


@functools.cache
def claim_statements(vendor: str) -> ClaimStatements:
    """The statements in this database's quoting."""
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    return ClaimStatements(
        insert=(
            f"INSERT INTO {table} ({', '.join(map(quote, CLAIM_COLUMNS))}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(CLAIM_COLUMNS))}) "
            f"ON CONFLICT ({quote('scope')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}"
        ),
        select=(
            f"SELECT {', '.join(map(quote, RECORD_COLUMNS))} FROM {table} "  # noqa: S608 - names from the model
            f"WHERE {quote('scope')} = %s AND {quote('key')} = %s"
        ),
        keep=(
            f"UPDATE {table} SET {', '.join(f'{quote(column)} = %s' for column in KEPT_COLUMNS)} "  # noqa: S608
            f"WHERE {quote('id')} = %s AND {quote('claim')} = %s"
        ),
    )


def stored_uuid(value: UUID) -> Any:
    return value if connection.features.has_native_uuid_field else value.hex


def insert_claim(*, scope: str, key: str, fingerprint: str, claim: UUID, now: datetime) -> int | None:
    """The new claim row's id, committed before the work starts; None when the key is already someone's.

    INSERT ... ON CONFLICT DO NOTHING: losing a race for the key costs no failed statement, and a new key one
    round trip when the connection is in autocommit (a statement alone is its own transaction). Inside a
    transaction the durable block refuses, as the claim must be seen by other requests at once.
    """
    stored_now = connection.ops.adapt_datetimefield_value(now)
    in_flight = IdempotencyRecord.State.IN_FLIGHT.value
    parameters = [scope, key, fingerprint, in_flight, stored_uuid(claim), "", stored_now, stored_now]
    with contextlib.ExitStack() as stack:
        if not transaction.get_autocommit():
            stack.enter_context(transaction.atomic(durable=True))
        with connection.cursor() as cursor:
            cursor.execute(claim_statements(connection.vendor).insert, parameters)
            row = cursor.fetchone()
    return row[0] if row else None


def kept_record(scope: str, key: str) -> IdempotencyRecord | None:
    select = claim_statements(connection.vendor).select
    return next(iter(IdempotencyRecord.objects.raw(select, [scope, key])), None)


def claim(scope: str, key: str, fingerprint: str) -> Claim | IdempotencyRecord:
    """Takes the key, or answers the kept record to replay; refuses a reuse (422) or a key in flight (409)."""
    for _attempt in range(CLAIM_ATTEMPTS):
        now = timezone.now()
        token = uuid4()
        # Looked up first: a replay then costs one read. A new key costs that read and the INSERT.
        existing = kept_record(scope, key)
        if existing is None:
            record_id = insert_claim(scope=scope, key=key, fingerprint=fingerprint, claim=token, now=now)
            if record_id is not None:
                return Claim(record_id, token)
            continue  # another request took the key since the read: look again
        if existing.fingerprint != fingerprint:
            raise IdempotencyRefusal(
                REUSED,
                "This idempotency key was already used for a different request; use a new key for a new request.",
            )
        if existing.state == IdempotencyRecord.State.COMPLETED:
            return existing
        if existing.claimed_at > now - in_flight_timeout():
            raise IdempotencyRefusal(
                IN_FLIGHT, "A request with this idempotency key is still running; retry shortly for its answer."
            )
        taken = IdempotencyRecord.objects.filter(
            pk=existing.pk, claim=existing.claim, state=IdempotencyRecord.State.IN_FLIGHT
        ).update(claim=token, claimed_at=now)
        if taken:
            logger.warning(
                "Idempotency key of %s taken over: its request was in flight since %s", scope, existing.claimed_at
            )
            return Claim(existing.pk, token)
    raise IdempotencyRefusal(IN_FLIGHT, "A request with this idempotency key is still running; retry shortly.")


def outage_answer(response: HttpResponse) -> bool:
    """A 503 `unavailable` in either surface's shape: the database or Redis failed under the request."""
    if response.status_code != 503 or getattr(response, "streaming", False):
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(body, dict):
        return False
    codes = [body.get("code")]
    codes += [(e.get("extensions") or {}).get("code") for e in body.get("errors") or () if isinstance(e, dict)]
    return "unavailable" in codes


def settle(held: Claim, response: HttpResponse, keep: bool, wrote: bool = False) -> None:
    """Keeps the answer for replays, or releases the key; a failure here never costs the client its answer.

    `wrote`: the request stored an event, so an outage it met afterwards is kept (see RELEASED_STATUSES).
    """
    keep = keep or (wrote and outage_answer(response))
    try:
        if keep and not getattr(response, "streaming", False):
            parameters = [
                IdempotencyRecord.State.COMPLETED.value,
                response.status_code,
                bytes(response.content),
                response.get("Content-Type", ""),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                held.record_id,
                stored_uuid(held.token),
            ]
            with connection.cursor() as cursor:
                cursor.execute(claim_statements(connection.vendor).keep, parameters)
                if cursor.rowcount != 1:
                    logger.warning("An answer was not kept: another request took its idempotency key over")
        else:
            IdempotencyRecord.objects.filter(
                pk=held.record_id, claim=held.token, state=IdempotencyRecord.State.IN_FLIGHT
            ).delete()
    except DatabaseError:
        logger.exception("Could not settle an idempotency key; it is freed after the in-flight timeout")


def replayed(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body or b""), status=record.status, content_type=record.content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def purge_expired(now: datetime | None = None) -> int:
    """Deletes keys whose answer (or unfinished claim) is older than the TTL, in batches; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.IDEMPOTENCY["TTL_SECONDS"])
    expired = IdempotencyRecord.objects.filter(claimed_at__lt=cutoff).filter(
        Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True)
    )
    purged = 0
    while True:
        batch = list(expired.values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            return purged
        purged += IdempotencyRecord.objects.filter(pk__in=batch).delete()[0]
