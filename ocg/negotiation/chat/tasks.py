"""The chat's Celery tasks: the expiry job (beat) and the "new message" mail to an offline party."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ocg.identity import queries as identity
from ocg.negotiation.chat.groups import order_group, send
from ocg.negotiation.models import ChatMessage, ChatReadReceipt, ExpiredChat
from ocg.orders import queries as orders

logger = logging.getLogger(__name__)
BATCH = 500


@shared_task(ignore_result=True)
def expire_chats(now: datetime | None = None) -> int:
    """Delete the chat of every order completed or cancelled more than CHAT_RETENTION_HOURS ago; return how many
    messages went.

    Only orders that still have chat rows are looked at, so a run is cheap and running it again deletes nothing
    more. Each order's deletion and its `ExpiredChat` record (how many rows went) commit together; the
    order's open sockets are then told and closed. The price history stays in the negotiation's events.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.CHAT_RETENTION_HOURS)
    deleted = 0
    candidates = list(ChatMessage.objects.values_list("order_id", flat=True).distinct()[:BATCH])
    candidates += list(
        ChatReadReceipt.objects.exclude(order_id__in=candidates).values_list("order_id", flat=True).distinct()[:BATCH]
    )
    for order_id, finished_at in orders.finished_among(candidates, before=cutoff).items():
        deleted += expire_one(order_id, finished_at, now)
    if deleted:
        logger.info("deleted %d chat message(s) of finished orders", deleted)
    return deleted


def expire_one(order_id: UUID, finished_at: datetime, now: datetime) -> int:
    with transaction.atomic():
        messages, _ = ChatMessage.objects.filter(order_id=order_id).delete()
        receipts, _ = ChatReadReceipt.objects.filter(order_id=order_id).delete()
        record, created = ExpiredChat.objects.select_for_update().get_or_create(
            order_id=order_id,
            defaults={
                "finished_at": finished_at,
                "expired_at": now,
                "deleted_messages": messages,
                "deleted_receipts": receipts,
            },
        )
        if not created:
            record.deleted_messages += messages
            record.deleted_receipts += receipts
            record.expired_at = now
            record.save(update_fields=["deleted_messages", "deleted_receipts", "expired_at"])
    send(order_group(order_id), {"type": "chat.expired"})
    return messages


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def send_offline_notice(order_id: str, recipient_id: str) -> bool:
    """Tell an order's party that a chat message is waiting: the order's number, never the message."""
    email = identity.contact_email(UUID(recipient_id))
    order = orders.order(UUID(order_id))
    if email is None or order is None:
        return False
    send_mail(
        subject=f"New message about order {order.number}",
        message=(
            f"You have a new message in the chat of order {order.number}.\n"
            "Sign in to your order page to read it and reply.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    return True
