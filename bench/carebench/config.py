"""The care benchmark's settings: its own database and Redis, the sizes and the targets."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_URL = os.environ.get("BENCH_CARE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_carebench")
SCAN_TARGET_MS = 1000
DASHBOARD_TARGET_MS = 500
MAX_AGE = dt.timedelta(hours=12)  # older data is rebuilt: the dashboard reads it against the real clock
UNITS = 950_000
REPEAT_EVERY = 19  # a unit in 19 has a second call: 50,000 repeats, 1,000,000 calls
CALLBACKS = 250_000
COMPLAINTS = 20_000
CHUNK = 100_000
WARM_UP = 3

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    # A Redis database of its own: nothing this process puts there reaches a worker of the project.
    REDIS_URL=os.environ.get("BENCH_CARE_REDIS_URL", "redis://127.0.0.1:6379/13"),
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    ALLOWED_HOSTS="testserver,localhost",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

META = "carebench_meta"  # one row: when the data was made, its instant N, the gap, what was made
RESET = "carebench_scan_reset"  # the state of the deadlines a scan at N touches, to put back
