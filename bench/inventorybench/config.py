"""The inventory benchmark's settings: its own database, the sizes and the targets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_URL = os.environ.get(
    "BENCH_INVENTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_invbench"
)
PARTS = 10_000
MOVEMENTS = 10_000_000
MONTHS = 12
DEMO_CUSTOMERS = 200
LOOKUPS = 1000
VALUATION_TARGET_S = 5.0
ISSUE_TARGET_PER_S = 1000

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    LOG_LEVEL="WARNING",
    MEDIA_ROOT=str(ROOT / "var" / "bench_media"),
)
sys.path.insert(0, str(ROOT))

LINES: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    LINES.append(line)
