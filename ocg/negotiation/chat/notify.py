"""Who is in a chat right now, and the mail an offline party gets when a message arrives.

Presence is a short-lived cache key per order and user, set when a socket joins and refreshed by each pass of
the token checks (every CHAT_AUTH_CHECK_SECONDS); a socket leaving drops it, and another socket of the same user
sets it again at its next check. The cache is Redis when REDIS_URL is set, so every server process sees it.

The mail says that a message is waiting, never what it says: chat text stays in the chat table alone, so
deleting it deletes it everywhere. It goes out at most once per conversation and recipient per
CHAT_OFFLINE_EMAIL_EVERY_SECONDS (`cache.add` is atomic, so two processes never both send), through a
Celery task and Django's email backend. A socket that found every other party online looks again only after
CHAT_AUTH_CHECK_SECONDS, so a party who left within that time is mailed from the next message after it.
Chat text must not reach Kafka, so the orders' Kafka-fed notification consumer is not the way in.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core.cache import cache

from ocg.negotiation.chat import access

PREFIX = "ocg:chat:"


def presence_key(order_id: UUID | str, user_id: UUID | str) -> str:
    return f"{PREFIX}online:{order_id}:{user_id}"


def presence_ttl() -> float:
    return 3 * settings.CHAT_AUTH_CHECK_SECONDS + 1


def here(order_id: UUID | str, user_id: UUID | str) -> None:
    cache.set(presence_key(order_id, user_id), 1, timeout=presence_ttl())


def here_many(pairs: list[tuple[UUID, UUID]]) -> None:
    """Refresh many sockets' presence in one round trip."""
    if pairs:
        cache.set_many({presence_key(order_id, user_id): 1 for order_id, user_id in pairs}, timeout=presence_ttl())


def gone(order_id: UUID | str, user_id: UUID | str) -> None:
    cache.delete(presence_key(order_id, user_id))


def mail_key(order_id: UUID | str, user_id: UUID | str) -> str:
    return f"{PREFIX}mailed:{order_id}:{user_id}"


def notify_offline(order_id: UUID, author_id: UUID | None, parties: tuple[UUID, UUID]) -> list[UUID] | None:
    """Schedule a mail for each party other than the author with no open socket; return whom (None: every
    other party is online, so a socket may skip this check until the presence it saw could have lapsed)."""
    from ocg.negotiation.chat.tasks import send_offline_notice

    others = [party for party in parties if party != author_id]
    online = cache.get_many([presence_key(order_id, party) for party in others])
    if len(online) == len(others):
        return None
    scheduled = []
    for party in others:
        if presence_key(order_id, party) in online:
            continue
        if cache.add(mail_key(order_id, party), 1, timeout=settings.CHAT_OFFLINE_EMAIL_EVERY_SECONDS):
            send_offline_notice.delay(str(order_id), str(party))
            scheduled.append(party)
    return scheduled


ROLES_BY_NAME = {access.CUSTOMER: "the customer", access.DESIGNER: "the designer", access.STAFF: "our staff"}
