"""The spine's periodic jobs (scheduled by CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from ocg.spine.idempotency import purge_expired


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Forgets idempotency keys past their TTL; a key sent again after that runs as a new request."""
    return purge_expired()
