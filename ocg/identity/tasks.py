from celery import shared_task

from ocg.identity.challenges import start_sign_in


@shared_task(ignore_result=True)
def deliver_sign_in(email: str) -> None:
    """Queued by every passwordless request; does the account-dependent work out of the request's sight."""
    start_sign_in(email)
