"""Benchmark: 100,000 三包 decisions in one process (pure rules, varied facts). Target: under 2 s.

Usage: .venv/bin/python bench/warranty_decisions.py [N]
"""

import datetime as dt
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warranty.calendar import rest_days  # noqa: E402
from warranty.defaults import DEFAULT_POLICIES  # noqa: E402
from warranty.rules import Facts, RepairRecord, decide  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def make_facts(rng: random.Random, n: int) -> list[tuple[Facts, object]]:
    cases = []
    categories = sorted(DEFAULT_POLICIES)
    for _ in range(n):
        category = rng.choice(categories)
        policy = DEFAULT_POLICIES[category]
        component = rng.choice(sorted(policy.components))
        factory = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1000))
        invoice = factory + dt.timedelta(days=rng.randrange(200)) if rng.random() < 0.85 else None
        base = invoice or factory
        repairs = []
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            sent = base + dt.timedelta(days=rng.randrange(500))
            repairs.append(
                RepairRecord(
                    sent,
                    sent + dt.timedelta(days=rng.randrange(100)),
                    same_fault=rng.random() < 0.5,
                    delay_cause=rng.choice((None, None, "repairer", "parts_supply")),
                )
            )
        latest = max([base, *(r.returned_on for r in repairs)])
        cases.append(
            (
                Facts(
                    category=category,
                    component=component,
                    report_date=latest + dt.timedelta(days=rng.randrange(800)),
                    sale_date=invoice,
                    invoice_date=invoice,
                    factory_date=factory,
                    repairs=tuple(repairs),
                    performance_fault=rng.random() < 0.9,
                    exclusions=("misuse",) if rng.random() < 0.05 else (),
                    price=Decimal("2999.00") if rng.random() < 0.5 else None,
                ),
                policy,
            )
        )
    return cases


def main():
    cases = make_facts(random.Random(42), N)
    calendar = rest_days()
    runs = []
    verdicts = {}
    for _ in range(3):
        started = time.perf_counter()
        for facts, policy in cases:
            decision = decide(facts, policy, calendar)
            verdicts[decision.verdict] = verdicts.get(decision.verdict, 0) + 1
        runs.append(time.perf_counter() - started)
    result = {
        "decisions": N,
        "seconds_best": round(min(runs), 3),
        "seconds_median": round(statistics.median(runs), 3),
        "per_decision_us": round(min(runs) / N * 1e6, 2),
        "verdicts_per_run": {k: v // 3 for k, v in verdicts.items()},
    }
    print(json.dumps(result))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "warranty_decisions.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
