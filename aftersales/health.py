"""The checks behind /healthz: database, Redis, Celery workers and the queues they read (and beat's last tick,
for information)."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connections

from aftersales.celery import QUEUES, app


def beat_key() -> str:
    """Beat's last tick, under this installation's CACHE_KEY_PREFIX: another installation's beat on the same
    Redis does not make this one's look alive."""
    return f"{settings.CACHE_KEY_PREFIX}:beat:last_tick"


BEAT_KEY = beat_key()  # as configured at start


def _redis_client():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def check_database(alias: str = "default") -> dict:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported as text
        connections[alias].close()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_redis() -> dict:
    try:
        _redis_client().ping()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_celery(timeout: float | None = None) -> dict:
    """The workers that answer, and for each queue (aftersales.celery.QUEUES) the workers that read it: ok when
    every queue has one. A queue nobody reads is a job that never runs (no SLA scan on `clock`, no SMS on
    `notify`), however many other workers answer."""
    timeout = settings.HEALTH_CELERY_TIMEOUT if timeout is None else timeout
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=conn)
            workers = sorted(name for reply in replies for name in reply)
            # Asked of the workers that answered only: the reply is back as soon as each has given it.
            active = (
                app.control.inspect(destination=workers, timeout=timeout, connection=conn).active_queues()
                if workers
                else None
            ) or {}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "workers": [], "error": type(exc).__name__}
    queues = {
        queue: sorted(worker for worker, read in active.items() if queue in {q["name"] for q in read})
        for queue in QUEUES
    }
    return {"ok": bool(workers) and all(queues.values()), "workers": workers, "queues": queues}


def beat_heartbeat_record(now: float | None = None) -> None:
    _redis_client().set(beat_key(), str(now if now is not None else time.time()), ex=3600)


def check_beat() -> dict:
    """Informational: seconds since beat last ran its heartbeat, None when never seen."""
    try:
        raw = _redis_client().get(beat_key())
    except Exception as exc:  # noqa: BLE001
        return {"last_tick_seconds_ago": None, "error": type(exc).__name__}
    if raw is None:
        return {"last_tick_seconds_ago": None}
    return {"last_tick_seconds_ago": round(time.time() - float(raw), 1)}


def health_report() -> tuple[bool, dict]:
    checks = {
        "database": check_database(),
        "redis": check_redis(),
        "celery": check_celery(),
    }
    healthy = all(c["ok"] for c in checks.values())
    checks["beat"] = check_beat()
    return healthy, {"status": "ok" if healthy else "error", "checks": checks}
