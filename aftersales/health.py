"""The checks behind /healthz: database, Redis, Celery workers (and beat's last tick, for information)."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connections

from aftersales.celery import app


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

    timeout = settings.HEALTH_CELERY_TIMEOUT if timeout is None else timeout
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=conn)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "workers": [], "error": type(exc).__name__}
    workers = sorted(name for reply in replies for name in reply)
    return {"ok": bool(workers), "workers": workers}


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
