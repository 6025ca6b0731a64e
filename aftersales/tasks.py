from celery import shared_task

from . import health


@shared_task(name="aftersales.tasks.ping")
def ping(payload: str = "pong") -> str:
    """Round trip through the broker and a real worker (used by tests and operators)."""
    return payload


@shared_task(name="aftersales.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    health.beat_heartbeat_record()
