"""The payment audit trail as CSV, streamed: rows are written as they are read, so an export of a year's trail
never sits whole in memory or holds a request past the proxy's timeout before its first byte."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from ocg.payments.models import PaymentAuditEntry

HEADER = [
    "at",
    "kind",
    "payment_id",
    "version",
    "order_id",
    "customer_id",
    "actor_id",
    "provider",
    "amount",
    "currency",
    "refund_id",
    "provider_payment_id",
    "provider_refund_id",
    "provider_event_id",
    "details",
]
CHUNK = 2000
# A spreadsheet runs a cell that starts with one of these as a formula; client text (a refund's reason) could.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose `write` hands the line back, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def details_text(details: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(details.items()))


def row_of(entry: PaymentAuditEntry) -> list[str]:
    money = entry.amount_money
    return [
        cell(value)
        for value in (
            entry.at.isoformat(),
            entry.kind,
            entry.payment_id,
            entry.version,
            entry.order_id,
            entry.customer_id,
            entry.actor_id,
            entry.provider,
            money.amount if money is not None else None,
            entry.currency,
            entry.refund_id,
            entry.provider_payment_id,
            entry.provider_refund_id,
            entry.provider_event_id,
            details_text(entry.details),
        )
    ]


def lines(entries: Iterable[PaymentAuditEntry]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(HEADER)
    for entry in entries:
        yield writer.writerow(row_of(entry))


def streamed(entries: QuerySet, filename: str) -> StreamingHttpResponse:
    """The entries in the queryset's order, read from the database a chunk at a time."""
    response = StreamingHttpResponse(lines(entries.iterator(chunk_size=CHUNK)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
