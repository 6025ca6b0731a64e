"""Reads that can move (aftersales.dbrouting): with a replica configured, the reports, dashboards, exports and
the API's lists read from it; writes, reads in a transaction and the reads of a user who just wrote stay on
the primary. Without one, everything is read from the primary.

The tests' replica is the test database itself behind a second connection whose sessions are read-only
(settings_test): a read sent there is seen on that connection, a write sent there would fail. The tests
commit (transaction=True), as a replica only sees committed rows."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.dbrouting import ROUTER, pin_key
from insight.models import ManualCost, RatesMonth
from integrations.services import api_key_create
from network.factories import DealerFactory, UserFactory
from repairs.factories import ProductCategoryFactory, ProductUnitFactory, WorkOrderFactory

ROUTED = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
ROOT = Path(__file__).resolve().parent.parent
# What the primary reads for every signed-in request before the view runs: the session, the user, their roles.
SIGN_IN = {"django_session", "auth_user", "auth_group"}


class Queries:
    """The statements each connection ran during the block."""

    def __enter__(self):
        self._primary = CaptureQueriesContext(connections["default"]).__enter__()
        self._replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self._replica.__exit__(*exc)
        self._primary.__exit__(*exc)

    @staticmethod
    def _tables(captured) -> set[str]:
        return {q["sql"].split('FROM "', 1)[1].split('"', 1)[0] for q in captured if 'FROM "' in q["sql"]}

    @property
    def primary(self) -> list[str]:
        return [q["sql"] for q in self._primary.captured_queries]

    @property
    def replica(self) -> list[str]:
        return [q["sql"] for q in self._replica.captured_queries]

    @property
    def primary_tables(self) -> set[str]:
        return self._tables(self._primary.captured_queries)

    @property
    def replica_tables(self) -> set[str]:
        return self._tables(self._replica.captured_queries)


def _signed_in(client, user):
    cache.delete(pin_key(user.pk))  # no pin left in Redis by an earlier run with the same id
    client.force_login(user)
    return client


@ROUTED
def test_reports_and_api_lists_read_the_replica_forms_and_transactions_the_primary_a_writer_its_writes(
    client, settings
):
    """One test, as each test of the replica commits and so pays for emptying the database afterwards."""
    manager = _signed_in(client, UserFactory(roles=["manager"]))
    category = ProductCategoryFactory()

    # Without the router (no DATABASE_REPLICA_URL) the dashboard reads the primary only.
    settings.DATABASE_ROUTERS = []
    with Queries() as unrouted:
        assert manager.get("/network/dashboard/").status_code == 200
    assert unrouted.replica == [] and "repairs_workorder" in unrouted.primary_tables

    # With it, the dashboard's own reads go to the replica; who may see it is decided on the primary.
    settings.DATABASE_ROUTERS = [ROUTER]
    with Queries() as routed:
        assert manager.get("/network/dashboard/").status_code == 200
    assert {"repairs_workorder", "network_servicecenter"} <= routed.replica_tables
    assert routed.primary_tables <= SIGN_IN
    assert not [sql for sql in routed.replica if sql.split(None, 1)[0] in {"INSERT", "UPDATE", "DELETE"}]

    # In a transaction on the primary, the same page reads the primary.
    with transaction.atomic(), Queries() as in_transaction:
        assert manager.get("/network/dashboard/").status_code == 200
    assert in_transaction.replica == [] and "repairs_workorder" in in_transaction.primary_tables

    # A form (not marked) reads and writes the primary…
    with Queries() as saving:
        response = manager.post(
            "/insight/budget/costs/",
            {"month": "2026-10", "item": "hotline", "category": category.pk, "amount": "1200.00"},
        )
    assert response.status_code == 302, response.content
    assert saving.replica == []
    assert any(sql.startswith('INSERT INTO "insight_manualcost"') for sql in saving.primary)
    assert ManualCost.objects.get().amount == 1200

    # …and for the next seconds the writer's reports read the primary too (they show what was just saved),
    # while another manager's read the replica.
    with Queries() as writer:
        assert manager.get("/insight/budget/?month=2026-10").status_code == 200
    assert writer.replica == [] and "insight_manualcost" in writer.primary_tables
    other = _signed_in(client.__class__(), UserFactory(roles=["manager"]))
    with Queries() as reader:
        assert other.get("/insight/budget/?month=2026-10").status_code == 200
    assert "insight_manualcost" in reader.replica_tables and reader.primary_tables <= SIGN_IN

    # A report that keeps what it counts (the rates of a month never counted) counts on the replica, raw SQL
    # included, and keeps the figures on the primary.
    WorkOrderFactory()
    month = timezone.localdate().replace(day=1)
    with Queries() as counting:
        assert other.get(f"/insight/rates/?month={month:%Y-%m}").status_code == 200
    assert any("repairs_workorder" in sql and "GROUP BY" in sql for sql in counting.replica)
    assert any(sql.startswith('INSERT INTO "insight_ratesmonth"') for sql in counting.primary)
    assert RatesMonth.objects.filter(month=month).exists()

    _dealer_api_reads(client.__class__())


def _dealer_api_reads(client):
    """The dealer API's list reads the replica; one record, and the lists right after the dealer's own write,
    the primary."""
    dealer = DealerFactory()
    unit = ProductUnitFactory(dealer=dealer)
    key = api_key_create(dealer=dealer, name="门店系统")
    cache.delete(pin_key(key.api_key.principal.pk))
    api = {"HTTP_AUTHORIZATION": f"Api-Key {key.raw_key}"}

    with Queries() as listing:
        response = client.get("/api/v1/units/", **api)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [unit.pk]  # committed rows, as a replica has
    assert "repairs_productunit" in listing.replica_tables
    assert "repairs_productunit" not in listing.primary_tables  # the key is checked on the primary

    with Queries() as one:
        assert client.get(f"/api/v1/units/{unit.pk}/", **api).status_code == 200
    assert one.replica == [] and "repairs_productunit" in one.primary_tables

    # The dealer's system registers a webhook, then lists: its reads stay on the primary for a while.
    with Queries() as writing:
        created = client.post(
            "/api/v1/webhooks/", {"url": "https://1.1.1.1/hooks"}, content_type="application/json", **api
        )
    assert created.status_code == 201, created.content
    assert writing.replica == []
    with Queries() as after:
        assert client.get("/api/v1/units/", **api).status_code == 200
    assert after.replica == [] and "repairs_productunit" in after.primary_tables


def _settings_of(**env):
    """The production settings as a deployment's environment makes them (a fresh process, nothing from this one)."""
    code = (
        "import json; from django.conf import settings as s;"
        "from aftersales.dbrouting import ReplicaRouter, replica_reads;"
        "exec('with replica_reads(): read = ReplicaRouter().db_for_read(None)');"
        "r = s.DATABASES.get('replica');"
        "print(json.dumps({'routers': s.DATABASE_ROUTERS, 'read': read, 'replica': r and {"
        "'db': [r['NAME'], r['HOST'], r['PORT']], 'mirror': r['TEST']['MIRROR'], 'options': r['OPTIONS']}}))"
    )
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "aftersales.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_replica_comes_from_the_environment_and_without_it_everything_reads_the_primary():
    got = _settings_of()
    assert got == {"routers": [], "read": "default", "replica": None}

    got = _settings_of(DATABASE_REPLICA_URL="postgres://reader@replica.internal:5433/aftersales")
    assert got["routers"] == [ROUTER] and got["read"] == "replica"
    assert got["replica"] == {
        "db": ["aftersales", "replica.internal", 5433],
        "mirror": "default",  # tests never create a database on the replica's server
        "options": {"options": "-c default_transaction_read_only=on"},
    }
