import time

import pytest

from aftersales import health
from aftersales.celery import app
from aftersales.tasks import beat_heartbeat, ping

pytestmark = pytest.mark.django_db


def test_a_task_runs_on_a_real_worker_through_redis(celery_worker_process):
    result = ping.delay("你好")
    assert result.get(timeout=30) == "你好"
    assert result.successful()


def test_beat_heartbeat_runs_on_the_worker_and_shows_in_health(celery_worker_process):
    health._redis_client().delete(health.BEAT_KEY)
    assert health.check_beat()["last_tick_seconds_ago"] is None
    beat_heartbeat.delay()
    # The task ignores its result; wait until the worker has recorded the tick.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        age = health.check_beat()["last_tick_seconds_ago"]
        if age is not None and age < 30:
            break
        time.sleep(0.2)
    assert age is not None and age < 30


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task {entry['task']}"


def test_healthz_is_200_when_database_redis_and_a_worker_are_up(client, celery_worker_process):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert celery_worker_process in body["checks"]["celery"]["workers"]
