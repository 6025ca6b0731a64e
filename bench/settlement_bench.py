"""Benchmark (first cut): the monthly settlement on the 1,000,000-work-order bench database.

Uses aftersales_bench (BENCH_DATABASE_URL, seeded by bench/seed_scale.py when missing, as register_bench.py
does), migrated, with the demo fee schedule (network.demo.seed_fees). Measured:
(a) the drafts of every active centre for the last complete month (`settlements_compute_month`), twice: the
    first run and a recompute (target for the issue's 100,000 orders: under 30 s);
(b) one statement PDF of 2,000 lines (the largest settlement's first 2,000 lines), its time and the peak
    memory of the process (target under 10 s).
The issue's own shape — 100,000 closed work orders across 500 centres — is not generated yet: this database
has 12 centres and about 50,000 closed free or contract orders in its last complete month.
Results go to bench/results/settlement_bench.json (not committed).

Usage: .venv/bin/python bench/settlement_bench.py
"""

from __future__ import annotations

import json
import resource
import sys
import time

from register_bench import DB_URL, ROOT, ensure_seeded


def main() -> None:
    ensure_seeded()

    import django

    django.setup()

    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from network.demo import seed_fees
    from network.models import Settlement
    from network.pdf import STATEMENT_LANGUAGE, statement_context
    from network.settlement import previous_month, settlements_compute_month

    seed_fees(today=timezone.localdate())
    month = previous_month(timezone.now())
    Settlement.objects.filter(month=month, status="draft").delete()
    runs = []
    for label in ("first run", "recompute"):
        started = time.perf_counter()
        results = settlements_compute_month(month=month)
        seconds = time.perf_counter() - started
        drafts = [s for _c, s, _p in results if s is not None]
        lines = sum(s.lines.count() for s in drafts)
        runs.append({"run": label, "seconds": round(seconds, 2), "centres": len(drafts), "lines": lines})
        print(
            f"(a) drafts of {month:%Y-%m}, {label}: {seconds:.2f} s, {len(drafts)} centres, {lines:,} lines"
        )

    import weasyprint

    largest = max(drafts, key=lambda s: s.lines.count())
    context = statement_context(largest)
    context["lines"] = context["lines"][:2000]
    started = time.perf_counter()
    with translation.override(STATEMENT_LANGUAGE):
        html = render_to_string("network/pdf/statement.html", context)
    pdf = weasyprint.HTML(string=html).write_pdf()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"(b) statement PDF of 2,000 lines: {seconds:.2f} s, {len(pdf) / 1024:.0f} KB, peak RSS {peak_mb:.0f} MB"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "settlement_bench.json").write_text(
        json.dumps(
            {
                "database": DB_URL.rsplit("/", 1)[1],
                "month": f"{month:%Y-%m}",
                "drafts": runs,
                "pdf": {
                    "lines": 2000,
                    "seconds": round(seconds, 2),
                    "kb": len(pdf) // 1024,
                    "peak_rss_mb": round(peak_mb),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
