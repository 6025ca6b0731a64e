"""(a) the SLA scan and (b) the manager's dashboard, measured."""

from __future__ import annotations

import datetime as dt
import io
import json
import statistics
import time

from .config import DASHBOARD_TARGET_MS, RESET, ROOT, SCAN_TARGET_MS, WARM_UP

# (a) The scan ---------------------------------------------------------------------------------------------


def measure_scan(now: dt.datetime) -> dict:
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from care import tasks
    from care.services import sla_scan

    with connection.cursor() as cursor:
        # The deadlines a scan at N touches, as the generation left them (made once: a snapshot taken from
        # a state a broken-off run left behind would make that state the fresh one).
        cursor.execute(
            f"""CREATE TABLE IF NOT EXISTS {RESET} AS
                SELECT id, warned_at, breached_at, escalation_level, next_escalation_at FROM care_deadline
                WHERE (stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL AND warn_at <= %(now)s)
                   OR (stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %(now)s)
                   OR (stopped_at IS NULL AND next_escalation_at IS NOT NULL AND next_escalation_at <= %(now)s)""",
            {"now": now},
        )
        cursor.execute(f"SELECT count(*) FROM {RESET}")
        (touched,) = cursor.fetchone()

    def reset():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE care_deadline d SET warned_at = r.warned_at, breached_at = r.breached_at,
                           escalation_level = r.escalation_level, next_escalation_at = r.next_escalation_at
                    FROM {RESET} r WHERE d.id = r.id"""
            )
            # Everything a scan writes is stamped with its `now` (the measured runs' and the second one's).
            for table in ("care_notification", "care_escalation"):
                cursor.execute(f"DELETE FROM {table} WHERE created_at IN (%s, %s)", [now, second_at])

    second_at = now + dt.timedelta(seconds=1)
    emails = []
    runs = []
    reset()  # a run broken off earlier leaves nothing behind
    before = _scan_state(connection)
    with mock.patch.object(
        tasks.notifications_email, "delay", side_effect=lambda ids: emails.append(len(ids))
    ):
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                counts = sla_scan(now=now)
                elapsed = (time.perf_counter() - started) * 1000
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM care_notification WHERE created_at = %s", [now])
                (notes,) = cursor.fetchone()
            queries = list(captured.captured_queries)
            slowest = max(queries, key=lambda q: float(q["time"]))
            runs.append(
                {
                    "ms": round(elapsed, 1),
                    "counts": counts,
                    "notifications": notes,
                    "queries": len(queries),
                    "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
                    "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
                    "slowest_sql": slowest["sql"],
                }
            )
            print(
                f"scan: {elapsed:7.1f} ms  {counts}  {notes} notifications, {len(queries)} queries"
                f" ({runs[-1]['sql_ms']} ms in SQL)",
                flush=True,
            )
            if len(runs) < 3:
                reset()
        # Right after the third run: nothing new.
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            second = sla_scan(now=second_at)
            second_ms = (time.perf_counter() - started) * 1000
        second_queries = len(captured.captured_queries)
        print(
            f"second scan (nothing new): {second_ms:.1f} ms  {second}  {second_queries} queries", flush=True
        )
    reset()
    restored = _scan_state(connection) == before
    if not restored:
        print("WARNING: the deadlines were not put back as they were before the scans", flush=True)
    median = statistics.median(r["ms"] for r in runs)
    result = {
        "now": now.isoformat(),
        "rows_to_touch": touched,
        "state_restored": restored,
        "runs": runs,
        "median_ms": round(median, 1),
        "target_ms": SCAN_TARGET_MS,
        "over_target": median >= SCAN_TARGET_MS,
        "email_tasks_scheduled_per_run": len(emails) // 3 if emails else 0,
        "second_scan": {"ms": round(second_ms, 1), "counts": second, "queries": second_queries},
    }
    if result["over_target"]:
        result["explain"] = _explain(connection, runs[len(runs) // 2]["slowest_sql"])
        result["profile"] = _profile_scan(sla_scan, now, reset)
        print("\nthe scan over its target, where the time goes (cProfile, cumulative):")
        print("\n".join(result["profile"]))
    return result


def _profile_scan(sla_scan, now, reset) -> list[str]:
    """One more scan on the fresh state under cProfile: the care and ORM functions taking the most time."""
    import cProfile
    import pstats
    from unittest import mock

    from care import tasks

    profile = cProfile.Profile()
    with mock.patch.object(tasks.notifications_email, "delay"):
        profile.enable()
        sla_scan(now=now)
        profile.disable()
    reset()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(r"care/services|django/db/models/(query|base)\.py|psycopg2", 14)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.replace(str(ROOT) + "/", "") for line in lines[start:]]


def _scan_state(connection) -> str:
    """A digest of what a scan changes on the running deadlines."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', id, warned_at, breached_at, escalation_level,"
            " next_escalation_at), ',' ORDER BY id)) FROM care_deadline WHERE stopped_at IS NULL"
        )
        return cursor.fetchone()[0]


# (b) The dashboard ----------------------------------------------------------------------------------------


def measure_dashboard(requests: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from care import dashboard

    setup_test_environment()
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    result: dict = {}
    # Each figure on its own (the selectors, without the page around them).
    now = timezone.now()
    parts = {
        "open_work_orders": dashboard.open_work_orders,
        "sla_compliance": lambda: dashboard.sla_compliance(now=now),
        "breaches_now": dashboard.breaches_now,
        "callbacks_due": lambda: dashboard.callbacks_due(now=now),
        "satisfaction_by_center": lambda: dashboard.satisfaction_by_center(now=now),
        "repeat_repairs": lambda: dashboard.repeat_repairs(now=now),
        "upheld_complaints": lambda: dashboard.upheld_complaints(now=now),
        "slow_figures (the cached four)": lambda: dashboard.slow_figures(now=now),
    }
    result["selectors_ms"] = {}
    for name, part in parts.items():
        part()
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            part()
            timings.append((time.perf_counter() - started) * 1000)
        result["selectors_ms"][name] = round(statistics.median(timings), 1)
    figures = dashboard.manager_dashboard(cached=False)
    result["figures"] = {
        "open_orders": figures["open_orders"]["total"],
        "open_by_status": {s["status"]: s["n"] for s in figures["open_orders"]["by_status"]},
        "provinces": len(figures["open_orders"]["by_province"]),
        "compliance": {
            s["stage"]: {
                "this_week": [s["this"].on_time, s["this"].settled],
                "last_week": [s["last"].on_time, s["last"].settled],
            }
            for s in figures["compliance"]["stages"]
        },
        "breaches_now": figures["breaches"]["total"],
        "callbacks": figures["callbacks"],
        "satisfaction_centres": len(figures["satisfaction"]),
        "repeats": figures["repeats"],
        "upheld_complaints": figures["complaints"]["total"],
    }
    print("selectors (median of 5, ms): " + ", ".join(f"{k} {v}" for k, v in result["selectors_ms"].items()))
    print(f"figures: {json.dumps(result['figures'], ensure_ascii=False, default=str)}")

    try:
        url = reverse("care:dashboard")
    except NoReverseMatch:
        print("the route care:dashboard is not registered yet: the page is not measured")
        result["page"] = None
        return result
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    client.get(url)  # templates, translations, the session

    def one(*, cold: bool) -> tuple[float, list, object]:
        if cold:
            cache.delete(dashboard._cache_key())
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, list(captured.captured_queries), response

    # Cold: the slow figures counted on the request (what the first manager after CACHE_SECONDS waits).
    cold = [one(cold=True) for _ in range(3)]
    cold_ms = statistics.median(t for t, _q, _r in cold)
    cold_queries = cold[-1][1]
    cold_slowest = max(cold_queries, key=lambda q: float(q["time"]))
    result["page_cold"] = {
        "requests": len(cold),
        "median_ms": round(cold_ms, 1),
        "queries": len(cold_queries),
        "sql_ms": round(sum(float(q["time"]) for q in cold_queries) * 1000, 1),
        "slowest_query_ms": round(float(cold_slowest["time"]) * 1000, 1),
        "slowest_sql": cold_slowest["sql"],
    }
    print(
        f"dashboard, slow figures counted on the request (cache emptied; median of {len(cold)}):"
        f" {cold_ms:.1f} ms, {len(cold_queries)} queries ({result['page_cold']['sql_ms']} ms in SQL)",
        flush=True,
    )
    # Warm: the page as managers get it within CACHE_SECONDS of the last count.
    for _ in range(WARM_UP):
        one(cold=False)
    _t, queries, response = one(cold=False)
    slowest = max(queries, key=lambda q: float(q["time"]))
    timings = sorted(one(cold=False)[0] for _ in range(requests))
    median = statistics.median(timings)
    page = {
        "url": url,
        "status": response.status_code,
        "bytes": len(response.content),
        "requests": requests,
        "median_ms": round(median, 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "slowest_sql": slowest["sql"],
        "target_ms": DASHBOARD_TARGET_MS,
        "over_target": median >= DASHBOARD_TARGET_MS,
    }
    print(
        f"dashboard (slow figures from the cache): median {page['median_ms']} ms, p95 {page['p95_ms']} ms,"
        f" {page['queries']} queries ({page['sql_ms']} ms in SQL), HTTP {page['status']},"
        f" {page['bytes'] / 1024:.1f} KB" + ("  OVER" if page["over_target"] else "")
    )
    if page["over_target"]:
        page["explain"] = _explain(connection, page["slowest_sql"])
    result["page"] = page
    return result


def _explain(connection, sql: str) -> list[str]:
    """EXPLAIN ANALYZE runs the statement: in a transaction rolled back, for the scan's UPDATEs."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [line for (line,) in cursor.fetchall()]
        transaction.set_rollback(True)
    return lines


def _sizes(connection) -> dict:
    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "repairs_customer",
            "repairs_productunit",
            "repairs_repaircall",
            "repairs_workorder",
            "care_deadline",
            "care_escalation",
            "care_callback",
            "care_complaint",
        ):
            cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
            rows, size = cursor.fetchone()
            sizes[table] = {"rows": rows, "size": size}
        cursor.execute(
            "SELECT count(*) FROM repairs_workorder WHERE status IN"
            " ('new', 'dispatched', 'accepted', 'en_route', 'on_site', 'in_repair', 'waiting_for_parts')"
        )
        sizes["open_work_orders"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database"] = cursor.fetchone()[0]
    return sizes
