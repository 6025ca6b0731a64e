"""Precision and recall of the claim screening on a demo database (`manage.py seed_demo`).

The demo plants its suspicious claims among its normal work orders (demo/screening.py, recorded in
`demo.PlantedClaim`) and screens its months. This reads the planted orders and the screening's flags of the
months they were closed in, and prints precision (planted among the flagged), recall (planted that were
flagged), recall per pattern, and the rules that fired on orders the demo did not plant. A flag counts
unless it was withdrawn (the order no longer trips a rule). Read-only.

Usage: .venv/bin/python bench/screening_demo_pr.py postgres://postgres@127.0.0.1:5432/demo_<you>
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(url: str) -> None:
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftersales.settings", LOG_LEVEL="WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from demo.models import PlantedClaim
    from repairs.models import WorkOrder
    from screening.choices import FlagStatus
    from screening.models import ClaimFlag

    truth = dict(PlantedClaim.objects.values_list("work_order_id", "pattern"))
    if not truth:
        print("no planted claims: seed the demo first (manage.py seed_demo)")
        return
    months = sorted(
        {
            timezone.localtime(closed).date().replace(day=1)
            for closed in WorkOrder.objects.filter(pk__in=truth).values_list("closed_at", flat=True)
        }
    )
    flagged = dict(
        ClaimFlag.objects.filter(month__in=months)
        .exclude(status=FlagStatus.WITHDRAWN)
        .values_list("work_order_id", "rules")
    )
    hits = set(flagged) & set(truth)
    precision = len(hits) / len(flagged) if flagged else 0.0
    recall = len(hits) / len(truth)
    by_pattern = {}
    for pattern in sorted(set(truth.values())):
        ids = [pk for pk, p in truth.items() if p == pattern]
        by_pattern[pattern] = f"{sum(pk in flagged for pk in ids)}/{len(ids)}"
    false_rules: dict[str, int] = {}
    for pk, rules in flagged.items():
        if pk not in truth:
            for rule in rules.split(","):
                false_rules[rule] = false_rules.get(rule, 0) + 1
    print(f"months: {', '.join(f'{m:%Y-%m}' for m in months)}")
    print(
        f"{len(truth)} planted, {len(flagged)} flagged, {len(hits)} of them planted:"
        f" precision {precision:.3f}, recall {recall:.3f}"
    )
    print(f"recall by pattern: {json.dumps(by_pattern)}")
    print(f"flags on unplanted orders by rule: {json.dumps(dict(sorted(false_rules.items())))}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.rsplit("Usage: ", 1)[1])
    main(sys.argv[1])
