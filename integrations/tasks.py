from celery import shared_task

from .models import WebhookDelivery


@shared_task(bind=True, max_retries=None, acks_late=True)
def webhook_deliver(self, delivery_id: int) -> bool:
    """Posts one webhook delivery; failed attempts are retried with exponential backoff."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .services import webhook_attempt, webhook_retry_countdown

    result = webhook_attempt(delivery_id=delivery_id)
    if result.retry:
        attempts = WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first()
        raise self.retry(countdown=webhook_retry_countdown(attempts=attempts or 1))
    return result.delivered


@shared_task
def idempotency_records_purge() -> int:
    """Deletes the Idempotency-Key records older than IDEMPOTENCY_TTL_HOURS."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .services import idempotency_records_purge as purge

    return purge()
