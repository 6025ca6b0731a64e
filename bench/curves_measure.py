"""The cases bench/curves.py measures at each size, in-process (Django's test Client, the full middleware, as
the role that uses the page), with the look-up samples of register_bench.py, the dealer API's floor of
api_bench.py / api_floor.py and the SLA scan of care_bench.py."""

from __future__ import annotations

import datetime as dt
import statistics
import time

WARM_UP = 3


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _summary(timings: list[float], queries: int, **extra) -> dict:
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 99), 1),
        "requests": len(timings),
        "queries": queries,
        **extra,
    }


def timed_get(client, url: str, params: dict | None, requests: int, *, rows_marker: bytes | None = None):
    """Median and p99 of `requests` GETs after three warm-ups, the queries of one, the slowest query."""
    for _ in range(WARM_UP):
        client.get(url, params)
    response, queries = queries_of(client, url, params)
    assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    extra = {"slowest_sql": slowest["sql"] if slowest else None}
    if rows_marker:
        extra["rows"] = response.content.count(rows_marker)
    return _summary(timings, len(queries), **extra)


def queries_of(client, url: str, params: dict | None):
    """One request and the SQL it ran, each with its time (CaptureQueriesContext reads the connection's query
    log by position, and each request empties that log at its start: a capture could come back empty)."""
    from django.db import connection

    queries = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sent = getattr(context["cursor"].cursor, "query", None)  # psycopg2: the statement as sent
            queries.append({"sql": sent.decode() if sent else sql, "time": time.perf_counter() - started})

    with connection.execute_wrapper(record):
        response = client.get(url, params)
    return response, queries


def _client(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _page_200_link() -> dict:
    """The parameters of the register's link to page 200 (50 rows a page), as page 199's 下一页 carries them:
    the position of row 9,950. The plain `?page=200` (by OFFSET) is measured beside it."""
    from django.contrib.auth import get_user_model

    from aftersales.paging import encode_position
    from repairs.selectors import register_rows

    dispatcher = get_user_model().objects.get(username="dispatcher")
    row = register_rows(user=dispatcher).order_by("-created_at", "-pk")[199 * 50 - 1]
    return {"after": encode_position(row, ("created_at", "id")), "page": 200}


def pages(requests: int) -> dict:
    """The dispatcher's look-ups and register, the technician's day, the supervisor's board, the manager's
    dashboard (and care's), each as its user."""
    import register_bench
    from django.core.cache import cache
    from django.db import connection
    from django.urls import reverse

    samples = register_bench._samples(connection)
    dispatcher, results = _client("dispatcher"), {}
    lookup, register = reverse("repairs:lookup"), reverse("repairs:register")
    cases = [
        ("lookup: phone (11 digits)", dispatcher, lookup, {"q": samples["phone"]}, None),
        ("lookup: phone prefix (7)", dispatcher, lookup, {"q": samples["phone"][:7]}, None),
        ("lookup: serial prefix", dispatcher, lookup, {"q": samples["serial"][:10]}, None),
        ("lookup: IMEI", dispatcher, lookup, {"q": samples["imei"]}, None),
        ("register: first page", dispatcher, register, {}, None),
        ("register: status=dispatched", dispatcher, register, {"status": "dispatched"}, None),
        ("register: centre", dispatcher, register, {"center": samples["center"]}, None),
        ("register: q=phone", dispatcher, register, {"q": samples["call_phone"]}, None),
        ("register: page 200", dispatcher, register, {"page": 200}, None),
        ("register: page 200 by its link", dispatcher, register, _page_200_link(), None),
        (
            "tablet: technician's day",
            _client("tech"),
            reverse("repairs:my_orders"),
            {"view": "today"},
            b"t-card",
        ),
        ("board: supervisor's centre", _client("supervisor"), reverse("office:my_center"), {}, None),
    ]
    for name, client, url, params, marker in cases:
        results[name] = timed_get(client, url, params, requests, rows_marker=marker)
        _print(name, results[name])
    manager = _client("manager")
    for name, url in (
        ("dashboard: manager", reverse("office:dashboard")),
        ("dashboard: care", reverse("care:dashboard")),
    ):
        results[name] = timed_get(manager, url, None, requests)
        _print(name, results[name])
    # The first manager after the cache's figures expire counts them on the request.
    cold = []
    for _ in range(5):
        cache.clear()
        started = time.perf_counter()
        manager.get(reverse("office:dashboard"))
        cold.append((time.perf_counter() - started) * 1000)
    results["dashboard: manager, cache empty"] = _summary(cold, results["dashboard: manager"]["queries"])
    _print("dashboard: manager, cache empty", results["dashboard: manager, cache empty"])
    return results


def api(requests: int, rounds: int) -> dict:
    """The dealer's work-order list: first pages per status, cursor pages 2–5, the floor in turns."""
    import api_bench
    from django.test import Client

    dealer, owned, key = api_bench.prepare(False, None)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    url, results, list_sql = "/api/v1/work-orders/", {}, None
    for status in ("closed", "completed"):
        params = {"status": status, "ordering": "-created", "page_size": 50}
        results[f"api: {status}, first page"] = first = timed_get(client, url, params, requests)
        _print(f"api: {status}, first page", first)
        if status == "closed":  # the list's query (not the slowest: a cold key look-up can be that)
            _response, captured = queries_of(client, url, params)
            list_sql = next(q["sql"] for q in captured if 'FROM "repairs_workorder"' in q["sql"])
        later, body = [], client.get(url, params).json()
        for _ in range(4):
            if not body["next"]:
                break
            later.append(body["next"])
            body = client.get(body["next"]).json()
        _response, captured = queries_of(client, later[0], None)
        timings = []
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(later[i % len(later)])
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        page_sql = next(q["sql"] for q in captured if "repairs_workorder" in q["sql"])
        results[f"api: {status}, pages 2-5"] = row = _summary(
            timings, len(captured), slowest_sql=page_sql, offset_in_sql="OFFSET" in page_sql
        )
        _print(f"api: {status}, pages 2-5", row)
    for name, other in (("units", "/api/v1/units/"), ("repair calls", "/api/v1/repair-calls/")):
        results[f"api: {name}, first page"] = row = timed_get(client, other, {"page_size": 50}, requests)
        _print(f"api: {name}, first page", row)
    api_bench.RESULTS.mkdir(parents=True, exist_ok=True)
    (api_bench.RESULTS / "api_work_orders.sql").write_text(list_sql + "\n")
    turns = api_bench.side_by_side(key, rounds=rounds, per_round=max(requests // rounds, 10))
    print(
        f"  api in turns with its floor: {turns['server_median_ms']} ms against {turns['floor_median_ms']} ms"
        f" = {turns['ratio']}x (p99 {turns['server_p99_ms']} ms)",
        flush=True,
    )
    return {
        "cases": results,
        "floor_in_turns": turns,
        "dealer": dealer.code,
        "dealer_units": owned,
        "key": key,
    }


def time_rollup() -> dict:
    """The nightly job's count of every technician's labour of each day of this month so far (the supervisor's
    board and the time report read those rows): one run, its time and the rows written."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from repairs.models import TechnicianDayTime
    from repairs.timesheet import time_rollup_recent

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        days = time_rollup_recent()
        seconds = time.perf_counter() - started
    row = _summary([seconds * 1000], len(captured.captured_queries), days=days)
    row["rows"] = TechnicianDayTime.objects.count()
    _print("time rollup (nightly)", row)
    return row


def sla_scan(instant: dt.datetime) -> dict:
    """care_bench's scan (three runs from the same state, median) at the data's instant."""
    from carebench.config import RESET
    from carebench.measure import measure_scan
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RESET}")  # the state of this size, not an earlier one's
    result = measure_scan(instant)
    return {
        "median_ms": result["median_ms"],
        "p99_ms": max(r["ms"] for r in result["runs"]),
        "requests": len(result["runs"]),
        "queries": result["runs"][0]["queries"],
        "rows_touched": result["rows_to_touch"],
        "counts": result["runs"][0]["counts"],
        "state_restored": result["state_restored"],
        "second_scan_ms": result["second_scan"]["ms"],  # nothing new to find: the scan's cost without work
    }


def settlement_month() -> dict:
    """Every centre's draft of the last complete month (settlement_bench's computation), from none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from network.models import Settlement, SettlementLine
    from settlement.services import month_bounds, previous_month, settlements_compute_month

    month = previous_month(timezone.now())
    start, end = month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT center_id) FROM repairs_workorder"
            " WHERE status = 'closed' AND closed_at >= %s AND closed_at < %s",
            [start, end],
        )
        closed, centres = cursor.fetchone()
    Settlement.objects.filter(month=month, status="draft").delete()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        computed = settlements_compute_month(month=month)
        seconds = time.perf_counter() - started
    drafts = [s.pk for _c, s, _p in computed if s is not None]
    row = _summary(
        [seconds * 1000],
        len(captured.captured_queries),
        month=f"{month:%Y-%m}",
        closed_in_month=closed,
        centres_with_orders=centres,
        drafts=len(drafts),
        refused=[(c.code, str(p)) for c, s, p in computed if s is None],
        lines=SettlementLine.objects.filter(settlement__in=drafts).count(),
    )
    _print(f"settlement {row['month']} ({closed:,} closed, {len(drafts)} drafts)", row)
    return row


def _print(name: str, row: dict) -> None:
    rows = f"  rows {row['rows']}" if "rows" in row else ""
    print(
        f"  {name:<40} median {row['median_ms']:>9.1f} ms  p99 {row['p99_ms']:>9.1f} ms"
        f"  {row['queries']:>3} queries{rows}",
        flush=True,
    )
