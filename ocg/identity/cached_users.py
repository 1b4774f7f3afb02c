"""Users as token checks need them, from the cache: a signed-in request then costs no database query.

Every save or delete of a User drops its entry at once and again after the transaction commits;
`revoke_all_tokens`, the one queryset update, does the same. A short TTL bounds what a read racing
a commit could leave behind.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ocg.identity.models import User

TTL_SECONDS = 60


def cache_key(user_id: Any) -> str:
    return f"identity:user:{user_id}"


def load(user_id: uuid.UUID, cached: User | None) -> User | None:
    """The user from `cached` (fetched by the caller with its other keys), else from the database."""
    if isinstance(cached, User):
        return cached
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        cache.set(cache_key(user_id), user, TTL_SECONDS)
    return user


def forget(user_id: Any) -> None:
    key = cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def forget_changed_user(sender: type[User], instance: User, **kwargs: Any) -> None:
    forget(instance.pk)
