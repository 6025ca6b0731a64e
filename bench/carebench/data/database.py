"""The care benchmark's database: made once, rebuilt when older than the dashboard can read."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from ..config import DB_URL, MAX_AGE, META, ROOT

# The database ---------------------------------------------------------------------------------------------


def _connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def _meta() -> dict | None:
    """The bench database's description of its data, None when the database or the data is missing."""
    import psycopg2

    try:
        conn = _connect(DB_URL)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [META])
            if not cursor.fetchone()[0]:
                return None
            cursor.execute(f"SELECT generated_at, now, gap, made FROM {META} WHERE complete")
            row = cursor.fetchone()
            if row is None:
                return None
            return {"generated_at": row[0], "now": row[1], "gap": row[2], "made": row[3]}
    finally:
        conn.close()


def _rebuild_database() -> None:
    name = DB_URL.rsplit("/", 1)[1]
    conn = _connect(DB_URL.rsplit("/", 1)[0] + "/postgres")
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    env = {**os.environ}
    for args in (["migrate", "--noinput"], ["seed_demo", "--customers", "200"]):
        print(f"manage.py {' '.join(args)}", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def ensure_data(*, fresh: bool, gap: int, units: int) -> dict:
    # The generation uses this module's connection: imported here, not above.
    from .generation import generate

    meta = _meta()
    if meta is not None and not fresh:
        age = dt.datetime.now(dt.UTC) - meta["generated_at"]
        if meta["made"].get("customers_with_units") != units:
            print(
                f"the bench data was made for {meta['made'].get('customers_with_units')} units: rebuilding it"
            )
        elif age >= MAX_AGE:
            print(f"the bench data is {age} old: rebuilding it", flush=True)
        else:
            return meta
    _rebuild_database()
    import django

    django.setup()
    made = generate(gap=gap, units=units)
    return _meta() or sys.exit(f"generation left no complete data in {DB_URL}: {made}")
