"""Fixtures of the closing_proof tests."""

from __future__ import annotations

import pytest

from aftersales import sms
from network.factories import ServiceCenterFactory, UserFactory


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()


@pytest.fixture
def world(users):
    other = ServiceCenterFactory(code="SC-Z", name="丙网点")
    other_supervisor = UserFactory(username="sup_z", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    return {**users, "tech": users["technician"].technician, "other_supervisor": other_supervisor}


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process (a worker's work, without the worker)."""
    from aftersales.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
