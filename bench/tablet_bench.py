"""Benchmark: the technician's tablet list (today, tomorrow, overdue) at 1,000,000 work orders.

Runs against the aftersales_bench database (BENCH_DATABASE_URL), seeded by `bench/seed_scale.py` when it
holds fewer than 100,000 work orders (as register_bench.py does). The data is the scale seed's: every
centre's technicians carry a share of the million orders over the last months, so the busiest technician
has thousands of orders behind the few on today's list. Measured in-process through Django's test Client
(the full middleware stack, server time), REQUESTS times per case (default 50) after three warm-ups:
- the technician with the most orders today (and the demo technician `tech`): today, tomorrow, overdue;
- the demo supervisor (`supervisor`): the whole centre's today.
The query count must be the same for every case (the list does not grow queries with its length); the
target is a median under 100 ms. Results go to bench/results/tablet_bench.json (not committed).

Usage: .venv/bin/python bench/tablet_bench.py [REQUESTS]
"""

from __future__ import annotations

import json
import sys

from register_bench import ROOT, _measure, ensure_seeded

TARGET_MS = 100


def main() -> None:
    ensure_seeded()

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    setup_test_environment()
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    url = reverse("repairs:my_orders")
    User = get_user_model()
    day = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.user_id, count(*) FILTER (WHERE (w.appointment_start AT TIME ZONE 'Asia/Shanghai')::date = %s),"
            " count(*) FROM repairs_workorder w JOIN network_technician t ON t.id = w.technician_id"
            " WHERE t.user_id IS NOT NULL GROUP BY t.user_id ORDER BY 2 DESC, 3 DESC LIMIT 1",
            [day],
        )
        busiest_user, busiest_today, busiest_total = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM repairs_workorder")
        (orders,) = cursor.fetchone()
    people = [
        (f"busiest technician ({busiest_today} today of {busiest_total})", User.objects.get(pk=busiest_user)),
        ("demo technician `tech`", User.objects.get(username="tech")),
    ]
    cases = [(who, user, view) for who, user in people for view in ("today", "tomorrow", "overdue")]
    cases.append(("demo supervisor (whole centre)", User.objects.get(username="supervisor"), "today"))

    results = {"database": connection.settings_dict["NAME"], "work_orders": orders, "cases": []}
    print(f"{orders:,} work orders in {results['database']}")
    print(f"{'case':<58} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'rows':>5} {'KB':>6}")
    for who, user, view in cases:
        client = Client()
        client.force_login(user)
        row = _measure(client, connection, CaptureQueriesContext, url, {"view": view})
        response = client.get(url, {"view": view})
        rows = response.content.count(b'class="t-card')
        row.update(case=f"{who} · {view}", rows=rows, target_ms=TARGET_MS, over=row["median_ms"] >= TARGET_MS)
        results["cases"].append(row)
        print(
            f"{row['case']:<58} {row['median_ms']:>10.1f} {row['p95_ms']:>8.1f} {row['queries']:>8}"
            f" {rows:>5} {row['bytes'] / 1024:>6.1f}"
            + ("  OVER" if row["over"] else "")
            + ("" if row["status"] == 200 else f"  (HTTP {row['status']})")
        )
    counts = {row["queries"] for row in results["cases"]}
    results["constant_queries"] = len(counts) == 1
    print(f"queries per request: {sorted(counts)} ({'constant' if len(counts) == 1 else 'NOT constant'})")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "tablet_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"written to {out / 'tablet_bench.json'}")
    if any(row["over"] for row in results["cases"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
