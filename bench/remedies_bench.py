"""Benchmark: the manager's approval queue (/remedies/?view=queue) and the out-of-box and refurbishment rates
(/remedies/rates/) at 1,000,000 work orders and 50,000 remedy requests.

Runs against a database of its own, `aftersales_remediesbench` (BENCH_REMEDIES_DATABASE_URL), and Redis
database 12 (BENCH_REMEDIES_REDIS_URL). When the database holds fewer than 900,000 work orders it is built
first by bench/seed_scale.py (a fresh database, `seed_demo`, then `seed_demo --scale 1000000`: 1,000,000
customers each with a unit, a repair call and its work order; about 8 minutes on 2 cores); pending
migrations are applied. Then, when the bench's remedies are not there (or `--fresh-remedies`), they are
inserted in bulk (bulk_create, one transaction, then ANALYZE) on the scale customers' units:

- 50,000 remedy requests (numbers TB…), each on a 三包 decision stored for its unit, with its opening
  event: 30,000 granted by the sale windows, 4,000 out-of-box exchanges, 6,000 after two repairs, 4,000
  for a repairer's delay (charged to the work order's centre), 2,000 for the maker's parts, 4,000 goodwill;
  40,000 done (exchanges with their replacement unit, returns with their refund), 2,000 awaiting the
  manager (opened over the last 8 days, due 3 working days later: some overdue), 1,000 approved, 1,000
  waiting for stock, 3,000 rejected, 3,000 cancelled;
- 5,000 out-of-box checks on units sold in the last six months: 4,000 approved (each with its exchange and,
  once done, the dealer's credit), 1,000 rejected with the items missing;
- 10,000 refurbishments of units taken back: the older ones restocked or scrapped, the recent ones
  received, inspected, repaired or tested.

Measured in-process through Django's test Client logged in as the demo manager (the full middleware stack,
settings aftersales.settings, DEBUG off), each page REQUESTS times (default 100) after three warm-ups: median
and p99 server time and the SQL queries of one request. Target: median and p99 under 200 ms; a page over it
gets its slowest query explained (EXPLAIN (ANALYZE, BUFFERS)). Results go to bench/results/remedies_bench.json
(not committed).

Usage: .venv/bin/python bench/remedies_bench.py [--requests 100] [--fresh-remedies]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_REMEDIES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_remediesbench"
)
TARGET_MS = 200
MIN_ORDERS = 900_000
REQUESTS, DOA_CHECKS, DOA_APPROVED, REFURBISHMENTS = 50_000, 5_000, 4_000, 10_000
# (basis, how many, remedies to draw from, who pays); the window bases and out-of-box are approved at once.
BASES = [
    ("window.return", 12_000, ("return", "exchange"), "seller"),
    ("window.exchange", 18_000, ("exchange",), "seller"),
    ("doa", DOA_APPROVED, ("exchange",), "seller"),
    ("two_repairs", 6_000, ("exchange", "exchange", "return"), "seller"),
    ("delay.repairer", 4_000, ("exchange",), "repairer"),
    ("delay.parts_supply", 2_000, ("exchange",), "maker"),
    ("goodwill", 4_000, ("exchange", "exchange", "exchange", "return"), "maker"),
]
AUTOMATIC = {"window.return", "window.exchange", "doa"}
# Statuses apart from done, out of the requests approved at once and those the manager decides.
AUTO_STATUSES = {"cancelled": 2_000, "approved": 500, "waiting_stock": 500}
MANAGER_STATUSES = {"awaiting_approval": 2_000, "rejected": 3_000, "cancelled": 1_000, "approved": 500, "waiting_stock": 500}  # fmt: skip
WARM_UP = 3

os.environ.update(
    DATABASE_URL=DB_URL,
    BENCH_DATABASE_URL=DB_URL,  # for bench/seed_scale.py
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    REDIS_URL=os.environ.get("BENCH_REMEDIES_REDIS_URL", "redis://127.0.0.1:6379/12"),
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    ALLOWED_HOSTS="testserver,localhost",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))


def _orders_in_db() -> int:
    # Before Django is set up (it may build the database first): a plain connection.
    import psycopg2

    try:
        conn = psycopg2.connect(DB_URL)
    except psycopg2.OperationalError:
        return 0
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('repairs_workorder') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM repairs_workorder")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def ensure_base() -> None:
    orders = _orders_in_db()
    if orders < MIN_ORDERS:
        print(
            f"{DB_URL.rsplit('/', 1)[1]} has {orders:,} work orders: building it with bench/seed_scale.py",
            flush=True,
        )
        subprocess.run([sys.executable, str(ROOT / "bench" / "seed_scale.py")], cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# The data ------------------------------------------------------------------------------------------------


def bench_rows_exist() -> bool:
    # The apps load once django.setup() has run in main(), after the environment above.
    from remedies.models import RemedyRequest

    return RemedyRequest.objects.filter(number__startswith="TB").count() >= REQUESTS


def delete_bench_rows() -> None:
    # The apps load once django.setup() has run in main(), after the environment above.
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        requests = "SELECT id FROM remedies_remedyrequest WHERE number LIKE 'TB%%'"
        for sql in (
            "DELETE FROM remedies_dealercredit WHERE number LIKE 'XB%%'",
            "DELETE FROM remedies_refurbishment WHERE number LIKE 'FB%%'",
            "DELETE FROM remedies_doacheck WHERE number LIKE 'KB%%'",
            f"DELETE FROM remedies_refund WHERE request_id IN ({requests})",
            f"DELETE FROM remedies_remedyevent WHERE request_id IN ({requests})",
            "CREATE TEMP TABLE bench_gone ON COMMIT DROP AS SELECT decision_id, replacement_id"
            " FROM remedies_remedyrequest WHERE number LIKE 'TB%%'",
            "DELETE FROM remedies_remedyrequest WHERE number LIKE 'TB%%'",
            "DELETE FROM repairs_productunit WHERE id IN (SELECT replacement_id FROM bench_gone)",
            "DELETE FROM warranty_warrantydecision WHERE id IN (SELECT decision_id FROM bench_gone)",
        ):
            cursor.execute(sql, [])


def _units(cursor, today: dt.date) -> tuple[list, list]:
    """Scale units with their work order and centre: (sold in the last 170 days, the others), every 4th."""
    cursor.execute(
        "SELECT DISTINCT ON (u.id) u.id, u.model_id, u.owner_id, u.sale_date, u.invoice_date,"
        " COALESCE(u.invoice_amount, m.list_price_amount, 1999.00), cat.code, w.id, w.center_id"
        " FROM repairs_productunit u JOIN repairs_customer c ON c.id = u.owner_id"
        " JOIN repairs_productmodel m ON m.id = u.model_id"
        " JOIN repairs_productcategory cat ON cat.id = m.category_id"
        " JOIN repairs_repaircall rc ON rc.unit_id = u.id JOIN repairs_workorder w ON w.call_id = rc.id"
        " WHERE c.number LIKE 'SC%%' AND u.replaces_id IS NULL AND u.sale_date IS NOT NULL AND u.id %% 4 = 1"
        " AND w.center_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM remedies_remedyrequest r WHERE r.unit_id = u.id)"
        " ORDER BY u.id",
        [],
    )
    rows = cursor.fetchall()
    recent = [r for r in rows if r[3] >= today - dt.timedelta(days=170)]
    return recent, [r for r in rows if r[3] < today - dt.timedelta(days=170)]


def generate() -> dict:
    """The bench's remedies, inserted with bulk_create in one transaction (see the module's docstring)."""
    # The apps load once django.setup() has run in main(), after the environment above.
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from inventory import services as stock
    from network.models import Dealer
    from remedies.models import DealerCredit, DoaCheck, Refund, Refurbishment, RemedyEvent, RemedyRequest
    from remedies.services import add_working_days
    from repairs.models import ProductUnit
    from warranty.models import WarrantyDecision, WarrantyPolicy

    started = time.monotonic()
    rng = random.Random(2026_50)
    now = timezone.now()
    today = timezone.localdate(now)
    users = dict(get_user_model().objects.values_list("username", "pk"))
    openers = [users["dispatcher"], users["supervisor"], users.get("supervisor03", users["supervisor"])]
    manager = users["manager"]
    dealers = list(Dealer.objects.filter(active=True).order_by("pk"))
    with connection.cursor() as cursor:
        recent, older = _units(cursor, today)
    want_recent = sum(n for basis, n, _r, _p in BASES if basis in AUTOMATIC) + DOA_CHECKS - DOA_APPROVED
    if len(recent) < want_recent or len(older) < REQUESTS + DOA_CHECKS - DOA_APPROVED - want_recent:
        sys.exit(f"not enough scale units: {len(recent):,} recent, {len(older):,} older")
    rng.shuffle(recent)
    rng.shuffle(older)
    policies = {}
    central = stock.central_warehouse()
    dealer_stores = {d.pk: stock.dealer_warehouse(d) for d in dealers}

    def policy(code, day):
        key = (code, day.year, day.month)
        if key not in policies:
            found = WarrantyPolicy.objects.effective_on(code, day)
            policies[key] = (found.pk, found.version)
        return policies[key]

    def moment(day: dt.date, low=9, high=18) -> dt.datetime:
        at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(rng.randint(low, high), rng.randint(0, 59)))
        )
        return min(at, now - dt.timedelta(minutes=rng.randint(5, 600)))

    # Who asks for what: recent sales for the windows and out-of-box, older units for the rest.
    plan = []
    for basis, count, remedies, payer in BASES:
        pool = recent if basis in AUTOMATIC else older
        plan += [(basis, rng.choice(remedies), payer, pool.pop()) for _i in range(count)]
    rng.shuffle(plan)
    status_of = {}
    for automatic, kinds in ((True, AUTO_STATUSES), (False, MANAGER_STATUSES)):
        group = [k for k, p in enumerate(plan) if (p[0] in AUTOMATIC) == automatic]
        statuses = [status for status, n in kinds.items() for _i in range(n)]
        statuses += ["done"] * (len(group) - len(statuses))
        status_of.update(zip(group, statuses, strict=True))

    decisions, requests, events = [], [], []
    for i, (basis, remedy, payer, unit) in enumerate(plan):
        unit_id, model_id, owner_id, sale, invoice, price, category, order_id, center_id = unit
        status = status_of[i]
        if status == "awaiting_approval":
            opened = now - dt.timedelta(minutes=rng.randint(30, 8 * 24 * 60))
        elif status in ("approved", "waiting_stock"):
            opened = now - dt.timedelta(minutes=rng.randint(60, 20 * 24 * 60))
        elif basis in AUTOMATIC:
            opened = moment(sale + dt.timedelta(days=rng.randint(1, 10 if basis == "doa" else 15)))
        else:
            opened = moment(max(sale + dt.timedelta(days=20), today - dt.timedelta(days=rng.randint(5, 360))))
        automatic = basis in AUTOMATIC
        decided = opened if automatic else opened + dt.timedelta(hours=rng.randint(2, 60))
        done = min(decided + dt.timedelta(hours=rng.randint(1, 72)), now - dt.timedelta(minutes=1))
        policy_id, version = policy(category, sale)
        decisions.append(
            WarrantyDecision(
                unit_id=unit_id,
                policy_id=policy_id,
                policy_version=version,
                facts={"category": category, "report_date": opened.date().isoformat(), "sale_date": sale.isoformat(),
                       "invoice_date": invoice and invoice.isoformat(), "bench": True},
                verdict="exchange",
                liable=payer,
                result={"verdict": "exchange", "options": ["return", "exchange", "free_repair"],
                        "reasons": [{"rule": basis, "zh": "基准测试", "en": "bench"}]},
                decided_at=opened,
                decided_by_id=openers[i % len(openers)],
            )
        )  # fmt: skip
        is_doa = basis == "doa"
        requests.append(
            RemedyRequest(
                number=f"TB{i:09d}",
                unit_id=unit_id,
                work_order_id=order_id if basis.startswith("delay.") else None,
                remedy=remedy,
                basis=basis,
                liable=payer,
                status=status,
                documents=["invoice_or_card", "fault_confirmed"],
                customer_note="基准测试",
                dealer=dealers[i % len(dealers)] if is_doa else None,
                charged_center_id=center_id if payer == "repairer" else None,
                opened_by_id=openers[i % len(openers)],
                opened_at=opened,
                approval_due_at=None if automatic else add_working_days(opened, 3),
                decided_by_id=None if automatic or status == "awaiting_approval" else manager,
                decided_at=decided if status != "awaiting_approval" else None,
                auto_approved=automatic,
                done_at=done if status == "done" else None,
                source_warehouse=(dealer_stores[dealers[i % len(dealers)].pk] if is_doa else central)
                if status == "done" and remedy == "exchange"
                else None,
                replacement_cost_amount=(Decimal(price) * Decimal("0.72")).quantize(Decimal("0.01"))
                if status == "done" and remedy == "exchange"
                else Decimal("0.00"),
            )
        )
    with transaction.atomic():
        for row, decision in zip(
            requests, WarrantyDecision.objects.bulk_create(decisions, batch_size=5000), strict=True
        ):
            row.decision_id = decision.pk
        # Done exchanges: the replacement unit, registered to the customer.
        exchanged = [(k, p) for k, p in enumerate(plan) if status_of[k] == "done" and p[1] == "exchange"]
        units = ProductUnit.objects.bulk_create(
            [
                ProductUnit(
                    model_id=p[3][1],
                    serial_number=f"RB{k:010d}",
                    owner_id=p[3][2],
                    sale_date=p[3][3],
                    invoice_date=p[3][4],
                    invoice_amount=p[3][5],
                    replaces_id=p[3][0],
                    exchanged_on=timezone.localdate(requests[k].done_at),
                    created_at=requests[k].done_at,
                )
                for k, p in exchanged
            ],
            batch_size=5000,
        )
        for (k, p), unit in zip(exchanged, units, strict=True):
            requests[k].replacement_id = unit.pk
            if p[2] == "repairer":
                requests[k].charge_amount = requests[k].replacement_cost_amount
        saved = RemedyRequest.objects.bulk_create(requests, batch_size=5000)
        events = [
            RemedyEvent(request_id=r.pk, from_status="", to_status="approved" if r.auto_approved else "awaiting_approval",
                        actor_id=r.opened_by_id, at=r.opened_at, note="基准测试")
            for r in saved
        ]  # fmt: skip
        RemedyEvent.objects.bulk_create(events, batch_size=5000)
        Refund.objects.bulk_create(
            [
                Refund(request_id=r.pk, amount=Decimal(p[3][5]), price_amount=Decimal(p[3][5]), payer=r.liable,
                       method="original", paid_by_id=r.opened_by_id, paid_at=r.done_at)
                for r, p in zip(saved, plan, strict=True)
                if r.status == "done" and r.remedy == "return"
            ],
            batch_size=5000,
        )  # fmt: skip
        checks, credits = _doa_checks(rng, saved, plan, recent, users, now)
        DoaCheck.objects.bulk_create(checks, batch_size=5000)
        DealerCredit.objects.bulk_create(credits, batch_size=5000)
        Refurbishment.objects.bulk_create(_refurbishments(rng, saved, central, now), batch_size=5000)
    with connection.cursor() as cursor:
        for table in ("remedies_remedyrequest", "remedies_doacheck", "remedies_refurbishment", "repairs_productunit",
                      "warranty_warrantydecision", "remedies_refund", "remedies_dealercredit"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    return {"seconds": round(time.monotonic() - started, 1)}


def _doa_checks(rng, saved, plan, spare, users, now):
    """The approved checks behind the out-of-box exchanges (credited once done) and 1,000 rejected."""
    # The apps load once django.setup() has run in main(), after the environment above.
    from remedies.models import DealerCredit, DoaCheck

    checks, credits = [], []
    for r in saved:
        if r.basis != "doa":
            continue
        checks.append(
            DoaCheck(number=f"KB{len(checks):08d}", unit_id=r.unit_id, dealer_id=r.dealer_id, fault="开箱不开机",
                     confirmed_by="技术员", checked=["no_wear", "fault_confirmed"], status="approved", request_id=r.pk,
                     recorded_by_id=r.opened_by_id, recorded_at=r.opened_at)
        )  # fmt: skip
        if r.status == "done":
            credits.append(
                DealerCredit(number=f"XB{len(credits):08d}", dealer_id=r.dealer_id, request_id=r.pk,
                             amount=r.replacement_cost_amount, reason=f"换货 {r.number}", created_at=r.done_at)
            )  # fmt: skip
    for unit in spare[: DOA_CHECKS - len(checks)]:
        recorded = min(
            _during_the_day(unit[3] + dt.timedelta(days=rng.randint(1, 10)), rng),
            now - dt.timedelta(minutes=3),
        )
        checks.append(
            DoaCheck(number=f"KB{len(checks):08d}", unit_id=unit[0], fault="屏幕有划痕", confirmed_by="技术员",
                     checked=["fault_confirmed"], missing=["外观无磕碰、无人为损坏"], status="rejected",
                     recorded_by_id=users["dispatcher"], recorded_at=recorded)
        )  # fmt: skip
    return checks, credits


def _during_the_day(day: dt.date, rng) -> dt.datetime:
    # Django's time zone is read once django.setup() has run in main().
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 18), rng.randint(0, 59))))


def _refurbishments(rng, saved, central, now):
    """The units of 10,000 requests carried out, oldest first: the older 60 % finished (three in four
    restocked), the rest spread over the open steps."""
    # The apps load once django.setup() has run in main(), after the environment above.
    from remedies.models import Refurbishment

    done = sorted((r for r in saved if r.status == "done"), key=lambda r: r.done_at)[-REFURBISHMENTS:]
    rows = []
    for k, r in enumerate(done):
        received = r.done_at
        step = k / len(done)
        if step < 0.6:
            status = "restocked" if rng.random() < 0.75 else "scrapped"
        else:
            status = ("received", "inspected", "repaired", "tested")[int((step - 0.6) / 0.1) % 4]
        repaired = status in ("repaired", "tested", "restocked") or (
            status == "scrapped" and rng.random() < 0.4
        )

        def later(days, received=received):
            return min(received + dt.timedelta(days=days), now)

        rows.append(
            Refurbishment(
                number=f"FB{k:08d}", unit_id=r.unit_id, request_id=r.pk, status=status,
                grade="" if status == "received" else ("scrap" if status == "scrapped" and not repaired else rng.choice("ABC")),
                received_at=received, inspected_at=None if status == "received" else later(1),
                parts_cost_amount=Decimal(rng.randint(0, 800)) if repaired else Decimal("0.00"),
                labour_cost_amount=Decimal(rng.randint(20, 200)) if repaired else Decimal("0.00"),
                repaired_at=later(3) if repaired else None,
                tested_at=later(4) if status in ("tested", "restocked") else None,
                finished_at=later(5) if status in ("restocked", "scrapped") else None,
                scrap_reason="维修成本高于残值" if status == "scrapped" else "",
                restocked_to=central if status == "restocked" else None,
            )
        )  # fmt: skip
    return rows


# The measure ---------------------------------------------------------------------------------------------


def measure(requests: int) -> list[dict]:
    # The apps load once django.setup() has run in main(), after the environment above.
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # the test Client's template signals; the database stays the bench one
    override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ).enable()  # fmt: skip
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    cases = [
        ("approval queue", reverse("remedies:list"), {"view": "queue"}),
        ("DOA and refurbishment rates", reverse("remedies:rates"), {}),
    ]
    results = []
    for name, url, params in cases:
        for _i in range(WARM_UP):
            client.get(url, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        queries = list(captured.captured_queries)
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        timings = []
        for _i in range(requests):
            began = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - began) * 1000)
        row = {
            "case": name,
            "url": url,
            "params": params,
            "status": response.status_code,
            "bytes": len(response.content),
            "requests": len(timings),
            "median_ms": round(statistics.median(timings), 1),
            "p99_ms": round(percentile(timings, 99), 1),
            "queries": len(queries),
            "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else None,
            "slowest_sql": slowest["sql"] if slowest else None,
        }
        row["over"] = row["median_ms"] >= TARGET_MS or row["p99_ms"] >= TARGET_MS
        if row["over"] and slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                row["explain"] = [line for (line,) in cursor.fetchall()]
        results.append(row)
    return results


def sizes() -> dict:
    # The apps load once django.setup() has run in main(), after the environment above.
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for label, sql in (
            ("work_orders", "SELECT count(*) FROM repairs_workorder"),
            ("units", "SELECT count(*) FROM repairs_productunit"),
            ("remedy_requests", "SELECT count(*) FROM remedies_remedyrequest"),
            ("awaiting_approval", "SELECT count(*) FROM remedies_remedyrequest WHERE status = 'awaiting_approval'"),
            ("overdue_approvals", "SELECT count(*) FROM remedies_remedyrequest"
                                  " WHERE status = 'awaiting_approval' AND approval_due_at < now()"),
            ("doa_checks", "SELECT count(*) FROM remedies_doacheck"),
            ("refurbishments", "SELECT count(*) FROM remedies_refurbishment"),
        ):  # fmt: skip
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page (default 100)")
    parser.add_argument(
        "--fresh-remedies", action="store_true", help="delete and insert the bench's remedies again"
    )
    args = parser.parse_args()
    ensure_base()
    # Set up only now: the environment above names the bench's database, which ensure_base() may build.
    import django

    django.setup()
    generated = None
    if args.fresh_remedies:
        delete_bench_rows()
    if not bench_rows_exist():
        print("inserting the bench's remedy requests, out-of-box checks and refurbishments …", flush=True)
        generated = generate()
        print(f"… in {generated['seconds']} s", flush=True)
    data = sizes()
    print(f"{DB_URL.rsplit('/', 1)[1]}: " + ", ".join(f"{k} {v:,}" for k, v in data.items()), flush=True)
    rows = measure(args.requests)
    print(
        f"\n{'page':<30} {'median ms':>10} {'p99 ms':>8} {'queries':>8} {'slowest q ms':>13} {'n':>5}  target"
    )
    for row in rows:
        print(
            f"{row['case']:<30} {row['median_ms']:>10.1f} {row['p99_ms']:>8.1f} {row['queries']:>8}"
            f" {row['slowest_query_ms'] or 0:>13.1f} {row['requests']:>5}  {'OVER ' if row['over'] else ''}< {TARGET_MS} ms"
            + ("" if row["status"] == 200 else f"  (HTTP {row['status']})")
        )
    for row in rows:
        if row.get("explain"):
            print(f"\n--- {row['case']}: slowest query {row['slowest_query_ms']} ms\n{row['slowest_sql']}")
            print("\n".join(row["explain"]))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    result = {"database": DB_URL.rsplit("/", 1)[1], "data": data, "generated": generated, "pages": rows}
    (out / "remedies_bench.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"\nwritten to {out / 'remedies_bench.json'}")
    if any(row["over"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
