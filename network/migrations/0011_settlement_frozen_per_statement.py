"""The freeze of a confirmed settlement's lines, adjustments and disputes (migration 0006's rule, unchanged)
checked once per statement over its transition tables instead of once per row: a draft's recompute deletes
and inserts thousands of lines, and the per-row look-up of the parent settlement cost more than the insert."""

from django.db import migrations

TABLES = ["network_settlementline", "network_adjustment", "network_dispute"]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION network_settlement_part_frozen_new() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows r JOIN network_settlement s ON s.id = r.settlement_id
               WHERE s.status <> 'draft') THEN
        RAISE EXCEPTION '% of a confirmed settlement cannot change', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION network_settlement_part_frozen_old() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows r JOIN network_settlement s ON s.id = r.settlement_id
               WHERE s.status <> 'draft') THEN
        RAISE EXCEPTION '% of a confirmed settlement cannot change', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def forward_sql() -> str:
    parts = [FUNCTIONS]
    for table in TABLES:
        short = table.removeprefix("network_")
        parts.append(f"""
DROP TRIGGER IF EXISTS network_{short}_frozen ON {table};
CREATE TRIGGER network_{short}_frozen_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION network_settlement_part_frozen_new();
CREATE TRIGGER network_{short}_frozen_update_new AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION network_settlement_part_frozen_new();
CREATE TRIGGER network_{short}_frozen_update_old AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION network_settlement_part_frozen_old();
CREATE TRIGGER network_{short}_frozen_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION network_settlement_part_frozen_old();
""")
    return "\n".join(parts)


def reverse_sql() -> str:
    parts = []
    for table in TABLES:
        short = table.removeprefix("network_")
        parts.append(f"""
DROP TRIGGER IF EXISTS network_{short}_frozen_insert ON {table};
DROP TRIGGER IF EXISTS network_{short}_frozen_update_new ON {table};
DROP TRIGGER IF EXISTS network_{short}_frozen_update_old ON {table};
DROP TRIGGER IF EXISTS network_{short}_frozen_delete ON {table};
CREATE TRIGGER network_{short}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION network_settlement_part_frozen();
""")
    parts.append("DROP FUNCTION IF EXISTS network_settlement_part_frozen_new();")
    parts.append("DROP FUNCTION IF EXISTS network_settlement_part_frozen_old();")
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [("network", "0010_line_travel_fee")]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
