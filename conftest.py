"""Shared fixtures: factories, one user per role, a real Celery worker, the browser launch options."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from network.factories import (
    DealerFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
)
from repairs.factories import ProductUnitFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are still
# synchronous and safe (pytest-django's live_server documentation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def english(settings):
    """The site in English for one test — its default language for pages, and the services' messages —
    for tests that read the English wording of a message (the Chinese is checked by the i18n tests)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def center_factory(db):
    return ServiceCenterFactory


@pytest.fixture
def technician_factory(db):
    return TechnicianFactory


@pytest.fixture
def dealer_factory(db):
    return DealerFactory


@pytest.fixture
def unit_factory(db):
    return ProductUnitFactory


@pytest.fixture
def reference_data(db):
    """Transactional and live-server tests flush the database after each test, and with it what the data
    migrations shipped (the catalogue, symptoms, fault codes, 三包 policies, SLA defaults, remedy checklists): state it again,
    as a migrated database has it. Modules of such tests use it with pytest.mark.usefixtures."""
    from care.defaults import defaults_sync
    from care.models import SlaPolicy, WorkCalendar
    from remedies.defaults import default_checklists_sync
    from remedies.models import ChecklistItem
    from repairs.models import Component, FaultCode, FaultSymptom, LabourRate, ProductCategory
    from repairs.reference import catalogue_sync, fault_codes_sync, symptoms_sync
    from warranty.defaults import default_policies_sync
    from warranty.models import ComponentPeriod, WarrantyPolicy

    catalogue_sync(ProductCategory, Component)
    symptoms_sync(ProductCategory, FaultSymptom, LabourRate)
    fault_codes_sync(ProductCategory, FaultCode)
    default_policies_sync(WarrantyPolicy, ComponentPeriod, ProductCategory, Component)
    defaults_sync(WorkCalendar, SlaPolicy)
    default_checklists_sync(ChecklistItem, ProductCategory)


@pytest.fixture
def users(db):
    """One user per role. The supervisor runs centre A, the technician works there, the dealer owns dealer A."""
    center = ServiceCenterFactory(code="SC-A", name="甲网点")
    supervisor = UserFactory(username="sup_a", roles=["supervisor"])
    center.supervisors.add(supervisor)
    technician = TechnicianFactory(user=UserFactory(username="tech_a", roles=["technician"]), center=center)
    dealer = DealerFactory(code="DL-A", name="甲经销商")
    dealer_user = UserFactory(username="dealer_a", roles=["dealer"])
    dealer.users.add(dealer_user)
    return {
        "dispatcher": UserFactory(username="disp", roles=["dispatcher"]),
        "technician": technician.user,
        "supervisor": supervisor,
        "manager": UserFactory(username="mgr", roles=["manager"]),
        "dealer": dealer_user,
        "nobody": UserFactory(username="norole"),
        "center": center,
        "dealer_obj": dealer,
    }


def _wait_for_worker(app, hostname: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5)
        if any(hostname in reply for reply in replies):
            return
    raise RuntimeError(f"Celery worker {hostname} did not answer within {timeout} s")


@contextlib.contextmanager
def celery_worker(
    extra_env: dict | None = None, name: str = "pytest", *, purge: bool = True, procs=None, queues: str = ""
):
    """A real `celery worker` process on the test Redis database, using the test PostgreSQL database;
    `extra_env` reaches its settings (a test's email backend, for instance). The queues are emptied first
    unless purge=False; the process is appended to `procs` for a test that kills it. It reads every queue
    (aftersales.celery.QUEUES), or those named in `queues` ("documents", "clock,notify") as `-Q` says."""
    from django.conf import settings

    from aftersales.celery import app

    if purge:
        app.control.purge()
    db = settings.DATABASES["default"]
    hostname = f"{name}-{os.getpid()}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        **(extra_env or {}),
    }
    env.pop("PYTEST_XDIST_WORKER", None)  # REDIS_URL above is already this xdist worker's own database
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aftersales",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            "--hostname",
            hostname,
            *(["--queues", queues] if queues else []),
        ],
        cwd=ROOT,
        env=env,
    )
    if procs is not None:
        procs.append(proc)
    try:
        _wait_for_worker(app, hostname)
        yield hostname
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def demo_seeded_once(django_db_blocker, media_root, **options):
    """The demo seeded for a whole test module, inside a transaction rolled back at the end (each test then
    runs in a savepoint of it)."""
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO(), **options)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker):
    with celery_worker() as hostname:
        yield hostname


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright: Debian's Chromium, never a downloaded browser."""
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def artifacts_dir():
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last. Once Playwright's sync API has started, the test code runs in another
    context, and Django opens a second database connection for it; tests after that would leave it
    open and block dropping the test database."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
