"""Shared fixtures: factories, one user per role, a real Celery worker, the browser launch options."""

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
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


# The demo the tests read is seeded once per run and set of options (customers=200…), committed in a database
# of its own (CREATE DATABASE … TEMPLATE the migrated test database); each process that needs it copies it once
# (about a second), and each module runs in a transaction on that copy, rolled back at its end.
_DEMO_RUN = "AFTERSALES_TEST_DEMO_RUN"  # the run's id: set by the controller, inherited by xdist's workers
_demo_copies: dict[str, str] = {}  # options' key -> this process's copy of the seeded database


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist: a new run
        os.environ[_DEMO_RUN] = uuid.uuid4().hex[:8]


def pytest_unconfigure(config):
    """The controller drops the run's seeded databases and their copies, once every worker has ended."""
    if not hasattr(config, "workerinput") and _demo_dir().exists():
        like = _demo_prefix().replace("_", "\\_")
        names = _admin(f"SELECT datname FROM pg_database WHERE datname LIKE '{like}%'")
        _admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for (name,) in names))
        shutil.rmtree(_demo_dir(), ignore_errors=True)


def _demo_prefix() -> str:
    """The start of this run's seeded databases' names: the test database's name (without pytest-django's
    _gw0 suffix of an xdist worker), then the run's id (another run's are never touched)."""
    from django.conf import settings

    name, worker = settings.DATABASES["default"]["TEST"]["NAME"], os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name.removesuffix(f'_{worker}') if worker else name}_demo{os.environ.get(_DEMO_RUN, '')}_"


def _demo_dir() -> Path:
    """The run's seeded media files, and the locks by which one process seeds while another waits."""
    return Path(tempfile.gettempdir()) / _demo_prefix().rstrip("_")


def _admin(*statements: str) -> list:
    """Runs statements outside any transaction on the server's maintenance database; the last one's rows."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    rows = []
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
    finally:
        conn.close()
    return rows


@contextlib.contextmanager
def _on_database(name: str | None):
    """Django's connections (the default one and its read-replica mirror) on another database for a while."""
    from django.db import connections

    if name is None:
        yield
        return
    current = connections["default"].settings_dict["NAME"]
    moved = [connections[alias].settings_dict for alias in connections]
    moved = [d for d in moved if d["NAME"] == current]
    connections.close_all()
    for settings_dict in moved:
        settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        for settings_dict in moved:
            settings_dict["NAME"] = current


def _demo_database(key: str, options: dict) -> str:
    """This process's copy of the demo seeded with `options`, seeded by whichever process needs it first (the
    others wait on the lock), in one transaction whose after-commit callbacks are dropped, as those of the
    seed in a module's rolled-back transaction were."""
    import hashlib
    import io

    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, connections, transaction
    from django.test import override_settings

    if key in _demo_copies:
        return _demo_copies[key]
    run = _demo_dir()
    run.mkdir(exist_ok=True)
    seeded = f"{_demo_prefix()}{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    copy = f"{seeded}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with open(run / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (run / f"{key}.ready").exists():
            migrated = connection.settings_dict["NAME"]
            connections.close_all()  # a database is copied only while nobody is connected to it
            _admin(
                f'DROP DATABASE IF EXISTS "{seeded}" WITH (FORCE)',
                f'CREATE DATABASE "{seeded}" TEMPLATE "{migrated}"',
            )
            with _on_database(seeded), override_settings(MEDIA_ROOT=run / key), transaction.atomic():
                # The ids start where a migrated database's do, whatever the tests before took (rolled back,
                # but not their sequences): the same demo, ids included, in every run and on every worker.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(
                        no_style(), apps.get_models(include_auto_created=True)
                    ):
                        cursor.execute(sql)
                call_command("seed_demo", stdout=io.StringIO(), **options)
                connection.run_on_commit = []
            (run / f"{key}.ready").touch()
        _admin(
            f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)', f'CREATE DATABASE "{copy}" TEMPLATE "{seeded}"'
        )
    _demo_copies[key] = copy
    return copy


@contextlib.contextmanager
def demo_seeded_once(django_db_blocker, media_root, **options):
    """The demo seeded with `options` for a whole test module, inside a transaction rolled back at the end (each
    test then runs in a savepoint of it), its media files under `media_root`. The seed is made once per run
    and local day (its dates count from today) and shared by the modules; should its database not be made
    (another session on the test database, say), the module seeds the demo in its transaction itself."""
    import io

    import psycopg2
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings
    from django.utils import timezone

    key = "_".join(f"{name}{value}" for name, value in sorted(options.items())) or "default"
    key = f"{key}_{timezone.localdate():%Y%m%d}"
    with django_db_blocker.unblock():
        try:
            copy = _demo_database(key, options)
        except (psycopg2.Error, OSError) as exc:
            warnings.warn(
                f"the shared demo database was not made ({exc}): this module seeds its own", stacklevel=1
            )
            copy = None
        if copy is not None and (_demo_dir() / key).exists():
            shutil.copytree(_demo_dir() / key, media_root, dirs_exist_ok=True)
        with _on_database(copy), override_settings(MEDIA_ROOT=media_root):
            outer = transaction.atomic()
            outer.__enter__()
            try:
                if copy is None:
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
