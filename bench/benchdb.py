"""What the benchmarks share: each runs against a database of its own, created when missing."""

from __future__ import annotations


def ensure_database(url: str) -> bool:
    """Creates the database `url` names when it does not exist; True when it was created."""
    import psycopg2  # noqa: PLC0415 (imported when a bench starts, not when this module is read)
    from psycopg2 import sql  # noqa: PLC0415

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()
