"""The queues that keep the clock (aftersales/celery.py): every task has its queue, /healthz names the workers
of each queue, and the SLA scan beat sends every minute runs within seconds while the documents worker has
hundreds of jobs to go. Real PostgreSQL, Redis and Celery workers, one per queue as scripts/run.sh starts them."""

import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.conf import settings

from aftersales.celery import CLOCK, DOCUMENTS, NOTIFY, QUEUES, TASK_QUEUES, app
from care.tasks import sla_scan
from conftest import celery_worker
from integrations.throttling import redis_client
from office.tasks import coverage_gaps_refresh_daily

STORM = 300


def _waiting(queue: str) -> int:
    """Messages no worker has taken yet from this installation's `queue`."""
    return redis_client().llen(f"{settings.CACHE_KEY_PREFIX}:{queue}")


@pytest.fixture(scope="module")
def queue_workers(django_db_setup, django_db_blocker):
    """One worker per queue (the documents one runs one job at a time), queues emptied first. The three start
    side by side (each takes seconds to load Django) and stop side by side."""
    app.control.purge()
    workers = {queue: celery_worker(name=queue, queues=queue, purge=False) for queue in QUEUES}
    with ThreadPoolExecutor(len(workers)) as pool:
        started = {queue: pool.submit(worker.__enter__) for queue, worker in workers.items()}
        wait(started.values())
        running = [workers[queue] for queue, future in started.items() if future.exception() is None]
        try:
            yield {queue: future.result() for queue, future in started.items()}
        finally:
            app.control.purge()  # what the storm left behind
            wait([pool.submit(worker.__exit__, None, None, None) for worker in running])


def test_every_task_of_the_project_is_routed_to_one_of_the_three_queues():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours - set(TASK_QUEUES) == set(), "a task without a queue in aftersales.celery.TASK_QUEUES"
    assert set(TASK_QUEUES) - ours == set(), "a queue given to a task that does not exist"
    for name in ours:
        assert app.amqp.router.route({}, name)["queue"].name == TASK_QUEUES[name] in QUEUES
    # What must keep its minute is on the clock; what sends, on notify; files and recounts, on documents.
    timed = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {name for name in timed if TASK_QUEUES[name] == CLOCK} >= {
        "care.tasks.sla_scan",
        "aftersales.tasks.beat_heartbeat",
        "inspections.tasks.inspections_plan_daily",
    }
    assert TASK_QUEUES["network.tasks.settlements_zip_build"] == DOCUMENTS
    assert TASK_QUEUES["repairs.tasks.confirmation_code_send"] == NOTIFY


@pytest.mark.django_db
def test_healthz_names_the_workers_of_each_queue_and_fails_when_a_queue_has_none(client, queue_workers):
    body = client.get("/healthz").json()
    assert body["status"] == "ok", body
    assert body["checks"]["celery"]["queues"] == {queue: [queue_workers[queue]] for queue in QUEUES}

    # The notify worker stops reading its queue: it still answers, but nobody sends the SMS any more.
    notify = queue_workers[NOTIFY]
    app.control.cancel_consumer(NOTIFY, destination=[notify], reply=True)
    try:
        response = client.get("/healthz")
        celery = response.json()["checks"]["celery"]
        assert response.status_code == 503
        assert notify in celery["workers"] and celery["queues"][NOTIFY] == []
        assert celery["queues"][CLOCK] == [queue_workers[CLOCK]]
    finally:
        app.control.add_consumer(NOTIFY, destination=[notify], reply=True)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db  # the workers' database: the test database exists once a test asks for it
def test_the_sla_scan_keeps_its_minute_while_the_documents_worker_has_hundreds_to_go(queue_workers):
    # A storm of documents-queue jobs (the coverage gaps' recount, a real task by its real route), the
    # documents worker taking them one at a time.
    with app.producer_or_acquire() as producer:
        for _ in range(STORM):
            coverage_gaps_refresh_daily.apply_async(producer=producer)
    deadline = time.monotonic() + 30
    while _waiting(DOCUMENTS) == STORM and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting(DOCUMENTS) < STORM, "the documents worker took nothing"

    # As beat sends it (its entry's options, expires=55), and once more on the documents queue, as the one
    # shared queue of before would have carried it.
    options = app.conf.beat_schedule["care-sla-scan"]["options"]
    sent = time.monotonic()
    scan = sla_scan.apply_async(**options)
    behind_the_storm = sla_scan.apply_async(**options, queue=DOCUMENTS)
    figures = scan.get(timeout=60)
    took = time.monotonic() - sent

    assert set(figures) >= {"due", "breached", "escalations_created"}
    waiting = _waiting(DOCUMENTS)
    assert took < 10, f"the scan took {took:.1f} s"
    assert waiting > STORM / 2, f"only {waiting} document jobs were still waiting"
    assert not behind_the_storm.ready()
