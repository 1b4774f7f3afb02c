"""Delivering recorded notifications through Django's email backend, each at most once as far as we can know.

No transaction can span our database and a mail server, so each mail goes through three steps:

1. claim: in its own transaction, the row moves `pending -> sending` (attempts + 1, claimed_at);
2. send: through the backend, outside any transaction;
3. settle: in its own transaction, `sending -> sent`, or back to `pending` (retry later), or `failed`.

A crash between 1 and 3 leaves the row `sending`: the server may or may not have accepted the mail.
That is the one ambiguous case, and it is resolved towards silence: once the claim is older than
the lease, the row becomes `unconfirmed`, is logged, and is never sent again automatically (an
operator may set it back to `pending`). Every attempt carries the same Message-ID, so a mailbox that
receives a mail twice can still tell the copies are one.

Failures are told apart by whose fault they are:
- the server as a whole (unreachable, disconnected, refusing our sender or credentials, 421): the
  row goes back to `pending` uncounted, and the caller pauses all delivery (SmtpUnavailable), so
  mails keep their order and none is given up because the server was down;
- this mail, for now (a 4xx for its recipient or data): retried with growing backoff, and `failed`
  after MAX_ATTEMPTS;
- this mail, for good (a 5xx for its recipient or data, or a mail that cannot be built): `failed`
  at once. A bad address therefore costs one attempt and blocks nothing behind it.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from ocg.orders.models import Notification
from ocg.orders.notifications.mail import email_message
from ocg.spine.errors import error_text

logger = logging.getLogger(__name__)

Status = Notification.Status

# Overridable with the ORDER_NOTIFICATIONS setting (a dict of these keys).
DEFAULTS: dict[str, Any] = {
    "MAX_ATTEMPTS": 8,
    "FIRST_RETRY_SECONDS": 60,
    "MAX_RETRY_SECONDS": 3600,
    # Longer than any send can take with the connection's timeout; a claim older than this was abandoned.
    "SENDING_LEASE_SECONDS": 900,
    "SMTP_TIMEOUT_SECONDS": 30,
    # One pass stops after this long, so a backlog never keeps its caller from its other duties.
    "PASS_SECONDS": 5.0,
}

SERVER, TRANSIENT, PERMANENT = "server", "transient", "permanent"


def option(name: str) -> Any:
    return getattr(settings, "ORDER_NOTIFICATIONS", {}).get(name, DEFAULTS[name])


class SmtpUnavailable(Exception):
    """The mail server as a whole failed; no mail is to blame, and delivery should pause."""


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)


def classify(error: BaseException) -> str:
    """Whose fault a send failure is: the server's, this mail's for now, or this mail's for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return PERMANENT if codes and all(code >= 500 for code in codes) else TRANSIENT
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError):
        return SERVER
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code == 421:
            return SERVER
        return PERMANENT if error.smtp_code >= 500 else TRANSIENT
    # SMTPServerDisconnected, SMTPConnectError, refused connections, timeouts, TLS errors.
    if isinstance(error, OSError):
        return SERVER
    return PERMANENT


def retry_delay(attempts: int) -> timedelta:
    seconds = option("FIRST_RETRY_SECONDS") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, option("MAX_RETRY_SECONDS")))


def give_up_abandoned(report: DeliveryReport) -> None:
    """Claims older than the lease were never settled: whether they left is unknown, so they are not resent."""
    cutoff = timezone.now() - timedelta(seconds=option("SENDING_LEASE_SECONDS"))
    with transaction.atomic():
        stale = list(
            Notification.objects.select_for_update(skip_locked=True).filter(
                status=Status.SENDING, claimed_at__lt=cutoff
            )
        )
        for row in stale:
            logger.error(
                "notifications: %s %s to %s was claimed at %s and never confirmed sent; not resending it",
                row.kind,
                row.pk,
                row.recipient,
                row.claimed_at.isoformat(),
            )
            row.status = Status.UNCONFIRMED
            row.last_error = "claimed for sending and never confirmed; the server may or may not have it"
            row.save(update_fields=["status", "last_error"])
            report.unconfirmed.append(row.pk)


def claim_next(tried: Collection[int] = ()) -> Notification | None:
    """The oldest due mail not in `tried`, moved to `sending` in its own transaction; rows other senders
    hold are skipped."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .exclude(pk__in=tried)
            .order_by("id")
            .first()
        )
        if row is None:
            return None
        row.status = Status.SENDING
        row.attempts += 1
        row.claimed_at = now
        row.save(update_fields=["status", "attempts", "claimed_at"])
    return row


def _settle(row: Notification, **values: Any) -> None:
    """Only a row still in our claim is settled; one given up meanwhile stays as it is."""
    updated = Notification.objects.filter(pk=row.pk, status=Status.SENDING, claimed_at=row.claimed_at).update(**values)
    if not updated:
        logger.warning("notifications: %s %s was no longer ours to settle", row.kind, row.pk)


def mark_sent(row: Notification) -> None:
    _settle(row, status=Status.SENT, sent_at=timezone.now(), claimed_at=None, last_error="")


def release(row: Notification, error: BaseException) -> None:
    """The server failed, not the mail: back to pending, the attempt uncounted."""
    _settle(row, status=Status.PENDING, attempts=row.attempts - 1, claimed_at=None, last_error=error_text(error))


def settle_failure(row: Notification, error: BaseException, verdict: str, report: DeliveryReport) -> None:
    text = error_text(error)
    if verdict == PERMANENT or row.attempts >= option("MAX_ATTEMPTS"):
        logger.error("notifications: %s %s to %s failed for good: %s", row.kind, row.pk, row.recipient, text)
        _settle(row, status=Status.FAILED, claimed_at=None, last_error=text)
        report.failed.append(row.pk)
        return
    logger.warning(
        "notifications: %s %s to %s failed (attempt %s), retrying: %s",
        row.kind,
        row.pk,
        row.recipient,
        row.attempts,
        text,
    )
    _settle(
        row,
        status=Status.PENDING,
        claimed_at=None,
        last_error=text,
        next_attempt_at=timezone.now() + retry_delay(row.attempts),
    )
    report.retrying.append(row.pk)


def open_connection() -> BaseEmailBackend:
    connection = get_connection(fail_silently=False, timeout=option("SMTP_TIMEOUT_SECONDS"))
    connection.open()
    return connection


def deliver_due() -> DeliveryReport:
    """Try every due mail once, oldest first, for at most PASS_SECONDS; SmtpUnavailable if the server fails."""
    report = DeliveryReport()
    tried: set[int] = set()
    give_up_abandoned(report)
    deadline = time.monotonic() + option("PASS_SECONDS")
    connection: BaseEmailBackend | None = None
    try:
        while time.monotonic() < deadline:
            row = claim_next(tried)
            if row is None:
                break
            tried.add(row.pk)
            if connection is None:
                try:
                    connection = open_connection()
                except Exception as error:
                    release(row, error)
                    raise SmtpUnavailable(error_text(error)) from error
            try:
                email_message(row, connection).send()
            except Exception as error:
                verdict = classify(error)
                if verdict == SERVER:
                    release(row, error)
                    raise SmtpUnavailable(error_text(error)) from error
                settle_failure(row, error, verdict, report)
                continue
            mark_sent(row)
            report.sent.append(row.pk)
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception as error:  # a connection that already broke has nothing left to close
                logger.debug("notifications: closing the mail connection: %s", error_text(error))
    return report
