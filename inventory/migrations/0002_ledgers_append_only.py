"""The ledgers are append-only in the database itself: UPDATE and DELETE on stock movements, deposit entries
and credit entries raise an error, whatever code (or operator with psql) tries them. TRUNCATE — used only by
test database flushes — is not affected."""

from django.db import migrations

TABLES = ["inventory_stockmovement", "inventory_depositentry", "inventory_creditentry"]

FUNCTION = """
CREATE OR REPLACE FUNCTION inventory_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is an append-only ledger: record a correcting entry instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _triggers():
    return "\n".join(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();"
        for table in TABLES
    )


def _drop():
    return "\n".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES) + (
        "\nDROP FUNCTION IF EXISTS inventory_ledger_append_only();"
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTION + _triggers(), _drop())]
