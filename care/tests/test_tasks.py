"""The care tasks on a real Celery worker through Redis: the beat's scan task, and a notification email
whose first delivery fails — retried, it is sent once."""

import time

import pytest

from care.models import Escalation, Notification
from care.tasks import sla_scan
from conftest import celery_worker

from .helpers import at, dispatched, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_scan_task_runs_on_a_worker_and_a_failed_email_is_retried_and_sent_once(tmp_path):
    world = make_world()
    dispatched(world, now=at(2026, 11, 20, 10, 0), start=at(2026, 11, 20, 14, 0))  # long breached
    env = {"TEST_EMAIL_BACKEND": "care.tests.flaky_email.EmailBackend", "FLAKY_EMAIL_DIR": str(tmp_path)}
    with celery_worker(env, name="care"):
        result = sla_scan.delay().get(timeout=60)
        assert result == {"due": 0, "breached": 4, "escalations_created": 12}
        # A second scan (the next beat) finds nothing new.
        assert sla_scan.delay().get(timeout=60) == {"due": 0, "breached": 0, "escalations_created": 0}
        wanted = Notification.objects.filter(user__email__gt="").count()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Notification.objects.filter(emailed_at__isnull=True, user__email__gt="").exists():
                break
            time.sleep(0.3)
    assert (tmp_path / "failed-once").exists()  # the first delivery did fail
    lines = (tmp_path / "sent.log").read_text().splitlines()
    assert len(lines) == wanted and len(set(lines)) == wanted  # each notification emailed exactly once
    assert Notification.objects.filter(emailed_at__isnull=True, user__email__gt="").count() == 0
    assert Escalation.objects.count() == 12
    recipients = sorted({line.split("\t")[0] for line in lines})
    assert recipients == ["mgr@example.com", "sup@example.com", "tech@example.com"]


def test_a_worker_killed_in_the_middle_of_sending_loses_nothing(tmp_path):
    """acks_late: the email task's message stays with the broker until the task is done. The worker is
    killed (SIGKILL) while the mail server hangs; another worker gets the message back and sends each
    email once."""
    world = make_world()
    dispatched(world, now=at(2026, 11, 20, 10, 0), start=at(2026, 11, 20, 14, 0))
    env = {
        "TEST_EMAIL_BACKEND": "care.tests.flaky_email.EmailBackend",
        "FLAKY_EMAIL_DIR": str(tmp_path),
        "TEST_VISIBILITY_TIMEOUT": "3",
    }
    procs: list = []
    with celery_worker({**env, "FLAKY_EMAIL_HANG": "1"}, name="care-killed", procs=procs):
        assert sla_scan.delay().get(timeout=60)["escalations_created"] == 12
        deadline = time.monotonic() + 60
        while not (tmp_path / "hang-once").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (tmp_path / "hang-once").exists()  # the email task is running, stuck on the mail server
        procs[0].kill()
        procs[0].wait()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0
    wanted = Notification.objects.filter(user__email__gt="").count()
    with celery_worker(env, name="care-rescue", purge=False):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not Notification.objects.filter(emailed_at__isnull=True, user__email__gt="").exists():
                break
            time.sleep(0.5)
    lines = (tmp_path / "sent.log").read_text().splitlines()
    assert len(lines) == wanted and len(set(lines)) == wanted
